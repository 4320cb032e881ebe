import re
import time
from datetime import timedelta
from types import SimpleNamespace
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles import previews
from articles.models import Article
from tests.factories import make_article

pytestmark = pytest.mark.django_db


def signing_clock(offset):
    """Move the clock signed links are made and checked by, without touching anything else."""
    return mock.patch.object(signing, "time", SimpleNamespace(time=lambda: time.time() + offset.total_seconds()))


def shared_link_from_admin(article):
    editor = Client()
    editor.force_login(User.objects.create_superuser(f"chief{article.pk}", "chief@example.com", "pw"))
    form = editor.get(reverse("admin:articles_article_change", args=[article.pk])).content.decode()
    match = re.search(r'<a href="(/preview/[^"]+/)"[^>]*>Shareable preview</a>', form)
    return match and match.group(1)


def test_editor_shares_a_draft_that_a_reader_without_an_account_can_open(client):
    draft = make_article("Budget talks collapse", status=Article.Status.DRAFT)
    link = shared_link_from_admin(draft)

    response = client.get(link)

    page = response.content.decode()
    assert "Budget talks collapse" in page and "Preview." in page
    assert '<meta name="robots" content="noindex">' in page
    assert response["X-Robots-Tag"] == "noindex"
    assert {"private", "no-cache", "no-store"} <= {part.strip() for part in response["Cache-Control"].split(",")}


def test_the_admin_form_says_when_the_link_expires(client, settings):
    settings.PREVIEW_LINK_MAX_AGE = timedelta(days=3)
    draft = make_article(status=Article.Status.IN_REVIEW)
    client.force_login(User.objects.create_superuser("chief", "chief@example.com", "pw"))

    form = client.get(reverse("admin:articles_article_change", args=[draft.pk])).content.decode()

    expiry = re.search(r'<time datetime="([^"]+)">', form).group(1)
    expected = timezone.now() + timedelta(days=3)
    assert abs(timezone.datetime.fromisoformat(expiry) - expected) < timedelta(minutes=1)


def test_live_and_taken_down_stories_offer_no_preview_link():
    assert shared_link_from_admin(make_article()) is None
    assert shared_link_from_admin(make_article(status=Article.Status.UNPUBLISHED)) is None
    assert shared_link_from_admin(make_article(published_at=timezone.now() + timedelta(days=1))) is not None


def test_public_pages_are_not_marked_noindex(client):
    article = make_article()
    response = client.get(article.get_absolute_url())
    assert 'content="noindex"' not in response.content.decode() and not response.has_header("X-Robots-Tag")


def test_link_stops_working_when_it_expires(client, settings):
    settings.PREVIEW_LINK_MAX_AGE = timedelta(days=7)
    draft = make_article("Secret draft", status=Article.Status.DRAFT)
    link = previews.make_link(draft).url

    with signing_clock(timedelta(days=6, hours=23)):
        assert "Secret draft" in client.get(link).content.decode()
    with signing_clock(timedelta(days=7, minutes=1)):
        response = client.get(link)

    assert response.status_code == 404
    assert "Secret draft" not in response.content.decode()
    assert "This preview link no longer works" in response.content.decode()
    assert "no-store" in response["Cache-Control"]


def pointed_at_the_next_story(token):
    """Keep the signature, change the story the token names."""
    payload, stamp, signature = token.split(":")
    next_pk = int(signing.b64_decode(payload.encode())) + 1
    return f"{signing.b64_encode(str(next_pk).encode()).decode()}:{stamp}:{signature}"


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),
        pointed_at_the_next_story,
        lambda token: signing.dumps(signing.loads(token, salt=previews.SALT)),
        lambda token: "not-a-token",
    ],
    ids=["changed signature", "other story", "unsalted", "garbage"],
)
def test_tampered_links_show_nothing(client, tamper):
    draft = make_article("Secret draft", status=Article.Status.DRAFT)
    make_article("Other secret", status=Article.Status.DRAFT)
    token = previews.make_link(draft).url.split("/")[-2]

    response = client.get(reverse("articles:preview", kwargs={"token": tamper(token)}))

    assert response.status_code == 404
    assert "Secret draft" not in response.content.decode() and "Other secret" not in response.content.decode()


def test_link_leads_to_the_live_story_once_published(client):
    draft = make_article("Budget talks collapse", status=Article.Status.DRAFT)
    link = previews.make_link(draft).url

    Article.objects.filter(pk=draft.pk).publish()
    response = client.get(link)

    draft.refresh_from_db()
    assert response.status_code == 302 and response["Location"] == draft.get_absolute_url()


def test_scheduled_story_previews_until_its_time_then_leads_to_the_live_page(client):
    soon = timezone.now() + timedelta(hours=1)
    scheduled = make_article("Embargoed report", published_at=soon)
    link = previews.make_link(scheduled).url
    assert "Embargoed report" in client.get(link).content.decode()

    with mock.patch("django.utils.timezone.now", return_value=soon + timedelta(minutes=1)):
        response = client.get(link)

    assert response.status_code == 302 and response["Location"] == scheduled.get_absolute_url()


def test_link_does_not_reopen_a_story_that_was_taken_down(client):
    draft = make_article("Libel risk", status=Article.Status.DRAFT)
    link = previews.make_link(draft).url
    Article.objects.filter(pk=draft.pk).publish()
    Article.objects.filter(pk=draft.pk).unpublish()

    response = client.get(link)

    assert response.status_code == 404 and "Libel risk" not in response.content.decode()
