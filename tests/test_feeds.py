from datetime import timedelta

import feedparser
import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from tests.factories import image_file, make_article, make_person

pytestmark = pytest.mark.django_db

FEEDS = ["latest_feed", "latest_atom_feed"]
TAG_FEEDS = ["tag_feed", "tag_atom_feed"]
PERSON_FEEDS = ["person_feed", "person_atom_feed"]


@pytest.fixture
def newsroom():
    """A published story with everything a feed item carries, and stories readers must not see."""
    mayor = make_person("Ada Lindqvist", slug="ada-lindqvist")
    story = make_article(
        "Harbour wall to be raised",
        slug="harbour-wall-raised",
        summary="The council votes for a higher wall <after> the storm & the floods.",
        byline="Maria Costa",
        tags=["Harbour", "Weather"],
        people=[mayor],
        lead_image=image_file("wall.jpg"),
        lead_image_alt="The harbour wall",
    )
    older = make_article("Ferry timetable changes", slug="ferry-timetable", tags=["Harbour"], people=[mayor])
    hidden = [
        make_article("Draft about the harbour", status=Article.Status.DRAFT, tags=["Harbour"], people=[mayor]),
        make_article("Harbour story in review", status=Article.Status.IN_REVIEW, tags=["Harbour"], people=[mayor]),
        make_article(
            "Withdrawn harbour story",
            status=Article.Status.UNPUBLISHED,
            published_at=timezone.now() - timedelta(days=1),
            tags=["Harbour"],
            people=[mayor],
        ),
        make_article(
            "Harbour story scheduled for tomorrow",
            published_at=timezone.now() + timedelta(days=1),
            tags=["Harbour"],
            people=[mayor],
        ),
    ]
    return {"story": story, "older": older, "hidden": hidden, "mayor": mayor}


def feed_urls():
    return (
        [reverse(f"articles:{name}") for name in FEEDS]
        + [reverse(f"articles:{name}", kwargs={"slug": "harbour"}) for name in TAG_FEEDS]
        + [reverse(f"articles:{name}", kwargs={"slug": "ada-lindqvist"}) for name in PERSON_FEEDS]
    )


def fetch(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    parsed = feedparser.parse(response.content)
    assert parsed.bozo == 0, (url, parsed.get("bozo_exception"))
    return response, parsed


@pytest.mark.parametrize("index", range(6))
def test_every_feed_parses_cleanly_and_lists_only_published_stories(client, newsroom, index):
    url = feed_urls()[index]

    response, parsed = fetch(client, url)

    expected_type = "application/atom+xml" if url.endswith("atom/") else "application/rss+xml"
    assert response["Content-Type"].startswith(expected_type)
    assert [entry.title for entry in parsed.entries] == ["Harbour wall to be raised", "Ferry timetable changes"]
    assert parsed.feed.title


@pytest.mark.parametrize("name", ["latest_feed", "latest_atom_feed"])
def test_feed_item_carries_summary_author_tags_dates_guid_and_image(client, newsroom, name):
    story = newsroom["story"]

    response, parsed = fetch(client, reverse(f"articles:{name}"))
    entry = parsed.entries[0]

    assert entry.link == f"http://testserver{story.get_absolute_url()}"
    # Escaped once as HTML (feed readers read it so), once more as XML.
    assert "higher wall &amp;lt;after&amp;gt; the storm &amp;amp; the floods.<" in response.content.decode()
    assert entry.summary == "The council votes for a higher wall &lt;after&gt; the storm &amp; the floods."
    assert entry.author == "Maria Costa"
    assert sorted(tag.term for tag in entry.tags) == ["Harbour", "Weather"]
    assert entry.published_parsed[:6] == story.published_at.utctimetuple()[:6]
    if name == "latest_atom_feed":  # RSS 2.0 has no element for it
        assert entry.updated_parsed[:6] == story.modified_at.utctimetuple()[:6]
    assert entry.id == f"tag:testserver,{story.created_at:%Y-%m-%d}:article:{story.pk}"
    assert len({item.id for item in parsed.entries}) == len(parsed.entries)
    [enclosure] = entry.enclosures
    assert enclosure.href == f"http://testserver{story.lead_library_picture.file.url}"
    assert enclosure.type == "image/jpeg"
    assert int(enclosure.length) == story.lead_library_picture.file.size > 0
    assert not parsed.entries[1].enclosures


def test_feed_guid_survives_a_headline_and_slug_edit(client, newsroom):
    story = newsroom["story"]
    before = fetch(client, reverse("articles:latest_feed"))[1].entries[0].id

    story.headline, story.slug = "Harbour wall will be raised by a metre", "harbour-wall-metre"
    story.save()
    after = fetch(client, reverse("articles:latest_feed"))[1].entries[0]

    assert after.title == "Harbour wall will be raised by a metre"
    assert after.id == before


def test_feeds_describe_their_subject_and_link_to_its_page(client, newsroom):
    _response, tag_feed = fetch(client, reverse("articles:tag_feed", kwargs={"slug": "harbour"}))
    _response, person_feed = fetch(client, reverse("articles:person_atom_feed", kwargs={"slug": "ada-lindqvist"}))

    assert person_feed.feed.author == "Newsroom"
    assert tag_feed.feed.title.startswith("Harbour")
    assert tag_feed.feed.link == "http://testserver" + reverse("articles:tag", kwargs={"slug": "harbour"})
    assert person_feed.feed.title.startswith("Ada Lindqvist")
    assert person_feed.feed.link == "http://testserver" + newsroom["mayor"].get_absolute_url()


@pytest.mark.parametrize("name", TAG_FEEDS)
def test_tag_feed_is_not_found_for_unknown_tags_or_tags_only_on_unpublished_stories(client, newsroom, name):
    make_article("Secret merger talks", status=Article.Status.DRAFT, tags=["Secret merger"])

    assert client.get(reverse(f"articles:{name}", kwargs={"slug": "no-such-tag"})).status_code == 404
    assert client.get(reverse(f"articles:{name}", kwargs={"slug": "secret-merger"})).status_code == 404


@pytest.mark.parametrize("name", PERSON_FEEDS)
def test_person_feed_is_not_found_for_people_only_in_unpublished_stories(client, newsroom, name):
    insider = make_person("Quiet Insider", slug="quiet-insider")
    make_article("Insider speaks", status=Article.Status.IN_REVIEW, people=[insider])

    assert client.get(reverse(f"articles:{name}", kwargs={"slug": "quiet-insider"})).status_code == 404


def test_feed_links_in_page_heads_point_at_each_page_feeds(client, newsroom):
    front = client.get(reverse("articles:front_page")).content.decode()
    tag_page = client.get(reverse("articles:tag", kwargs={"slug": "harbour"})).content.decode()
    person_page = client.get(newsroom["mayor"].get_absolute_url()).content.decode()

    latest = reverse("articles:latest_feed")
    rss_link = '<link rel="alternate" type="application/rss+xml" title="Newsroom: latest stories (RSS)"'
    assert f'{rss_link} href="{latest}">' in front
    assert f'type="application/atom+xml" title="Newsroom: latest stories (Atom)" href="{latest}atom/"' in front
    tag_rss = reverse("articles:tag_feed", kwargs={"slug": "harbour"})
    assert f'<link rel="alternate" type="application/rss+xml" title="Harbour (RSS)" href="{tag_rss}">' in tag_page
    assert f'href="{tag_rss}atom/"' in tag_page
    person_rss = reverse("articles:person_feed", kwargs={"slug": "ada-lindqvist"})
    assert f'title="Ada Lindqvist (RSS)" href="{person_rss}"' in person_page
    assert f'href="{person_rss}atom/"' in person_page


def test_feeds_may_be_cached_briefly(client, newsroom):
    response = client.get(reverse("articles:latest_feed"))

    assert "public" in response["Cache-Control"] and "max-age=" in response["Cache-Control"]


@pytest.mark.parametrize("index", range(6))
def test_feed_query_count_does_not_grow_with_stories(client, newsroom, django_assert_max_num_queries, index):
    for number in range(10):
        make_article(f"Harbour extra {number}", tags=["Harbour", f"Extra {number}"], people=[newsroom["mayor"]])
    url = feed_urls()[index]

    with django_assert_max_num_queries(4):  # the object, the stories, their tags and their bylines
        response = client.get(url)

    assert len(feedparser.parse(response.content).entries) == 12
