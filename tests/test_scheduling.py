from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_max_age

from articles.models import Article
from tests.factories import make_article, make_person, make_staff

pytestmark = pytest.mark.django_db

START = timezone.now().replace(microsecond=0)


@pytest.fixture
def clock(monkeypatch):
    """A clock the test moves: everything that asks `timezone.now()` sees it."""

    class Clock:
        now = START

        def travel(self, **delta):
            self.now = START + timedelta(**delta)

    clock = Clock()
    monkeypatch.setattr(timezone, "now", lambda: clock.now)
    return clock


@pytest.fixture
def scheduled(clock):
    mayor = make_person("Ada Lindqvist", slug="ada-lindqvist")
    engineer = make_person("Ben Okafor", slug="ben-okafor")
    make_article(
        "Harbour dredging begins",
        slug="dredging",
        tags=["Harbour"],
        people=[mayor],
        published_at=START - timedelta(days=1),
    )
    return make_article(
        "Seawall opens at dawn",
        slug="seawall-opens",
        summary="Walkers get the seawall.",
        tags=["Harbour"],
        people=[mayor, engineer],
        published_at=START + timedelta(hours=2),
    )


def public_pages(story):
    """Every public surface that lists or shows stories, with what it shows of this one once it is live."""
    older = Article.objects.get(slug="dredging")
    headline, address = "Seawall opens at dawn", story.get_absolute_url()
    tag, person = {"slug": "harbour"}, {"slug": "ada-lindqvist"}
    return {
        "front page": (reverse("articles:front_page"), headline),
        "article page": (address, headline),
        "related stories of another story": (older.get_absolute_url(), headline),
        "tag page": (reverse("articles:tag", kwargs=tag), headline),
        "person page": (reverse("articles:person", kwargs=person), headline),
        "people list": (reverse("articles:people"), "Ben Okafor"),
        "latest feed": (reverse("articles:latest_feed"), headline),
        "latest Atom feed": (reverse("articles:latest_atom_feed"), headline),
        "tag feed": (reverse("articles:tag_feed", kwargs=tag), headline),
        "tag Atom feed": (reverse("articles:tag_atom_feed", kwargs=tag), headline),
        "person feed": (reverse("articles:person_feed", kwargs=person), headline),
        "person Atom feed": (reverse("articles:person_atom_feed", kwargs=person), headline),
        "stories sitemap": (reverse("articles:sitemap_section", kwargs={"section": "articles"}), address),
        "news sitemap": (reverse("articles:news_sitemap"), address),
        "search": (reverse("articles:search") + "?q=seawall", address),
    }


def test_a_scheduled_story_stays_hidden_everywhere_until_its_time_then_appears_by_itself(client, clock, scheduled):
    for name, (url, shown) in public_pages(scheduled).items():
        response = client.get(url)
        assert shown not in response.content.decode(), name
        if name != "article page":
            assert response.status_code == 200, name
    assert client.get(scheduled.get_absolute_url()).status_code == 404

    clock.travel(hours=2, seconds=1)

    for name, (url, shown) in public_pages(scheduled).items():
        response = client.get(url)
        assert response.status_code == 200, name
        assert shown in response.content.decode(), name


def test_no_public_page_is_cached_past_a_scheduled_publication(client, clock, scheduled, settings):
    settings.PUBLIC_PAGE_MAX_AGE = 60
    clock.travel(hours=2, seconds=-25)

    for name, (url, _) in public_pages(scheduled).items():
        response = client.get(url)
        if response.status_code == 200:
            assert get_max_age(response) == 25, name
    assert get_max_age(client.get(reverse("articles:robots_txt"))) == 25


def test_public_pages_are_never_cached_past_the_next_scheduled_publication(client, clock, settings):
    settings.PUBLIC_PAGE_MAX_AGE = 60
    front = reverse("articles:front_page")
    assert get_max_age(client.get(front)) == 60

    make_article("Seawall opens at dawn", published_at=START + timedelta(seconds=25))
    assert get_max_age(client.get(front)) == 25

    clock.travel(seconds=20)
    response = client.get(front)
    assert get_max_age(response) == 5 and "Seawall opens at dawn" not in response.content.decode()

    clock.travel(seconds=26)
    response = client.get(front)
    assert get_max_age(response) == 60 and "Seawall opens at dawn" in response.content.decode()


def test_publishing_a_scheduled_story_from_the_changelist_caps_caching_at_once(client, clock, settings):
    settings.PUBLIC_PAGE_MAX_AGE = 60
    story = make_article("Seawall opens at dawn", status=Article.Status.IN_REVIEW, published_at=START)
    Article.objects.filter(pk=story.pk).update(published_at=START + timedelta(seconds=40))
    front = reverse("articles:front_page")
    assert get_max_age(client.get(front)) == 60  # nothing scheduled yet, and that answer is cached

    editor = client.__class__()
    editor.force_login(make_staff("edna", "editor"))
    editor.post(
        reverse("admin:articles_article_changelist"),
        {"action": "publish", "_selected_action": [story.pk], "confirm": "publish"},
    )

    assert get_max_age(client.get(front)) == 40


def test_the_next_scheduled_time_is_cached_between_requests(clock, django_assert_num_queries):
    make_article(published_at=START + timedelta(minutes=10))
    make_article(published_at=START + timedelta(minutes=5))
    make_article(status=Article.Status.DRAFT)
    assert Article.objects.next_scheduled_time() == START + timedelta(minutes=5)
    with django_assert_num_queries(0):
        assert Article.objects.next_scheduled_time() == START + timedelta(minutes=5)

    clock.travel(minutes=6)  # the cached time has passed: look again
    assert Article.objects.next_scheduled_time() == START + timedelta(minutes=10)


def test_saving_stories_keeps_the_cached_time_current(clock, django_assert_num_queries):
    later = make_article(published_at=START + timedelta(minutes=10))
    sooner = make_article(published_at=START + timedelta(minutes=5))
    with django_assert_num_queries(0):
        assert Article.objects.next_scheduled_time() == START + timedelta(minutes=5)

    sooner.status = Article.Status.UNPUBLISHED
    sooner.save()
    assert Article.objects.next_scheduled_time() == START + timedelta(minutes=10)

    later.published_at = START - timedelta(minutes=1)  # brought forward: live now
    later.save()
    assert Article.objects.next_scheduled_time() is None


def test_admin_filters_and_labels_each_state(client, clock):
    client.force_login(make_staff("chief"))
    make_article("Live story")
    make_article("Scheduled story", published_at=START + timedelta(days=1))
    make_article("Draft story", status=Article.Status.DRAFT)
    make_article("Review story", status=Article.Status.IN_REVIEW)
    make_article("Taken-down story", status=Article.Status.UNPUBLISHED, published_at=START - timedelta(days=2))
    changelist = reverse("admin:articles_article_changelist")
    expected = {
        "live": ("Live story", "<strong>Live</strong>"),
        "scheduled": ("Scheduled story", "Scheduled for"),
        "draft": ("Draft story", "Draft"),
        "in_review": ("Review story", "In review"),
        "unpublished": ("Taken-down story", "Taken down"),
    }

    for state, (headline, label) in expected.items():
        page = client.get(changelist, {"state": state}).content.decode()
        assert headline in page and label in page, state
        others = [other for other, _ in expected.values() if other != headline]
        assert not any(f">{other}</a>" in page for other in others), state
