"""NEWSROOM_TIME_ZONE: editors enter and read times in it, readers see dates in it, the database keeps UTC, and
JSON-LD, the news sitemap and the feeds carry the offset."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from articles.models import Article
from tests.factories import make_article
from tests.test_metadata import json_ld_items
from tests.test_publishing import editor, press  # noqa: F401 (fixture)
from tests.test_settings import run_python

pytestmark = pytest.mark.django_db

# 09:00 UTC on a summer day is 10:00 in London (BST, +01:00).
SUMMER_MORNING = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def london(settings):
    settings.TIME_ZONE = "Europe/London"


def test_an_editor_schedules_in_the_newsroom_time_and_the_database_keeps_utc(london, editor):  # noqa: F811
    story = make_article("Budget day", status=Article.Status.DRAFT)

    response = press(editor, story, "schedule", published_at_0="2027-07-01", published_at_1="10:00:00")

    assert response.status_code == 302
    story.refresh_from_db()
    assert story.published_at == datetime(2027, 7, 1, 9, 0, tzinfo=UTC)
    page = editor.get(response["Location"]).content.decode()
    assert 'name="published_at_0" value="2027-07-01"' in page and 'name="published_at_1" value="10:00:00"' in page


def test_readers_see_the_newsroom_time_and_machines_get_its_offset(london, client):
    story = make_article("Seawall opens at dawn", published_at=SUMMER_MORNING)

    page = client.get(story.get_absolute_url()).content.decode()
    assert '<time datetime="2026-07-01T10:00:00+01:00">1 July 2026, 10:00 BST</time>' in page
    article = next(item for item in json_ld_items(page) if item.get("@type") == "NewsArticle")
    assert article["datePublished"] == "2026-07-01T10:00:00+01:00"

    feed = client.get(reverse("articles:latest_feed")).content.decode()
    assert "<pubDate>Wed, 01 Jul 2026 10:00:00 +0100</pubDate>" in feed
    atom = client.get(reverse("articles:latest_atom_feed")).content.decode()
    assert "<published>2026-07-01T10:00:00+01:00</published>" in atom


def test_an_unknown_time_zone_stops_the_site_with_a_clear_message():
    result = run_python(
        "import django; django.setup()", DJANGO_SETTINGS_MODULE="newsroom.settings", NEWSROOM_TIME_ZONE="Europe/Lundon"
    )
    assert result.returncode != 0
    assert "NEWSROOM_TIME_ZONE='Europe/Lundon' is not a time zone name" in result.stderr
