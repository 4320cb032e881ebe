import json
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from articles import structured_data
from articles.models import Article
from tests.factories import image_file, make_article, make_person

pytestmark = pytest.mark.django_db


def json_ld_items(page):
    return [
        json.loads(block)
        for block in re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, flags=re.DOTALL)
    ]


def meta(page, attribute, name):
    found = re.findall(rf'<meta {attribute}="{re.escape(name)}" content="([^"]*)">', page)
    return found


@pytest.mark.parametrize(
    ("byline", "source", "credited"),
    [
        ("Nadia Ferreira", "Port Alder Courier", [("Person", "Nadia Ferreira")]),
        ("Nadia Ferreira and Tom Halloran", "", [("Person", "Nadia Ferreira"), ("Person", "Tom Halloran")]),
        (
            "A. Reporter, B. Writer & C. Editor",
            "",
            [("Person", "A. Reporter"), ("Person", "B. Writer"), ("Person", "C. Editor")],
        ),
        ("Staff", "Port Alder Courier", [("Organization", "Newsroom")]),
        ("Staff reporter", "", [("Organization", "Newsroom")]),
        ("", "", [("Organization", "Newsroom")]),
        ("Newsroom Wire", "Newsroom Wire", [("Organization", "Newsroom Wire")]),
        ("TASS", "tass", [("Organization", "TASS")]),
        ("Coastal News Agency", "", [("Organization", "Coastal News Agency")]),
        ("City Desk", "", [("Organization", "City Desk")]),
    ],
)
def test_byline_credits_people_or_an_organisation(byline, source, credited):
    assert structured_data.byline_authors(byline, source) == credited


def test_article_page_describes_itself_for_search_engines_and_sharing(client):
    story = make_article(
        "Ferry returns to the estuary",
        summary="The crossing reopens after six weeks.",
        tags=["Transport", "Harbour"],
        lead_image=image_file(size=(1600, 900)),
        lead_image_alt="The ferry at the quay",
    )
    url = f"http://testserver{story.get_absolute_url()}"

    page = client.get(story.get_absolute_url(), {"utm_source": "newsletter"}).content.decode()

    assert "<title>Ferry returns to the estuary · Newsroom</title>" in page
    assert meta(page, "name", "description") == ["The crossing reopens after six weeks."]
    assert f'<link rel="canonical" href="{url}">' in page
    assert meta(page, "property", "og:url") == [url]
    assert meta(page, "property", "og:type") == ["article"]
    assert meta(page, "property", "og:description") == ["The crossing reopens after six weeks."]
    assert meta(page, "property", "og:image") == [f"http://testserver{story.lead_picture.social.url}"]
    # The sharing card's 1200 × 630 crop around the picture's focal point.
    assert meta(page, "property", "og:image:width") == ["1200"] and meta(page, "property", "og:image:height") == ["630"]
    assert meta(page, "property", "og:image:alt") == ["The ferry at the quay"]
    assert meta(page, "property", "article:tag") == ["Transport", "Harbour"]
    assert meta(page, "name", "twitter:card") == ["summary_large_image"]


def test_story_without_a_picture_shares_its_sections_drawn_card(client):
    story = make_article(summary="")

    page = client.get(story.get_absolute_url()).content.decode()

    assert meta(page, "name", "twitter:card") == ["summary_large_image"]
    assert meta(page, "property", "og:image") == [f"http://testserver/share/{story.section.slug}.png"]
    assert meta(page, "property", "og:image:width") == ["1200"] and meta(page, "property", "og:image:height") == ["630"]
    assert meta(page, "name", "description") == [story.paragraphs[0]]
    assert "image" not in json_ld_items(page)[0]


def test_later_pages_of_a_list_are_their_own_canonical_page(client, settings):
    settings.ARTICLES_PER_PAGE = 1
    settings.FRONT_PAGE_TOP_STORIES = 1
    make_article()
    make_article()
    make_article()

    first = client.get(reverse("articles:front_page"), {"ref": "x"}).content.decode()
    second = client.get(reverse("articles:front_page"), {"page": 2}).content.decode()

    assert '<link rel="canonical" href="http://testserver/">' in first
    assert '<link rel="canonical" href="http://testserver/?page=2">' in second


def test_structured_data_cannot_break_out_of_its_script_element(client):
    story = make_article('Mayor says "</script><script>alert(1)</script>" & <!-- leaves')

    page = client.get(story.get_absolute_url()).content.decode()

    assert "<script>alert(1)" not in page and "<!-- leaves" not in page
    assert json_ld_items(page)[0]["headline"] == story.headline


def test_story_is_about_the_people_its_headline_names_and_mentions_the_rest(client):
    mayor = make_person("Helena Marsh", slug="helena-marsh", role="Mayor")
    forecaster = make_person("Gareth Ellery", slug="gareth-ellery")
    story = make_article("Helena Marsh opens rest centre", people=[mayor, forecaster], byline="Staff")

    article = json_ld_items(client.get(story.get_absolute_url()).content.decode())[0]

    assert [person["name"] for person in article["mentions"]] == ["Gareth Ellery", "Helena Marsh"]
    assert article["about"] == [
        {
            "@type": "Person",
            "name": "Helena Marsh",
            "url": "http://testserver/people/helena-marsh/",
            "jobTitle": "Mayor",
        }
    ]
    assert article["author"] == [{"@type": "Organization", "name": "Newsroom"}]


def test_reading_time_is_shown_in_minutes(client):
    story = make_article(body=" ".join(["word"] * 1000))

    assert story.reading_minutes == 4
    assert "4 min read" in client.get(story.get_absolute_url()).content.decode()
    assert make_article(body="Short.").reading_minutes == 1


def test_update_after_publication_is_shown_and_dated(client):
    story = make_article()
    # Entered when it went out, so a later change is an update (back-dated entries are not).
    Article.objects.filter(pk=story.pk).update(created_at=story.published_at, updated_at=story.published_at)
    unchanged = client.get(story.get_absolute_url()).content.decode()

    edited_at = story.published_at + timedelta(hours=3)
    Article.objects.filter(pk=story.pk).update(updated_at=edited_at)
    edited = client.get(story.get_absolute_url()).content.decode()

    assert "Updated" not in unchanged
    assert json_ld_items(unchanged)[0]["dateModified"] == story.published_at.isoformat(timespec="seconds")
    assert f'Updated <time datetime="{edited_at.isoformat(timespec="seconds")}">' in edited
    assert json_ld_items(edited)[0]["dateModified"] == edited_at.isoformat(timespec="seconds")
    assert meta(edited, "property", "article:modified_time") == [edited_at.isoformat(timespec="seconds")]


def test_share_links_are_plain_links_and_the_page_loads_nothing_from_elsewhere(client):
    story = make_article("Ferry & bridge: what changes", lead_image=image_file(size=(400, 225)))
    url = f"http://testserver{story.get_absolute_url()}"

    page = client.get(story.get_absolute_url()).content.decode()

    links = {name: href for href, name in re.findall(r'<li><a href="([^"]+)" rel="nofollow">([^<]+)</a></li>', page)}
    assert set(links) == {"Email", "Bluesky", "Facebook", "LinkedIn", "X"}
    email = urlsplit(links["Email"].replace("&amp;", "&"))
    assert email.scheme == "mailto" and parse_qs(email.query) == {
        "subject": ["Ferry & bridge: what changes"],
        "body": [f"Ferry & bridge: what changes\n{url}"],
    }
    assert "%20" in email.query and "+" not in email.query
    assert parse_qs(urlsplit(links["Facebook"].replace("&amp;", "&")).query) == {"u": [url]}
    assert parse_qs(urlsplit(links["X"].replace("&amp;", "&")).query)["url"] == [url]
    # Everything the page loads (scripts, styles, images, icons) comes from this site.
    loaded = re.findall(r'<(?:script|img|source|link|iframe)\b[^>]*?\s(?:src|srcset|href)="([^"]*)"', page)
    assert loaded and all(address.startswith("/") or address.startswith("http://testserver/") for address in loaded), (
        loaded
    )
    assert "<script src" not in page and "<iframe" not in page
