"""What readers see across page types: reflow on a 320 px screen, a visible focus ring, one "last changed" date."""

import re
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from xml.etree import ElementTree

import feedparser
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from tests.factories import make_article
from tests.test_quality import extract, reader_pages

STYLESHEET = settings.BASE_DIR / "static" / "css" / "site.css"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_page_type_reflows_at_320_px_without_sideways_scrolling(chromium, live_server, newsroom):
    context = chromium.new_context(base_url=live_server.url, viewport={"width": 320, "height": 640})
    page = context.new_page()
    too_wide = {}
    try:
        for name, path in reader_pages(newsroom).items():
            page.goto(path)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 320:
                too_wide[name] = width
        search_button = page.get_by_role("search", name="Site").get_by_role("button", name="Go").bounding_box()
        assert search_button["x"] >= 0 and search_button["x"] + search_button["width"] <= 320
    finally:
        context.close()
    assert too_wide == {}


def relative_luminance(hex_colour):
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first, second):
    lighter, darker = sorted([relative_luminance(first), relative_luminance(second)], reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def colour_schemes(css):
    """The custom properties of the light scheme and of the dark one (light values where dark sets none)."""
    light_block = re.search(r":root\s*\{(.*?)\}", css, re.DOTALL).group(1)
    dark_block = re.search(r"prefers-color-scheme:\s*dark\)\s*\{\s*:root\s*\{(.*?)\}", css, re.DOTALL).group(1)

    def properties(block):
        return dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})\s*;", block))

    light = properties(light_block)
    return {"light": light, "dark": {**light, **properties(dark_block)}}


def test_focus_ring_has_3_to_1_contrast_on_every_background_in_both_colour_schemes():
    css = STYLESHEET.read_text()
    assert re.search(r":focus-visible\s*\{[^}]*outline:\s*3px solid var\(--focus\)", css)
    ratios = {
        (scheme, background): round(contrast(colours["focus"], colours[background]), 2)
        for scheme, colours in colour_schemes(css).items()
        for background in ("background", "surface")
    }
    assert all(ratio >= 3 for ratio in ratios.values()), ratios


def test_contrast_formula_matches_known_pairs():
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#f0b400", "#ffffff"), 2) == 1.87  # the old light-mode ring the audit flagged


def http_time(response):
    return parsedate_to_datetime(response["Last-Modified"])


@pytest.mark.django_db
def test_page_json_ld_sitemap_feed_and_header_agree_on_when_each_demo_story_last_changed(client, newsroom):
    articles, _people = newsroom
    sitemap = ElementTree.fromstring(
        client.get(reverse("articles:sitemap_section", kwargs={"section": "articles"})).content
    )
    lastmods = {
        url.find(f"{SITEMAP}loc").text.removeprefix("http://testserver"): url.find(f"{SITEMAP}lastmod").text
        for url in sitemap.iter(f"{SITEMAP}url")
    }
    feed = feedparser.parse(client.get(reverse("articles:latest_atom_feed")).content)
    feed_updated = {entry.link.removeprefix("http://testserver"): entry.updated for entry in feed.entries}

    live = [article for article in articles.values() if article.is_published]
    assert len(live) >= 10
    updated_somewhere = 0
    for article in live:
        path = article.get_absolute_url()
        response = client.get(path)
        json_ld, opengraph = extract(client, path)
        modified = json_ld["NewsArticle"]["dateModified"]
        assert opengraph["article:modified_time"] == [modified], path
        assert lastmods[path] == modified[:10], path  # the sitemap gives days
        assert datetime.fromisoformat(feed_updated[path]).replace(microsecond=0).isoformat() == modified, path
        assert http_time(response).isoformat() == modified, path
        # Loaded today, back-dated: dated by the story's own history, never by the loading.
        assert datetime.fromisoformat(modified) < article.created_at, path
        page = response.content.decode()
        if modified != json_ld["NewsArticle"]["datePublished"]:
            updated_somewhere += 1
            assert f'Updated <time datetime="{modified}">' in page, path
        else:
            assert "Updated <time" not in page, path
    assert updated_somewhere >= 1, "the demo has stories corrected after publication"


@pytest.mark.django_db
def test_a_story_edited_after_it_went_out_is_dated_by_the_edit_everywhere(client):
    story = make_article("Ferry timetable changes", published_at=timezone.now() - timedelta(days=3))
    Article.objects.filter(pk=story.pk).update(created_at=story.published_at, updated_at=timezone.now())
    story = Article.objects.with_last_change().get(pk=story.pk)
    assert story.modified_at == story.updated_at

    response = client.get(story.get_absolute_url())
    json_ld, _ = extract(client, story.get_absolute_url())
    assert json_ld["NewsArticle"]["dateModified"] == story.updated_at.isoformat(timespec="seconds")
    assert http_time(response) == story.updated_at.replace(microsecond=0)
