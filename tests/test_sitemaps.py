import xml.etree.ElementTree as ElementTree
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from articles import sitemaps
from articles.models import Article
from tests.factories import make_article, make_person

pytestmark = pytest.mark.django_db

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"


def unpublished_stories(**fields):
    """One story in every state readers must not see."""
    return [
        make_article("Draft story", status=Article.Status.DRAFT, **fields),
        make_article("Story in review", status=Article.Status.IN_REVIEW, **fields),
        make_article(
            "Withdrawn story",
            status=Article.Status.UNPUBLISHED,
            published_at=timezone.now() - timedelta(hours=1),
            **fields,
        ),
        make_article("Scheduled story", published_at=timezone.now() + timedelta(hours=3), **fields),
    ]


def parse_xml(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    return ElementTree.fromstring(response.content)


def locations(root):
    return [element.text for element in root.iter(f"{SITEMAP}loc")]


def section_url(section, page=None):
    url = "http://testserver" + reverse("articles:sitemap_section", kwargs={"section": section})
    return f"{url}?p={page}" if page else url


def test_sitemap_index_lists_the_articles_tags_and_people_sections(client):
    story = make_article("Harbour wall raised", tags=["Harbour"])

    root = parse_xml(client.get(reverse("articles:sitemap")))

    assert root.tag == f"{SITEMAP}sitemapindex"
    assert locations(root) == [section_url("articles"), section_url("tags"), section_url("people")]
    [articles_entry] = [entry for entry in root if entry.find(f"{SITEMAP}loc").text == section_url("articles")]
    # The stories' "last changed" rule, not the time the row was written (see test_dates.py).
    assert parse_datetime(articles_entry.find(f"{SITEMAP}lastmod").text) == story.modified_at


def test_articles_sitemap_lists_published_stories_with_lastmod(client):
    mayor = make_person("Ada Lindqvist", slug="ada-lindqvist")
    newer = make_article("Harbour wall raised", people=[mayor])
    older = make_article("Ferry timetable changes", published_at=timezone.now() - timedelta(days=30))
    unpublished_stories(people=[mayor])

    root = parse_xml(client.get(reverse("articles:sitemap_section", kwargs={"section": "articles"})))

    assert root.tag == f"{SITEMAP}urlset"
    assert locations(root) == [f"http://testserver{story.get_absolute_url()}" for story in (newer, older)]
    lastmods = [element.text for element in root.iter(f"{SITEMAP}lastmod")]
    assert lastmods == [story.modified_at.date().isoformat() for story in (newer, older)]
    assert lastmods[1] == older.published_at.date().isoformat(), "entered today, back-dated: not an update"


def test_tags_and_people_sitemaps_list_only_pages_readers_can_open(client):
    mayor = make_person("Ada Lindqvist", slug="ada-lindqvist")
    insider = make_person("Quiet Insider", slug="quiet-insider")
    make_article("Harbour wall raised", tags=["Harbour"], people=[mayor])
    unpublished_stories(tags=["Secret merger"], people=[insider])

    tags = parse_xml(client.get(reverse("articles:sitemap_section", kwargs={"section": "tags"})))
    people = parse_xml(client.get(reverse("articles:sitemap_section", kwargs={"section": "people"})))

    assert locations(tags) == ["http://testserver" + reverse("articles:tag", kwargs={"slug": "harbour"})]
    assert locations(people) == [f"http://testserver{mayor.get_absolute_url()}"]
    for url in locations(tags) + locations(people):
        assert client.get(url).status_code == 200


def test_sitemaps_split_into_pages_past_the_limit(client, monkeypatch):
    monkeypatch.setattr(sitemaps.ArticleSitemap, "limit", 2)
    stories = [make_article(f"Story {number}") for number in range(5)]

    index = parse_xml(client.get(reverse("articles:sitemap")))
    section = reverse("articles:sitemap_section", kwargs={"section": "articles"})
    pages = [parse_xml(client.get(section, {"p": number})) for number in (1, 2, 3)]

    assert locations(index)[:3] == [section_url("articles"), section_url("articles", 2), section_url("articles", 3)]
    listed = [url for page in pages for url in locations(page)]
    assert listed == [f"http://testserver{story.get_absolute_url()}" for story in stories]
    assert client.get(section, {"p": 4}).status_code == 404


def test_sitemap_index_costs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    for number in range(20):
        make_article(f"Story {number}", tags=[f"Topic {number}"], people=[make_person()])

    with django_assert_max_num_queries(6):
        client.get(reverse("articles:sitemap"))


def test_news_sitemap_lists_stories_of_the_last_two_days_with_news_fields(client, settings):
    settings.SITE_NAME = "Port Alder Gazette"
    now = timezone.now()
    fresh = make_article("Storm surge floods waterfront & fish market", published_at=now - timedelta(hours=2))
    yesterday = make_article("Council meets", published_at=timezone.now() - timedelta(hours=40))
    make_article("Last week's story", published_at=timezone.now() - timedelta(days=3))
    unpublished_stories()

    root = parse_xml(client.get(reverse("articles:news_sitemap")))

    assert root.tag == f"{SITEMAP}urlset"
    entries = root.findall(f"{SITEMAP}url")
    assert [entry.find(f"{SITEMAP}loc").text for entry in entries] == [
        f"http://testserver{story.get_absolute_url()}" for story in (fresh, yesterday)
    ]
    news = entries[0].find(f"{NEWS}news")
    assert news.find(f"{NEWS}publication/{NEWS}name").text == "Port Alder Gazette"
    assert news.find(f"{NEWS}publication/{NEWS}language").text == "en"
    assert parse_datetime(news.find(f"{NEWS}publication_date").text) == fresh.published_at.replace(microsecond=0)
    assert news.find(f"{NEWS}title").text == "Storm surge floods waterfront & fish market"
    assert news.find(f"{NEWS}keywords").text == "News"  # the story's section


def test_news_sitemap_stops_at_its_limit(client, monkeypatch):
    monkeypatch.setattr(sitemaps, "NEWS_SITEMAP_LIMIT", 3)
    for number in range(5):
        make_article(f"Story {number}", published_at=timezone.now() - timedelta(minutes=number + 1))

    root = parse_xml(client.get(reverse("articles:news_sitemap")))

    assert len(root.findall(f"{SITEMAP}url")) == 3


def test_empty_news_sitemap_is_still_a_valid_document(client):
    root = parse_xml(client.get(reverse("articles:news_sitemap")))

    assert root.tag == f"{SITEMAP}urlset" and len(root) == 0


def test_news_sitemap_costs_one_query(client, django_assert_num_queries):
    for number in range(5):
        make_article(f"Story {number}", published_at=timezone.now() - timedelta(minutes=number + 1))

    with django_assert_num_queries(1):
        response = client.get(reverse("articles:news_sitemap"))

    assert len(parse_xml(response).findall(f"{SITEMAP}url")) == 5


def test_robots_txt_names_both_sitemaps_and_keeps_crawlers_out_of_admin(client):
    response = client.get(reverse("articles:robots_txt"))
    lines = response.content.decode().splitlines()

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "User-agent: *" in lines
    assert f"Disallow: {reverse('admin:index')}" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert "Sitemap: http://testserver/news-sitemap.xml" in lines
