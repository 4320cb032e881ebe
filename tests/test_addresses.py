"""Old addresses live on: renaming or re-dating a story, or renaming a tag or a person, answers the old address with
a 301 to the new one (feeds too); sitemaps and canonical links name only the new one."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse, set_script_prefix
from django.utils import timezone
from taggit.models import Tag

from articles import addresses
from articles.models import Article, ArticleRedirect, PersonRedirect, TagRedirect
from tests.factories import admin_article_data, make_article, make_person, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor():
    client = Client()
    client.force_login(make_staff("chief"))
    return client


def story_path(article):
    return Article.objects.get(pk=article.pk).get_absolute_url()


def test_a_live_storys_new_slug_answers_its_old_address_with_a_301(editor, client):
    story = make_article("Harbour bridge reopens", slug="harbour-bridge-reopens", tags=["Harbour"])
    old = story_path(story)

    saved = editor.post(
        reverse("admin:articles_article_change", args=[story.pk]),
        admin_article_data(story, slug="harbour-bridge-reopens-early"),
    )
    assert saved.status_code == 302

    new = story_path(story)
    assert new.endswith("/harbour-bridge-reopens-early/") and new != old
    moved = client.get(old)
    assert moved.status_code == 301 and moved["Location"] == new
    page = client.get(new).content.decode()
    assert "Harbour bridge reopens" in page
    assert f'<link rel="canonical" href="http://testserver{new}">' in page
    sitemap = client.get(reverse("articles:sitemap_section", args=["articles"])).content.decode()
    assert new in sitemap and old not in sitemap


def test_a_new_publication_date_and_then_a_second_rename_keep_every_old_address(client):
    story = make_article("Ferry strike ends", slug="ferry-strike-ends", published_at=timezone.now() - timedelta(days=3))
    first = story_path(story)
    story.published_at -= timedelta(days=2)
    story.save()
    second = story_path(story)
    story.slug = "ferry-strike-over"
    story.save()
    third = story_path(story)

    assert len({first, second, third}) == 3
    for old in (first, second):
        response = client.get(old)
        assert response.status_code == 301 and response["Location"] == third
    assert client.get(third).status_code == 200


def test_moving_back_to_an_old_address_serves_the_story_there_again(client):
    story = make_article("Tram line opens", slug="tram-line-opens")
    original = story_path(story)
    story.slug = "tram-line-opens-today"
    story.save()
    story.slug = "tram-line-opens"
    story.save()

    assert client.get(original).status_code == 200
    assert list(ArticleRedirect.objects.values_list("old_path", flat=True)) == [
        original.replace("tram-line-opens", "tram-line-opens-today")
    ]


def test_a_draft_or_scheduled_story_renamed_before_it_went_out_leaves_no_old_address(client):
    draft = make_article("Budget leaks", slug="budget-leaks", status=Article.Status.DRAFT)
    scheduled = make_article("Budget day", slug="budget-day", published_at=timezone.now() + timedelta(days=1))
    for story in (draft, scheduled):
        story.slug += "-renamed"
        story.save()

    assert not ArticleRedirect.objects.exists()


def test_an_old_address_of_a_story_taken_down_since_is_not_found(client):
    story = make_article("Court ruling", slug="court-ruling")
    old = story_path(story)
    story.slug = "court-ruling-appeal"
    story.save()
    Article.objects.filter(pk=story.pk).unpublish()

    assert client.get(old).status_code == 404


def test_another_story_taking_an_old_slug_is_served_at_its_own_address(client):
    first = make_article("Election night", slug="election-night", published_at=timezone.now() - timedelta(days=400))
    old = story_path(first)
    first.slug = "election-night-2025"
    first.save()
    second = make_article("Election night", slug="election-night")

    assert client.get(story_path(second)).status_code == 200
    response = client.get(old)  # last year's address still finds last year's story
    assert response.status_code == 301 and response["Location"] == story_path(first)


def test_a_renamed_tags_page_and_feeds_redirect_to_the_new_slug(editor, client):
    make_article("Aid convoy arrives", tags=["Gaza Strip"])
    tag = Tag.objects.get(name="Gaza Strip")

    response = editor.post(
        reverse("admin:taggit_tag_change", args=[tag.pk]), {"name": "Gaza Strip", "slug": "gaza-strip-war"}
    )
    assert response.status_code == 302
    assert TagRedirect.objects.get().old_slug == "gaza-strip"

    for url_name in ("articles:tag", "articles:tag_feed", "articles:tag_atom_feed"):
        old, new = reverse(url_name, args=["gaza-strip"]), reverse(url_name, args=["gaza-strip-war"])
        moved = client.get(old, {"page": "1"} if url_name == "articles:tag" else {})
        assert moved.status_code == 301, url_name
        assert moved["Location"] == (f"{new}?page=1" if url_name == "articles:tag" else new)
        assert "Aid convoy arrives" in client.get(new).content.decode()
    sitemap = client.get(reverse("articles:sitemap_section", args=["tags"])).content.decode()
    assert "/tags/gaza-strip-war/" in sitemap and "/tags/gaza-strip/" not in sitemap


def test_a_renamed_persons_page_and_feeds_redirect_to_the_new_slug(editor, client):
    mayor = make_person("Ada Lindqvist", slug="ada-lindquist", role="Mayor")
    make_article("Mayor opens bridge", people=[mayor])

    response = editor.post(
        reverse("admin:articles_person_change", args=[mayor.pk]),
        {
            "name": "Ada Lindqvist",
            "slug": "ada-lindqvist",
            "role": "Mayor",
            "bio": "",
            "aliases": "",
            "opened_version": str(mayor.version),
        },
    )
    assert response.status_code == 302
    assert PersonRedirect.objects.get().old_slug == "ada-lindquist"

    for url_name in ("articles:person", "articles:person_feed", "articles:person_atom_feed"):
        moved = client.get(reverse(url_name, args=["ada-lindquist"]))
        assert moved.status_code == 301 and moved["Location"] == reverse(url_name, args=["ada-lindqvist"]), url_name
    assert "Mayor opens bridge" in client.get(reverse("articles:person", args=["ada-lindqvist"])).content.decode()
    sitemap = client.get(reverse("articles:sitemap_section", args=["people"])).content.decode()
    assert "/people/ada-lindqvist/" in sitemap and "/people/ada-lindquist/" not in sitemap
    assert client.get(reverse("articles:person", args=["nobody-at-all"])).status_code == 404


# --- addresses built without a reverse() per link (articles/addresses.py) -----------------------------------


@pytest.mark.parametrize(
    ("year", "month", "day", "slug"),
    [(2026, 3, 9, "harbour-bridge"), (1999, 12, 31, "a"), (2030, 1, 1, "story_58-69-7777"), (2026, 10, 5, "zq")],
)
def test_story_addresses_are_the_urlconfs(year, month, day, slug):
    built = addresses.story(year=year, month=month, day=day, slug=slug)
    kwargs = {"year": year, "month": month, "day": day, "slug": slug}
    assert built == reverse("articles:detail", kwargs=kwargs)


def test_slug_and_fixed_addresses_are_the_urlconfs():
    for route, name in [(addresses.tag, "tag"), (addresses.person, "person"), (addresses.section, "section")]:
        assert route(slug="city-hall") == reverse(f"articles:{name}", kwargs={"slug": "city-hall"})
    for name in ["front_page", "tags", "people", "search", "corrections", "latest_feed"]:
        assert addresses.fixed(f"articles:{name}") == reverse(f"articles:{name}")


def test_addresses_follow_the_script_prefix():
    set_script_prefix("/newsroom/")
    try:
        assert addresses.tag(slug="city-hall") == "/newsroom/tags/city-hall/"
        assert addresses.fixed("articles:front_page") == "/newsroom/"
    finally:
        set_script_prefix("/")
    assert addresses.tag(slug="city-hall") == "/tags/city-hall/"


def test_a_value_reverse_would_quote_or_refuse_goes_through_reverse():
    with pytest.raises(NoReverseMatch):
        addresses.tag(slug="not a slug")
