from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from articles.models import Article, RelatedHeadline
from tests.factories import make_article

pytestmark = pytest.mark.django_db


def test_published_means_published_status_and_a_time_that_has_come():
    now = timezone.now()
    live = make_article(published_at=now - timedelta(minutes=1))
    make_article(published_at=now + timedelta(minutes=5))  # scheduled
    make_article(status=Article.Status.DRAFT)
    make_article(status=Article.Status.IN_REVIEW)
    make_article(status=Article.Status.UNPUBLISHED, published_at=now - timedelta(days=1))

    assert list(Article.objects.published()) == [live]
    assert live.is_published


def test_scheduled_story_is_published_once_its_time_passes():
    article = make_article(published_at=timezone.now() + timedelta(seconds=30))
    assert not article.is_published
    article.published_at = timezone.now() - timedelta(seconds=1)
    article.save()
    assert Article.objects.published().get() == article


def test_database_refuses_a_published_story_without_a_time():
    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.create(headline="No time", slug="no-time", body="Text", status=Article.Status.PUBLISHED)


def test_database_refuses_a_duplicate_slug():
    make_article(slug="same")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_article(slug="same")


def test_related_headline_positions_are_unique_per_story():
    article = make_article(related_headlines=["One"])
    with pytest.raises(IntegrityError), transaction.atomic():
        RelatedHeadline.objects.create(article=article, position=1, headline="Two")


def test_address_carries_the_publication_date_and_slug():
    article = make_article(slug="harbour-vote", published_at=datetime(2026, 3, 9, 23, 30, tzinfo=UTC))
    assert article.get_absolute_url() == "/news/2026/03/09/harbour-vote/"


def test_slug_is_derived_from_the_headline_when_left_blank():
    article = Article.objects.create(headline="Tide gauge breaks record", body="Text")
    assert article.slug == "tide-gauge-breaks-record"


def test_body_is_split_into_paragraphs_on_blank_lines():
    article = make_article(body="One.\r\n\r\nTwo,\nstill two.\n\n\n\nThree.")
    assert article.paragraphs == ["One.", "Two,\nstill two.", "Three."]


def test_related_headline_links_only_to_live_stories():
    live = make_article()
    draft = make_article(status=Article.Status.DRAFT)
    parent = make_article(related_headlines=[live, draft, "Plain headline"])
    items = list(parent.related_headlines.all())
    assert [item.link for item in items] == [live.get_absolute_url(), "", ""]


def test_publish_keeps_scheduled_times_and_dates_the_rest():
    later = timezone.now() + timedelta(days=1)
    draft = make_article(status=Article.Status.DRAFT)
    scheduled = make_article(status=Article.Status.DRAFT, published_at=later)

    assert Article.objects.filter(pk__in=[draft.pk, scheduled.pk]).publish() == 2

    draft.refresh_from_db()
    scheduled.refresh_from_db()
    assert draft.is_published
    assert scheduled.status == Article.Status.PUBLISHED and scheduled.published_at == later


def test_unpublish_takes_a_story_down():
    article = make_article()
    Article.objects.filter(pk=article.pk).unpublish()
    assert not Article.objects.published().exists()


def test_a_story_counts_as_updated_only_when_edited_after_it_went_out():
    now = timezone.now()
    fresh = make_article(published_at=now)
    assert not fresh.was_updated

    Article.objects.filter(pk=fresh.pk).update(updated_at=now + timedelta(minutes=5))
    fresh.refresh_from_db()
    assert fresh.was_updated

    archived = make_article(published_at=now - timedelta(days=30))  # entered today, back-dated
    assert not archived.was_updated
