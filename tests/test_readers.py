"""What readers see across page types: reflow on a 320 px screen, a visible focus ring, one "last changed" date."""

import io
import json
import re
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from xml.etree import ElementTree

import feedparser
import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from PIL import Image

from articles.front_page import compose
from articles.models import Article, AuthorKind, FrontPageSlot, Section, merge_people
from tests.factories import admin_article_data, make_article, make_person
from tests.test_quality import extract, path_of, reader_pages

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


# --- sections ----------------------------------------------------------------------


def make_sections():
    # The general desk the migration opened (stories go there when nobody chose a section).
    news, _created = Section.objects.update_or_create(slug="news", defaults={"name": "News", "order": 1})
    city = Section.objects.create(name="Port Alder", slug="port-alder", parent=news, order=1)
    sport = Section.objects.create(name="Sport", slug="sport", order=2)
    return news, city, sport


@pytest.mark.django_db
def test_section_page_leads_with_its_newest_story_and_gathers_its_subsections(client, settings):
    settings.ARTICLES_PER_PAGE = 2
    news, city, sport = make_sections()
    newest = make_article("Ferry returns to the estuary", section=city)
    older = make_article("Council sets the budget", section=news)
    oldest = make_article("Harbour wall study published", section=city)
    make_article("Athletic win at home", section=sport)
    make_article("Draft story", section=news, status=Article.Status.DRAFT)

    page = client.get(news.get_absolute_url()).content.decode()
    second = client.get(news.get_absolute_url(), {"page": 2}).content.decode()

    assert '<h1 class="page-title">News</h1>' in page
    assert page.index(newest.headline) < page.index(older.headline)
    assert 'class="lead' in page.split(newest.headline)[0].rsplit("<article", 1)[1]
    assert 'href="/sections/port-alder/"' in page  # the subsections, and each card's subsection
    assert oldest.headline in second and "Page 2 of 2" in second
    assert "Athletic win" not in page + second and "Draft story" not in page + second
    city_page = client.get(city.get_absolute_url()).content.decode()
    assert older.headline not in city_page and newest.headline in city_page
    assert client.get(reverse("articles:section", args=["no-such-section"])).status_code == 404


@pytest.mark.django_db
def test_sections_are_in_the_header_navigation_and_the_story_breadcrumb(client):
    news, city, sport = make_sections()
    story = make_article("Ferry returns to the estuary", section=city)

    page = client.get(story.get_absolute_url()).content.decode()
    navigation = page.split('aria-label="Sections"')[1].split("</nav>")[0]
    assert navigation.index(">News<") < navigation.index(">Sport<")
    assert ">Port Alder<" not in navigation  # main sections only
    crumbs = page.split('aria-label="Breadcrumb"')[1].split("</nav>")[0]
    assert 'href="/sections/news/">News<' in crumbs and 'href="/sections/port-alder/">Port Alder<' in crumbs
    json_ld, _ = extract(client, story.get_absolute_url())
    assert json_ld["NewsArticle"]["articleSection"] == "Port Alder"
    assert [item["name"] for item in json_ld["BreadcrumbList"]["itemListElement"]] == [
        "Home",
        "News",
        "Port Alder",
        story.headline,
    ]
    assert story.get_absolute_url().startswith("/news/")  # the address does not move with the section

    # Renamed or reordered by an editor: the navigation follows at once.
    sport.name, sport.order = "Sports", 0
    sport.save()
    navigation = client.get("/").content.decode().split('aria-label="Sections"')[1]
    assert navigation.index(">Sports<") < navigation.index(">News<")


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["section_feed", "section_atom_feed"])
def test_section_feeds_carry_the_section_and_its_subsections(client, name):
    news, city, sport = make_sections()
    make_article("Ferry returns to the estuary", section=city)
    make_article("Council sets the budget", section=news)
    make_article("Athletic win at home", section=sport)

    parsed = feedparser.parse(client.get(reverse(f"articles:{name}", args=[news.slug])).content)

    assert parsed.feed.title.startswith("News")
    assert sorted(entry.title for entry in parsed.entries) == [
        "Council sets the budget",
        "Ferry returns to the estuary",
    ]


@pytest.mark.django_db
def test_a_subsection_cannot_have_subsections():
    news, city, sport = make_sections()
    deeper = Section(name="Harbour", slug="harbour", parent=city)
    with pytest.raises(ValidationError):
        deeper.full_clean()
    news.parent = sport
    with pytest.raises(ValidationError):
        news.full_clean()  # it has subsections of its own


@pytest.mark.django_db
def test_a_story_without_a_chosen_section_goes_to_news():
    story = make_article("Ferry returns")
    assert story.section.slug == "news" and story.section.name == "News"


@pytest.mark.django_db
def test_sharing_card_of_a_section_is_a_drawn_1200_by_630_picture(client):
    news, city, sport = make_sections()
    story = make_article("Ferry returns", section=city)  # no picture of its own

    json_ld, opengraph = extract(client, story.get_absolute_url())
    response = client.get(path_of(opengraph["og:image"][0]))

    assert opengraph["og:image"] == ["http://testserver/share/port-alder.png"]
    assert response["Content-Type"] == "image/png" and "public" in response["Cache-Control"]
    with Image.open(io.BytesIO(response.content)) as card:
        assert card.size == (1200, 630)
        assert len(card.convert("RGB").getcolors(maxcolors=100_000) or []) > 2, "drawn, not blank"
    assert client.get("/share/no-such-section.png").status_code == 404


# --- authors ----------------------------------------------------------------------


def make_writer(name, **fields):
    fields.setdefault("author_kind", AuthorKind.STAFF)
    return make_person(name, slug=slugify(name), **fields)


@pytest.mark.django_db
def test_bylines_link_to_author_pages_in_order_and_json_ld_names_them_with_urls(client):
    nadia = make_writer("Nadia Ferreira", role="City reporter", profile_urls="https://example.com/@nadia\n")
    kit = make_writer("Kit Lomax", author_kind=AuthorKind.CONTRIBUTOR)
    story = make_article("Seawall study published", byline="Kit Lomax and Nadia Ferreira")
    story.set_authors([kit, nadia])

    page = client.get(story.get_absolute_url()).content.decode()
    json_ld, _ = extract(client, story.get_absolute_url())

    byline = page.split('class="story__byline"')[1].split("</span>")[0]
    assert byline == (
        '>By <a href="/authors/kit-lomax/" rel="author">Kit Lomax</a> and '
        '<a href="/authors/nadia-ferreira/" rel="author">Nadia Ferreira</a>'
    )
    assert json_ld["NewsArticle"]["author"] == [
        {"@type": "Person", "name": "Kit Lomax", "url": "http://testserver/authors/kit-lomax/"},
        {
            "@type": "Person",
            "name": "Nadia Ferreira",
            "url": "http://testserver/authors/nadia-ferreira/",
            "jobTitle": "City reporter",
            "sameAs": ["https://example.com/@nadia"],
        },
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("byline", ["Reuters", "Atlantic Press Agency", "AFP"])
def test_agency_copy_keeps_its_byline_and_is_credited_as_an_organisation(client, byline):
    story = make_article("Storms along the bay", byline=byline, source="")

    page = client.get(story.get_absolute_url()).content.decode()
    json_ld, _ = extract(client, story.get_absolute_url())

    assert f'<span class="story__byline">{byline}</span>' in page
    assert json_ld["NewsArticle"]["author"] == [{"@type": "Organization", "name": byline}]


@pytest.mark.django_db
def test_author_page_lists_their_stories_with_profile_and_feed(client):
    nadia = make_writer("Nadia Ferreira", role="City reporter", bio="Covers the council.")
    nadia.profile_urls = "https://example.com/@nadia"
    nadia.save()
    theirs = make_article("Council sets the budget")
    theirs.set_authors([nadia])
    make_article("Someone else's story")

    response = client.get(nadia.get_author_url())
    page = response.content.decode()
    json_ld, _ = extract(client, nadia.get_author_url())

    assert "<h1" in page and "Nadia Ferreira</h1>" in page and "Covers the council." in page
    assert theirs.headline in page and "Someone else" not in page
    assert 'rel="me"' in page
    assert json_ld["ProfilePage"]["mainEntity"]["sameAs"] == ["https://example.com/@nadia"]
    feed = feedparser.parse(client.get(reverse("articles:author_atom_feed", args=[nadia.slug])).content)
    assert [entry.title for entry in feed.entries] == [theirs.headline]
    mentioned_only = make_person("Ruth Penhallow", slug="ruth-penhallow")
    assert client.get(mentioned_only.get_author_url()).status_code == 404  # not a writer of ours


@pytest.mark.django_db
def test_import_links_bylines_of_staff_and_leaves_others_as_text(tmp_path):
    make_writer("Nadia Ferreira", aliases="N. Ferreira")
    make_writer("Tom Halloran")
    Section.objects.create(name="Business", slug="business")
    stories = [
        {"headline": "Two reporters", "slug": "two", "body": "Text.", "byline": "N. Ferreira and Tom Halloran"},
        {"headline": "Half ours", "slug": "half", "body": "Text.", "byline": "Nadia Ferreira and Jo Bloggs"},
        {"headline": "Agency", "slug": "agency", "body": "Text.", "byline": "Reuters", "section": "Business"},
        {"headline": "New desk", "slug": "desk", "body": "Text.", "byline": "", "section": "Travel"},
    ]
    path = tmp_path / "stories.json"
    path.write_text(json.dumps(stories))

    call_command("import_articles", str(path), stdout=io.StringIO())

    names = {
        article.slug: [person.name for person in article.credited_authors]
        for article in Article.objects.prefetch_related("bylines__person")
    }
    assert names == {"two": ["Nadia Ferreira", "Tom Halloran"], "half": [], "agency": [], "desk": []}
    assert Article.objects.get(slug="half").byline == "Nadia Ferreira and Jo Bloggs"
    assert Article.objects.get(slug="agency").section.slug == "business"
    assert Article.objects.get(slug="desk").section.name == "Travel"
    assert Article.objects.get(slug="two").section.slug == "news"
    output = io.StringIO()
    call_command("import_articles", str(path), stdout=output)
    assert "4 unchanged" in output.getvalue()


@pytest.mark.django_db
def test_editor_sets_section_and_authors_in_order_in_the_admin(admin_client):
    news, city, sport = make_sections()
    nadia, kit = make_writer("Nadia Ferreira"), make_writer("Kit Lomax")
    story = make_article("Seawall study published")
    data = {**admin_article_data(story), "section": str(city.pk), "byline_authors": [str(kit.pk), str(nadia.pk)]}

    response = admin_client.post(reverse("admin:articles_article_change", args=[story.pk]), data)

    assert response.status_code == 302, response.content.decode()[:2000]
    story.refresh_from_db()
    assert story.section == city
    assert [byline.person for byline in story.bylines.all()] == [kit, nadia]
    form = admin_client.get(reverse("admin:articles_article_change", args=[story.pk])).content.decode()
    assert form.index(">Kit Lomax<") < form.index(">Nadia Ferreira<")  # shown in byline order


# --- the front page ----------------------------------------------------------------------


class Story:
    def __init__(self, pk):
        self.pk = pk


def test_front_page_top_puts_choices_at_their_places_and_fills_the_rest_from_the_latest():
    a, b, c, d, e = (Story(pk) for pk in range(1, 6))
    assert compose([], [a, b, c, d], 3) == [a, b, c]
    assert compose([(1, d), (3, e)], [a, b, c, d], 4) == [d, a, e, b]
    assert compose([(2, c), (2, d), (9, e)], [a, b, c], 3) == [a, c, b]  # a place taken twice, one past the end
    assert compose([(1, a), (2, a)], [a, b], 2) == [a, b]
    assert compose([(1, c)], [], 3) == [c]


@pytest.mark.django_db
def test_editors_choose_the_lead_which_expires_and_gives_way_to_the_latest(client):
    # Times stated: the factory's default moves a minute back per object made, days back late in a whole suite.
    latest = make_article("Newest story", published_at=timezone.now() - timedelta(minutes=1))
    chosen = make_article("The big story", published_at=timezone.now() - timedelta(days=1))
    others = [
        make_article(f"Other story {number}", published_at=timezone.now() - timedelta(hours=number + 2))
        for number in range(3)
    ]
    slot = FrontPageSlot.objects.create(article=chosen, position=1)
    assert slot.expires_at > timezone.now() + timedelta(hours=1)  # a default expiry, never open-ended

    page = client.get("/").content.decode()
    lead = page.split('<article class="lead')[1].split("</article>")[0]
    assert chosen.headline in lead
    assert latest.headline in page.split('class="top-stories__next"')[1].split("</section>")[0]
    assert page.count(chosen.headline + "</a>") == 1  # not repeated in the list below
    assert all(other.headline in page for other in others)

    FrontPageSlot.objects.filter(pk=slot.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    lead = client.get("/").content.decode().split('<article class="lead')[1].split("</article>")[0]
    assert latest.headline in lead and chosen.headline not in lead

    FrontPageSlot.objects.filter(pk=slot.pk).update(expires_at=timezone.now() + timedelta(hours=1))
    Article.objects.filter(pk=chosen.pk).unpublish()
    lead = client.get("/").content.decode().split('<article class="lead')[1].split("</article>")[0]
    assert latest.headline in lead  # a taken-down story never leads


@pytest.mark.django_db
def test_editor_chooses_the_front_page_in_the_admin(admin_client):
    story = make_article("The big story", published_at=timezone.now() - timedelta(days=1))
    make_article("Newest story")

    response = admin_client.post(
        reverse("admin:articles_frontpageslot_add"),
        {"position": "1", "article": str(story.pk), "expires_at_0": "2099-01-01", "expires_at_1": "12:00:00"},
    )

    assert response.status_code == 302
    slot = FrontPageSlot.objects.get()
    assert slot.chosen_by.is_superuser
    changelist = admin_client.get(reverse("admin:articles_frontpageslot_changelist")).content.decode()
    assert "The big story" in changelist
    assert "The big story" in admin_client.get("/").content.decode().split('<article class="lead')[1]


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["admin:articles_section_changelist", "admin:articles_frontpageslot_changelist"])
def test_section_and_front_page_changelists_cost_a_fixed_number_of_queries(
    admin_client, django_assert_max_num_queries, url_name
):
    news, city, sport = make_sections()
    for number in range(20):
        story = make_article(section=[news, city, sport][number % 3])
        FrontPageSlot.objects.create(article=story, position=number % 5 + 1)

    with django_assert_max_num_queries(12):
        response = admin_client.get(reverse(url_name))
    assert response.status_code == 200


@pytest.mark.django_db
def test_author_autocomplete_offers_only_people_who_write_for_us(admin_client):
    make_writer("Nadia Ferreira")
    make_person("Nadia Someone", slug="nadia-someone")

    response = admin_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "articles", "model_name": "article", "field_name": "authors", "term": "Nadia"},
    )

    assert [result["text"] for result in response.json()["results"]] == ["Nadia Ferreira"]


@pytest.mark.django_db
def test_merging_people_keeps_their_bylines_and_author_address(client):
    nadia = make_writer("Nadia Ferreira")
    duplicate = make_person("N. Ferreira", slug="n-ferreira", author_kind=AuthorKind.STAFF)
    story = make_article("Council sets the budget")
    story.set_authors([duplicate])

    merge_people(nadia, [duplicate])

    assert [byline.person for byline in story.bylines.all()] == [nadia]
    response = client.get(reverse("articles:author", args=["n-ferreira"]))
    assert response.status_code == 301 and response["Location"] == nadia.get_author_url()
