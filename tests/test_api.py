"""The Content API (/api/v1/) through the test client: published content only, paging, validators, keys."""

import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from jsonschema.validators import validator_for
from openapi_spec_validator import validate as validate_openapi
from taggit.models import Tag

from api.models import ApiKey
from articles.models import AgencyItem, Article, Person, Section
from tests.factories import make_article, make_person, make_staff
from tests.test_formats import SAMPLE_NAMES, SAMPLES

pytestmark = pytest.mark.django_db

NINJS_SCHEMA = json.loads((Path(__file__).parent / "schemas" / "ninjs-schema_2.1.json").read_text(encoding="utf-8"))
NOW = timezone.now().replace(microsecond=0)


def api(name, **kwargs):
    return reverse(f"api:{name}", kwargs=kwargs)


def get_json(client, url, status=200, **headers):
    response = client.get(url, headers=headers)
    assert response.status_code == status, response.content
    return response.json()


@pytest.fixture
def clock(monkeypatch):
    class Clock:
        now = NOW

        def travel(self, **delta):
            self.now = NOW + timedelta(**delta)

    clock = Clock()
    monkeypatch.setattr(timezone, "now", lambda: clock.now)
    return clock


@pytest.fixture
def desk():
    """Two live stories, and three that must never show: a draft, a scheduled one and a taken-down one."""
    mayor = make_person("Ada Lindqvist", slug="ada-lindqvist", role="mayor")
    harbour = make_article(
        "Harbour dredging begins",
        slug="dredging",
        tags=["Harbour"],
        people=[mayor],
        byline="Jo Byrne",
        published_at=NOW - timedelta(hours=2),
    )
    ferry = make_article(
        "Ferry fares frozen", slug="ferry", tags=["Harbour", "Transport"], published_at=NOW - timedelta(hours=1)
    )
    draft = make_article("Secret draft", slug="secret", status=Article.Status.DRAFT, tags=["Harbour"], people=[mayor])
    scheduled = make_article(
        "Embargoed budget", slug="budget", tags=["Harbour"], people=[mayor], published_at=NOW + timedelta(hours=1)
    )
    pulled = make_article(
        "Pulled story",
        slug="pulled",
        status=Article.Status.UNPUBLISHED,
        tags=["Harbour"],
        published_at=NOW - timedelta(hours=3),
    )
    return {"harbour": harbour, "ferry": ferry, "draft": draft, "scheduled": scheduled, "pulled": pulled}


HIDDEN = ("draft", "scheduled", "pulled")


def headlines(page):
    return [story["headline"] for story in page["results"]]


# --- stories ---------------------------------------------------------------------------------


def test_story_list_shows_published_stories_newest_first(client, desk):
    page = get_json(client, api("story_list"))
    assert headlines(page) == ["Ferry fares frozen", "Harbour dredging begins"]
    assert page["next"] is None
    harbour = page["results"][1]
    assert harbour["byline"] == "Jo Byrne"
    assert harbour["url"] == "http://testserver" + desk["harbour"].get_absolute_url()
    assert [tag["name"] for tag in harbour["tags"]] == ["Harbour"]
    assert harbour["people"] == [
        {
            "name": "Ada Lindqvist",
            "slug": "ada-lindqvist",
            "role": "mayor",
            "url": "http://testserver/people/ada-lindqvist/",
            "api_url": "http://testserver" + api("person_detail", slug="ada-lindqvist"),
        }
    ]


def test_story_detail_and_ninjs_are_published_only(client, desk):
    story = get_json(client, api("story_detail", story_id=desk["harbour"].pk))
    assert story["paragraphs"] == desk["harbour"].paragraphs
    for name in HIDDEN:
        pk = desk[name].pk
        assert client.get(api("story_detail", story_id=pk)).status_code == 404
        assert client.get(api("story_ninjs", story_id=pk)).status_code == 404
    # Staff who may preview drafts on the site still get published content only from the API.
    client.force_login(make_staff("editor"))
    assert client.get(api("story_detail", story_id=desk["draft"].pk)).status_code == 404


def test_hidden_stories_never_appear_in_any_list(client, desk):
    hidden = {desk[name].headline for name in HIDDEN}
    responses = [
        client.get(api("story_list")),
        client.get(api("story_list") + "?tag=harbour"),
        client.get(api("story_list") + "?person=ada-lindqvist"),
        client.get(api("story_list") + f"?updated_since={(NOW - timedelta(days=1)).isoformat()}".replace("+", "%2B")),
        client.get(api("tag_detail", slug="harbour")),
        client.get(api("person_detail", slug="ada-lindqvist")),
        client.get(api("search") + "?q=budget+OR+secret+OR+pulled+OR+harbour"),
    ]
    for response in responses:
        assert response.status_code == 200
        assert not any(headline.encode() in response.content for headline in hidden)


def test_scheduled_story_appears_when_its_time_comes(client, desk, clock):
    assert "Embargoed budget" not in headlines(get_json(client, api("story_list")))
    clock.travel(hours=1, seconds=1)
    assert headlines(get_json(client, api("story_list")))[0] == "Embargoed budget"
    assert get_json(client, api("story_detail", story_id=desk["scheduled"].pk))["headline"] == "Embargoed budget"


def test_filters_by_tag_person_and_updated_since(client, desk):
    assert headlines(get_json(client, api("story_list") + "?tag=transport")) == ["Ferry fares frozen"]
    assert headlines(get_json(client, api("story_list") + "?person=ada-lindqvist")) == ["Harbour dredging begins"]
    Article.objects.filter(pk=desk["ferry"].pk).update(updated_at=NOW - timedelta(minutes=5))
    Article.objects.filter(pk=desk["harbour"].pk).update(updated_at=NOW + timedelta(minutes=5))
    since = (NOW + timedelta(minutes=1)).isoformat().replace("+", "%2B")
    assert headlines(get_json(client, api("story_list") + f"?updated_since={since}")) == ["Harbour dredging begins"]
    assert get_json(client, api("story_list") + "?tag=nothing-like-this")["results"] == []


def test_cursor_pages_walk_every_story_once_even_as_stories_arrive(client):
    stories = [make_article(f"Story {n}", published_at=NOW - timedelta(minutes=n)) for n in range(7)]
    seen, url = [], api("story_list") + "?limit=3"
    while url:
        page = get_json(client, url)
        seen += [story["id"] for story in page["results"]]
        if len(seen) == 3:
            make_article("Breaking, arrives mid-walk", published_at=NOW)
        url = page["next"]
    assert seen == [story.pk for story in stories]


def test_updated_since_pages_oldest_change_first(client):
    stories = [make_article(f"Story {n}", published_at=NOW - timedelta(minutes=n)) for n in range(5)]
    for minutes, story in enumerate(reversed(stories)):
        Article.objects.filter(pk=story.pk).update(updated_at=NOW + timedelta(minutes=minutes))
    since = (NOW - timedelta(days=1)).isoformat().replace("+", "%2B")
    seen, url = [], api("story_list") + f"?updated_since={since}&limit=2"
    while url:
        page = get_json(client, url)
        seen += [story["id"] for story in page["results"]]
        url = page["next"]
    assert seen == [story.pk for story in reversed(stories)]


@pytest.mark.parametrize("cursor", ["nonsense", "eyJ4IjoxfQ", "WyJuYW1lIiwgIngiLCAxXQ"])
def test_a_bad_cursor_is_a_400_that_says_so(client, desk, cursor):
    response = client.get(api("story_list") + f"?cursor={cursor}")
    assert response.status_code == 400
    assert "cursor" in response.json()["detail"]


def test_limits_are_validated(client, desk):
    assert client.get(api("story_list") + "?limit=0").status_code == 422
    assert client.get(api("story_list") + "?limit=101").status_code == 422
    assert client.get(api("story_list") + "?updated_since=yesterday").status_code == 422


# --- tags, people, search ----------------------------------------------------------------------


@pytest.fixture
def desks():
    """Business with a Markets subsection, and Sport; live stories in each, and a draft that must never count."""
    business = Section.objects.create(name="Business", slug="business", order=1, description="Money and work.")
    markets = Section.objects.create(name="Markets", slug="markets", parent=business)
    sport = Section.objects.create(name="Sport", slug="sport", order=2)
    make_article("Bank rate held", slug="rate", section=business, published_at=NOW - timedelta(hours=3))
    make_article("Shares slip", slug="shares", section=markets, published_at=NOW - timedelta(hours=2))
    make_article("Cup final tonight", slug="cup", section=sport, published_at=NOW - timedelta(hours=1))
    make_article("Merger talks", slug="merger", section=business, status=Article.Status.DRAFT)
    return {"business": business, "markets": markets, "sport": sport}


def test_sections_list_in_navigation_order_with_subsections_and_published_counts(client, desks):
    sections = {entry["slug"]: entry for entry in get_json(client, api("section_list"))["results"]}
    order = list(sections)
    assert order.index("business") < order.index("markets") < order.index("sport")
    assert sections["business"]["subsections"] == ["markets"]
    assert sections["business"]["description"] == "Money and work."
    assert sections["markets"]["parent"] == "business"
    # A main section counts its subsections' stories, as its page lists them; the draft counts nowhere.
    assert (sections["business"]["stories"], sections["markets"]["stories"], sections["sport"]["stories"]) == (2, 1, 1)
    assert sections["sport"]["url"] == "http://testserver" + desks["sport"].get_absolute_url()


def test_section_detail_and_the_story_filter_by_section(client, desks):
    business = get_json(client, api("section_detail", slug="business"))
    assert headlines({"results": business["latest"]}) == ["Shares slip", "Bank rate held"]
    assert business["stories"] == 2
    filtered = get_json(client, business["stories_url"])
    assert headlines(filtered) == ["Shares slip", "Bank rate held"]
    assert headlines(get_json(client, api("story_list") + "?section=markets")) == ["Shares slip"]
    assert get_json(client, api("story_list") + "?section=nowhere")["results"] == []
    get_json(client, api("section_detail", slug="nowhere"), status=404)


def test_every_story_names_its_section(client, desks):
    stories = {story["slug"]: story for story in get_json(client, api("story_list"))["results"]}
    assert stories["shares"]["section"]["slug"] == "markets"
    assert stories["shares"]["section"]["parent"] == "business"
    assert stories["cup"]["section"]["parent"] is None
    assert get_json(client, stories["shares"]["section"]["api_url"])["name"] == "Markets"


def test_tags_and_people_count_only_published_stories(client, desk):
    tags = get_json(client, api("tag_list"))["results"]
    assert [(tag["name"], tag["stories"]) for tag in tags] == [("Harbour", 2), ("Transport", 1)]
    tag = get_json(client, api("tag_detail", slug="harbour"))
    assert headlines({"results": tag["latest"]}) == ["Ferry fares frozen", "Harbour dredging begins"]
    assert tag["stories_url"].endswith("?tag=harbour")

    people = get_json(client, api("person_list"))["results"]
    assert [(p["name"], p["stories"]) for p in people] == [("Ada Lindqvist", 1)]
    person = get_json(client, api("person_detail", slug="ada-lindqvist"))
    assert headlines({"results": person["latest"]}) == ["Harbour dredging begins"]
    make_person("Nobody Mentioned", slug="nobody")
    assert client.get(api("person_detail", slug="nobody")).status_code == 404


def test_tag_and_people_lists_page_by_cursor(client):
    for n in range(5):
        make_article(f"Story {n}", tags=[f"Topic {n}"], people=[make_person(f"Person {n}", slug=f"person-{n}")])
    for name, key in (("tag_list", "name"), ("person_list", "name")):
        seen, url = [], api(name) + "?limit=2"
        while url:
            page = get_json(client, url)
            seen += [entry[key] for entry in page["results"]]
            url = page["next"]
        assert len(seen) == 5 and seen == sorted(seen)


def test_search_finds_published_stories_only(client, desk):
    page = get_json(client, api("search") + "?q=dredging")
    assert headlines(page) == ["Harbour dredging begins"]
    # Tags are searched too.
    assert set(headlines(get_json(client, api("search") + "?q=harbour"))) == {
        "Harbour dredging begins",
        "Ferry fares frozen",
    }
    assert get_json(client, api("search") + "?q=embargoed")["results"] == []
    assert get_json(client, api("search") + "?q=%20")["results"] == []


# --- query counts: pinned, and the same whatever the page size -----------------------------------


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    ("name", "kwargs", "pinned"),
    [
        # Story lists read the bylines too (Article.objects.for_listing prefetches them for every reader).
        ("story_list", {}, 4),
        ("tag_list", {}, 1),
        ("person_list", {}, 1),
        ("search", {}, 6),
    ],
)
def test_list_query_counts_are_pinned_and_constant_in_page_size(client, name, kwargs, pinned):
    for n in range(12):
        make_article(
            f"Harbour story {n}", tags=[f"Topic {n}", "Harbour"], people=[make_person(f"Person {n}", slug=f"p-{n}")]
        )
    query = "&q=harbour" if name == "search" else ""
    small = queries(client, api(name, **kwargs) + f"?limit=2{query}")
    large = queries(client, api(name, **kwargs) + f"?limit=10{query}")
    assert small == large <= pinned


def test_section_list_query_count_is_pinned_and_constant_in_the_number_of_sections(client, desks):
    few = queries(client, api("section_list"))
    for n in range(6):
        main = Section.objects.create(name=f"Desk {n}", slug=f"desk-{n}")
        Section.objects.create(name=f"Desk {n} extra", slug=f"desk-{n}-extra", parent=main)
        make_article(f"Story on desk {n}", section=main)
    assert queries(client, api("section_list")) == few <= 3


def test_detail_query_counts_are_pinned(client, desk):
    # (+1 each: the shared story querysets prefetch the linked bylines)
    with_key_free = [
        (api("story_detail", story_id=desk["harbour"].pk), 4),
        (api("story_ninjs", story_id=desk["harbour"].pk), 6),
        (api("tag_detail", slug="harbour"), 5),
        (api("section_detail", slug=desk["harbour"].section.slug), 6),
        (api("person_detail", slug="ada-lindqvist"), 5),
    ]
    for url, pinned in with_key_free:
        assert queries(client, url) <= pinned, url


# --- validators, CORS, caching ----------------------------------------------------------------------


def test_etag_and_last_modified_give_304s_until_something_changes(client, desk):
    url = api("story_detail", story_id=desk["harbour"].pk)
    first = client.get(url)
    etag, modified = first["ETag"], first["Last-Modified"]
    assert first.status_code == 200 and etag and modified
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again["Access-Control-Allow-Origin"] == "*"
    assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 304

    # A change to something the story shows (a person's role) changes the ETag.
    Person.objects.filter(slug="ada-lindqvist").update(role="former mayor")
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_cors_for_reading_and_preflight(client, desk):
    response = client.get(api("story_list"), headers={"Origin": "https://app.example"})
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response["Access-Control-Expose-Headers"]
    preflight = client.options(
        api("story_list"),
        headers={
            "Origin": "https://app.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "x-api-key",
        },
    )
    assert preflight.status_code == 204
    assert "X-API-Key" in preflight["Access-Control-Allow-Headers"]
    assert "GET" in preflight["Access-Control-Allow-Methods"]


def test_responses_may_be_cached_but_never_past_the_next_scheduled_story(client, desk, clock):
    response = client.get(api("story_list"))
    max_age = int(response["Cache-Control"].split("max-age=")[1].split(",")[0])
    assert 0 < max_age <= 60
    clock.travel(minutes=59, seconds=30)
    response = client.get(api("story_list"))
    assert int(response["Cache-Control"].split("max-age=")[1].split(",")[0]) <= 30


def test_the_site_pages_get_no_api_headers(client, desk):
    assert "Access-Control-Allow-Origin" not in client.get("/")


# --- OpenAPI and docs --------------------------------------------------------------------------


def test_openapi_schema_is_valid_and_lists_every_endpoint(client):
    schema = get_json(client, api("openapi-json"))
    validate_openapi(schema)
    paths = set(schema["paths"])
    assert {
        "/api/v1/stories/",
        "/api/v1/stories/{story_id}",
        "/api/v1/stories/{story_id}.ninjs",
        "/api/v1/sections/",
        "/api/v1/sections/{slug}",
        "/api/v1/tags/",
        "/api/v1/tags/{slug}",
        "/api/v1/people/",
        "/api/v1/people/{slug}",
        "/api/v1/search/",
    } <= paths
    assert "ApiKeyAuth" in schema["components"]["securitySchemes"]


def test_docs_page_loads_nothing_from_elsewhere(client):
    response = client.get(api("openapi-view"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower() and 'src="http' not in page and 'href="http' not in page
    assert '"validatorUrl": null' in page


# --- ninjs: valid against IPTC's schema, and round-tripped through our importer ----------------------


def ninjs_validator():
    cls = validator_for(NINJS_SCHEMA)
    cls.check_schema(NINJS_SCHEMA)
    return cls(NINJS_SCHEMA, format_checker=cls.FORMAT_CHECKER)


def import_files(*paths):
    call_command("import_articles", *[str(path) for path in paths], stdout=io.StringIO(), stderr=io.StringIO())


def story_state(article):
    """What a story is, for comparing an original with its round-tripped copy."""
    return {
        "headline": article.headline,
        "summary": article.summary,
        "paragraphs": article.paragraphs,
        "byline": article.byline,
        "dateline": article.dateline,
        "source": article.source,
        "published_at": article.published_at,
        "is_published": article.is_published,
        "tags": sorted(article.tags.names()),
        "people": sorted((person.name, person.role) for person in article.people.all()),
    }


def test_every_storys_ninjs_validates_and_round_trips_through_the_importer(client, desk, tmp_path):
    for name in SAMPLE_NAMES:
        import_files(SAMPLES / name)
    validator = ninjs_validator()
    originals, exported = [], []
    for article in Article.objects.published():
        document = get_json(client, api("story_ninjs", story_id=article.pk))
        errors = sorted(validator.iter_errors(document), key=str)
        assert not errors, [error.message for error in errors]
        originals.append(story_state(article))
        path = tmp_path / f"story-{article.pk}.json"
        path.write_text(json.dumps(document), encoding="utf-8")
        exported.append(path)
    assert len(exported) == 6

    # An empty site: import the exports and get the same stories back.
    Article.objects.all().delete()
    Person.objects.all().delete()
    Tag.objects.all().delete()
    AgencyItem.objects.all().delete()
    import_files(*exported)
    copies = [story_state(article) for article in Article.objects.all()]
    key = lambda state: state["headline"]  # noqa: E731
    assert sorted(copies, key=key) == sorted(originals, key=key)


def test_ninjs_keeps_agency_codes_and_identity(client):
    import_files(SAMPLES / "newsml-sample.xml")
    article = Article.objects.get()
    document = get_json(client, api("story_ninjs", story_id=article.pk))
    assert {"role": "agency-guid", "value": article.agency_item.guid} in document["altids"]
    assert {"name": "education", "rel": "about", "uri": "http://cv.iptc.org/newscodes/mediatopic/05000000"} in (
        document["subjects"]
    )
    assert document["organisations"][0]["name"] == "Wrenmouth Sinfonia"
    assert document["bodies"][0]["value"].startswith("<p>A suite written by a 16-year-old")


# --- keys and rate limits ----------------------------------------------------------------------------


def test_api_keys_are_made_in_the_admin_shown_once_and_stored_hashed(admin_client):
    response = admin_client.post(reverse("admin:api_apikey_add"), {"name": "Partner app"}, follow=True)
    message = next(str(m) for m in response.context["messages"])
    secret = message.split(" is ")[1].split(" ")[0]
    key = ApiKey.objects.get()
    assert secret.startswith("nr_") and key.prefix == secret[:12]
    assert secret not in json.dumps(list(ApiKey.objects.values()), default=str)
    assert ApiKey.objects.for_secret(secret) == key

    admin_client.post(
        reverse("admin:api_apikey_changelist"),
        {"action": "revoke", "_selected_action": [key.pk]},
    )
    assert ApiKey.objects.for_secret(secret) is None


def test_anonymous_rate_limit_is_lifted_by_a_key_and_a_revoked_key_is_refused(client, desk, settings):
    settings.API_ANON_RATE = "3/min"
    settings.API_KEY_RATE = "100/min"
    url = api("tag_list")
    assert [client.get(url).status_code for _ in range(4)] == [200, 200, 200, 429]
    key, secret = ApiKey.issue("Partner")
    assert all(client.get(url, headers={"X-API-Key": secret}).status_code == 200 for _ in range(5))
    assert client.get(url, headers={"X-API-Key": "nr_not-a-key"}).status_code == 401
    key.revoke()
    assert client.get(url, headers={"X-API-Key": secret}).status_code == 401


def test_rate_limits_fail_open_when_the_cache_is_down(client, desk, settings, monkeypatch):
    class DownCache:
        def get(self, *args, **kwargs):
            raise ConnectionError("cache down")

        set = get

    monkeypatch.setattr("api.security._SettingsRateThrottle.cache", DownCache())
    settings.API_ANON_RATE = "1/min"
    assert [client.get(api("tag_list")).status_code for _ in range(3)] == [200, 200, 200]
