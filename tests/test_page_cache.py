"""The page cache: a page cached before any change shows the change right after it, for every kind of change.

Each test reads pages as an anonymous reader (so they are cached: `X-Page-Cache: hit` on the second read),
changes something as the site would (a committed write: the ORM, the admin, the importer all end in
content_changed), and reads again. Run with both generation stores (the database's, and the cache's own,
which is Redis on the PostgreSQL + Redis run).
"""

import gzip
import re
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import brotli
import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from articles.models import Article, ArticleAuthor, FrontPageSlot, Person, Section, merge_people, merge_tags
from pagecache import dependencies, store
from pictures.models import Picture
from tests.factories import image_file, make_article, make_correction, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["database", "cache"])
def cached(request, page_cache, settings, django_capture_on_commit_callbacks):
    """The page cache on, with the given generation store; `cached.commit()` wraps a committed write."""
    settings.PAGE_CACHE_GENERATIONS = request.param

    class Site:
        def commit(self):
            return django_capture_on_commit_callbacks(execute=True)

    return Site()


@pytest.fixture
def desk(cached):
    with cached.commit():
        mayor = make_person("Ada Lindqvist", slug="ada-lindqvist", author_kind="staff")
        flood = make_article(
            "Flood barrier holds", slug="flood-barrier", tags=["Harbour", "Weather"], people=[mayor], body="Held."
        )
        ferry = make_article("Ferry back in service", slug="ferry-back", tags=["Harbour"], people=[mayor])
        flood.set_authors([mayor])
    return {"mayor": mayor, "flood": flood, "ferry": ferry, "harbour": Tag.objects.get(name="Harbour")}


def read(client, url, **headers):
    response = client.get(url, headers=headers)
    return response


def cached_read(client, url):
    """Read twice: the second answer comes from the page cache (checked), and is returned."""
    first = client.get(url)
    assert first.status_code == 200, url
    again = client.get(url)
    assert again["X-Page-Cache"] == "hit", url
    assert again.content == first.content
    return again


def pages(desk):
    return [
        reverse("articles:front_page"),
        desk["flood"].get_absolute_url(),
        desk["ferry"].get_absolute_url(),
        reverse("articles:tag", args=["harbour"]),
        desk["mayor"].get_absolute_url(),
        desk["mayor"].get_author_url(),
        reverse("articles:latest_feed"),
        reverse("articles:tag_feed", args=["harbour"]),
        reverse("articles:sitemap"),
    ]


def test_pages_are_served_from_the_cache_until_something_they_show_changes(client, desk, cached):
    for url in pages(desk):
        cached_read(client, url)
    weather = reverse("articles:tag", args=["weather"])
    cached_read(client, weather)
    with cached.commit():
        Article.objects.filter(pk=desk["ferry"].pk).update(headline="Ferry returns after repairs")
    for url in pages(desk)[:5] + pages(desk)[6:]:
        response = client.get(url)
        assert response["X-Page-Cache"] == "miss", url
    assert "Ferry returns after repairs" in client.get(desk["ferry"].get_absolute_url()).content.decode()
    assert "Ferry returns after repairs" in client.get(reverse("articles:tag", args=["harbour"])).content.decode()
    # The weather page lists only the flood story, which did not change: still cached.
    assert client.get(weather)["X-Page-Cache"] == "hit"


def test_a_hit_reads_one_generation_until_something_changes_then_its_own(
    client, desk, cached, django_assert_num_queries, settings
):
    url = desk["flood"].get_absolute_url()
    cached_read(client, url)
    database = settings.PAGE_CACHE_GENERATIONS == "database"
    with django_assert_num_queries(1 if database else 0):
        assert client.get(url)["X-Page-Cache"] == "hit"
    with cached.commit():
        make_article("Council meets on Tuesday", slug="council-meets", tags=["Council"])
    # Something moved, but nothing the story page shows: its keys are read, and it is still served.
    with django_assert_num_queries(2 if database else 0):
        assert client.get(url)["X-Page-Cache"] == "hit"


def test_an_edit_in_the_admin_shows_at_once_on_every_page_that_showed_the_story(client, desk, cached):
    for url in pages(desk):
        cached_read(client, url)
    flood = desk["flood"]
    with cached.commit():
        flood.headline = "Flood barrier holds as storm passes"
        flood.save()
    for url in [reverse("articles:front_page"), flood.get_absolute_url(), reverse("articles:tag", args=["harbour"])]:
        assert "Flood barrier holds as storm passes" in client.get(url).content.decode(), url
    # The ferry story lists the flood story among its related stories.
    assert "Flood barrier holds as storm passes" in client.get(desk["ferry"].get_absolute_url()).content.decode()
    assert "Flood barrier holds as storm passes" in client.get(desk["mayor"].get_author_url()).content.decode()


def test_a_taken_down_story_disappears_from_every_page_and_feed(client, desk, cached):
    for url in pages(desk):
        cached_read(client, url)
    with cached.commit():
        Article.objects.filter(pk=desk["flood"].pk).unpublish()
    assert client.get(desk["flood"].get_absolute_url()).status_code == 404
    for url in [reverse("articles:front_page"), desk["ferry"].get_absolute_url(), reverse("articles:latest_feed")]:
        assert "Flood barrier holds" not in client.get(url).content.decode(), url
    assert client.get(desk["mayor"].get_author_url()).status_code == 200
    assert "Flood barrier holds" not in client.get(desk["mayor"].get_author_url()).content.decode()


def test_a_deleted_story_disappears_and_a_draft_never_shows(client, desk, cached):
    for url in pages(desk):
        cached_read(client, url)
    with cached.commit():
        draft = make_article("Secret draft on the harbour", status=Article.Status.DRAFT, tags=["Harbour"])
        desk["ferry"].delete()
    for url in [reverse("articles:front_page"), reverse("articles:tag", args=["harbour"]), reverse("articles:sitemap")]:
        body = client.get(url).content.decode()
        assert "Ferry back in service" not in body and "Secret draft" not in body, url
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_a_story_published_appears_on_the_front_page_its_tag_page_and_its_neighbours_related_stories(
    client, desk, cached
):
    with cached.commit():
        draft = make_article("Harbour wall repaired", status=Article.Status.DRAFT, tags=["Harbour"])
    for url in pages(desk):
        cached_read(client, url)
    with cached.commit():
        Article.objects.filter(pk=draft.pk).publish()
    for url in [
        reverse("articles:front_page"),
        reverse("articles:tag", args=["harbour"]),
        reverse("articles:latest_feed"),
    ]:
        assert "Harbour wall repaired" in client.get(url).content.decode(), url
    assert "Harbour wall repaired" in client.get(desk["ferry"].get_absolute_url()).content.decode()


def test_a_correction_shows_on_the_story_and_the_corrections_page(client, desk, cached):
    cached_read(client, desk["flood"].get_absolute_url())
    cached_read(client, reverse("articles:corrections"))
    with cached.commit():
        make_correction(desk["flood"], "An earlier version misstated the barrier's height.")
    assert "misstated the barrier" in client.get(desk["flood"].get_absolute_url()).content.decode()
    assert "misstated the barrier" in client.get(reverse("articles:corrections")).content.decode()


def test_tags_renamed_or_merged_show_everywhere(client, desk, cached):
    for url in pages(desk):
        cached_read(client, url)
    with cached.commit():
        weather = Tag.objects.get(name="Weather")
        weather.name = "Storms"
        weather.save()
    assert "Storms" in client.get(desk["flood"].get_absolute_url()).content.decode()
    cached_read(client, reverse("articles:tag", args=["harbour"]))
    with cached.commit():
        merge_tags(Tag.objects.get(name="Storms"), [desk["harbour"]])
    response = client.get(reverse("articles:tag", args=["harbour"]))
    assert response.status_code == 301
    assert ">Harbour<" not in client.get(desk["ferry"].get_absolute_url()).content.decode()


def test_people_edited_or_merged_show_everywhere(client, desk, cached):
    for url in pages(desk):
        cached_read(client, url)
    mayor = desk["mayor"]
    with cached.commit():
        mayor.name = "Ada Lindqvist-Marsh"
        mayor.save()
    for url in [mayor.get_absolute_url(), desk["flood"].get_absolute_url(), reverse("articles:front_page")]:
        assert "Ada Lindqvist-Marsh" in client.get(url).content.decode(), url
    cached_read(client, mayor.get_absolute_url())
    with cached.commit():
        kept = make_person("Ada Marsh", slug="ada-marsh")
        merge_people(kept, [mayor])
    assert client.get(mayor.get_absolute_url()).status_code == 301
    assert "Ada Marsh" in client.get(desk["ferry"].get_absolute_url()).content.decode()


def test_a_library_picture_edited_or_given_its_renditions_shows_everywhere_it_is_drawn(
    client, desk, cached, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    with cached.commit():
        quay = Picture.objects.create(file=image_file("quay.jpg"), alt="The quay at dawn", caption="The old quay")
        portrait = Picture.objects.create(file=image_file("ada.jpg", size=(400, 400)), alt="Ada Lindqvist")
    with cached.commit():
        Article.objects.filter(pk=desk["flood"].pk).update(
            lead_library_picture=quay,
            body=f'<p>Held.</p><figure class="picture" data-image="{quay.pk}"><figcaption>Dawn</figcaption></figure>',
        )
        Person.objects.filter(pk=desk["mayor"].pk).update(photo=portrait)
    shown = [
        reverse("articles:front_page"),
        desk["flood"].get_absolute_url(),
        reverse("articles:tag", args=["harbour"]),
        desk["mayor"].get_absolute_url(),
    ]
    # Renditions were built when the pictures were stored (the immediate task backend, as `make run` has).
    for url in shown:
        cached_read(client, url)
    harbour = reverse("articles:tag", args=["harbour"])
    before = client.get(harbour).content.decode()  # its card draws the lead cut to 16×9
    with cached.commit():
        quay.focal_y = 0.1  # new crops, built by the task once this commits
        quay.save()
    after = client.get(harbour)
    assert after["X-Page-Cache"] == "miss"
    assert Picture.objects.get(pk=quay.pk).is_ready
    assert sorted(re.findall(r"/media/[^\s\"]+\.webp", after.content.decode())) != sorted(
        re.findall(r"/media/[^\s\"]+\.webp", before)
    )
    for url in shown:
        cached_read(client, url)
    with cached.commit():
        quay.alt = "The quay under water at dawn"
        quay.save()
    for url in shown[:3]:
        response = client.get(url)
        assert response["X-Page-Cache"] == "miss", url
        assert "The quay under water at dawn" in response.content.decode(), url
    with cached.commit():
        Picture.objects.filter(pk=portrait.pk).update(alt="Ada Lindqvist at the harbour")
    assert client.get(desk["mayor"].get_absolute_url())["X-Page-Cache"] == "miss"
    # The ferry story's page draws neither picture (its related stories are headlines only).
    cached_read(client, desk["ferry"].get_absolute_url())
    with cached.commit():
        quay.caption = "The old quay, 1890"
        quay.save()
    assert client.get(desk["ferry"].get_absolute_url())["X-Page-Cache"] == "hit"


def test_bylines_sections_and_front_page_places_are_announced_and_shown(client, desk, cached):
    front, ferry_page = reverse("articles:front_page"), desk["ferry"].get_absolute_url()
    cached_read(client, front)
    cached_read(client, ferry_page)
    cached_read(client, desk["mayor"].get_author_url())
    with cached.commit():
        desk["ferry"].set_authors([desk["mayor"]])
    assert "Ferry back in service" in client.get(desk["mayor"].get_author_url()).content.decode()
    with cached.commit():
        ArticleAuthor.objects.filter(article=desk["ferry"]).delete()
    assert "Ferry back in service" not in client.get(desk["mayor"].get_author_url()).content.decode()

    cached_read(client, front)
    with cached.commit():
        Section.objects.filter(slug="news").update(name="Local news")
    assert "Local news" in client.get(front).content.decode()
    assert "Local news" in client.get(ferry_page).content.decode()

    # The older story made the lead by an editor's choice.
    lead_before = client.get(front).content.decode()
    assert lead_before.index("Flood barrier holds") < lead_before.index("Ferry back in service")
    with cached.commit():
        FrontPageSlot.objects.create(article=desk["ferry"], position=1)
    lead_after = client.get(front).content.decode()
    assert lead_after.index("Ferry back in service") < lead_after.index("Flood barrier holds")


def test_a_related_headline_stops_linking_to_a_story_taken_down(client, desk, cached):
    with cached.commit():
        linked = make_article("Council backs the barrier", related_headlines=[desk["ferry"]])
    url = linked.get_absolute_url()
    assert f'href="{desk["ferry"].get_absolute_url()}"' in cached_read(client, url).content.decode()
    with cached.commit():
        Article.objects.filter(pk=desk["ferry"].pk).unpublish()
    assert f'href="{desk["ferry"].get_absolute_url()}"' not in client.get(url).content.decode()


def test_staff_previews_and_keyed_api_clients_bypass_the_cache(client, desk, cached):
    url = desk["flood"].get_absolute_url()
    cached_read(client, url)
    editor = Client()
    editor.force_login(User.objects.create_superuser("chief", "chief@example.com", "pw"))
    response = editor.get(url)
    assert "X-Page-Cache" not in response and "private" in response["Cache-Control"]
    with cached.commit():
        draft = make_article("Embargoed budget story", status=Article.Status.DRAFT)
    preview = editor.get(draft.get_absolute_url())
    assert preview.status_code == 200 and "Embargoed budget story" in preview.content.decode()
    assert "X-Page-Cache" not in preview and "no-store" in preview["Cache-Control"]
    assert client.get(draft.get_absolute_url()).status_code == 404
    api_url = reverse("api:story_detail", kwargs={"story_id": desk["flood"].pk})
    cached_read(client, api_url)
    assert client.get(api_url, headers={"X-API-Key": "nr_not-a-key"}).status_code == 401


def test_query_strings_are_part_of_the_key_but_trackers_are_not(client, desk, cached, settings):
    settings.ARTICLES_PER_PAGE = 1
    tag = reverse("articles:tag", args=["harbour"])
    first, second = cached_read(client, tag), cached_read(client, f"{tag}?page=2")
    assert first.content != second.content
    assert client.get(f"{tag}?utm_source=social&fbclid=abc")["X-Page-Cache"] == "hit"
    assert client.get(f"{tag}?page=2&utm_medium=email")["X-Page-Cache"] == "hit"


def test_a_cached_page_never_outlives_a_scheduled_publication(client, desk, cached, monkeypatch):
    start = timezone.now()
    clock = {"now": start}
    monkeypatch.setattr(timezone, "now", lambda: clock["now"])
    with cached.commit():
        make_article("Budget unveiled", tags=["Harbour"], published_at=start + timedelta(minutes=10))
    front = reverse("articles:front_page")
    response = cached_read(client, front)
    assert "Budget unveiled" not in response.content.decode()
    control = dict(part.strip().partition("=")[::2] for part in response["Cache-Control"].split(","))
    assert 0 < int(control["s-maxage"]) <= 600 and int(control["max-age"]) <= 600
    assert (
        "stale-while-revalidate" not in control
        or int(control["s-maxage"]) + int(control["stale-while-revalidate"]) <= 600
    )
    clock["now"] = start + timedelta(minutes=10, seconds=1)
    for url in [front, reverse("articles:tag", args=["harbour"]), desk["ferry"].get_absolute_url()]:
        assert "Budget unveiled" in client.get(url).content.decode(), url


def test_a_front_page_place_expiring_ends_the_cached_front_page(client, desk, cached, monkeypatch):
    start = timezone.now()
    clock = {"now": start}
    monkeypatch.setattr(timezone, "now", lambda: clock["now"])
    with cached.commit():
        FrontPageSlot.objects.create(article=desk["ferry"], position=1, expires_at=start + timedelta(minutes=5))
    front = reverse("articles:front_page")
    page = cached_read(client, front).content.decode()
    assert page.index("Ferry back in service") < page.index("Flood barrier holds")
    clock["now"] = start + timedelta(minutes=5, seconds=1)
    page = client.get(front).content.decode()
    assert page.index("Flood barrier holds") < page.index("Ferry back in service")


def test_every_page_type_names_its_surrogate_keys(client, desk, cached):
    flood, mayor, harbour = desk["flood"], desk["mayor"], desk["harbour"]
    expected = {
        reverse("articles:front_page"): {"stories", f"story-{flood.pk}", "sections"},
        flood.get_absolute_url(): {f"story-{flood.pk}", f"tag-{harbour.pk}", f"person-{mayor.pk}", "sections"},
        reverse("articles:tag", args=["harbour"]): {f"tag-{harbour.pk}", f"story-{flood.pk}"},
        mayor.get_absolute_url(): {f"person-{mayor.pk}", f"person-{mayor.pk}-stories", f"story-{flood.pk}"},
        reverse("articles:section", args=["news"]): {"stories", f"section-{flood.section_id}"},
        reverse("articles:tag_feed", args=["harbour"]): {f"tag-{harbour.pk}", f"story-{flood.pk}"},
        reverse("articles:latest_feed"): {"stories", f"story-{flood.pk}"},
        reverse("articles:sitemap"): {"stories", "tags", "people"},
        reverse("articles:tags"): {"stories", "tags"},
        reverse("api:story_detail", kwargs={"story_id": flood.pk}): {f"story-{flood.pk}", f"tag-{harbour.pk}"},
        reverse("api:story_list"): {"stories", "tags", "people"},
    }
    for url, keys in expected.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert keys <= set(response["Surrogate-Key"].split()), url
        assert keys <= set(response["Cache-Tag"].split(",")), url
        assert "s-maxage=" in response["Cache-Control"] and "stale-if-error=" in response["Cache-Control"], url
    assert "Surrogate-Key" not in client.get(reverse("articles:share_image", args=["site"]))


class RecordingPurge:
    purged = []

    def purge(self, keys):
        self.purged.append(set(keys))


def test_the_purge_backend_gets_the_keys_of_what_changed(client, desk, cached, settings):
    settings.CDN_PURGE_BACKEND = "tests.test_page_cache.RecordingPurge"
    RecordingPurge.purged = []
    flood, mayor, harbour = desk["flood"], desk["mayor"], desk["harbour"]
    response = client.get(flood.get_absolute_url())
    with cached.commit():
        flood.summary = "The barrier held overnight."
        flood.save()
    assert len(RecordingPurge.purged) == 1
    purged = RecordingPurge.purged[0]
    assert {f"story-{flood.pk}", f"tag-{harbour.pk}", f"person-{mayor.pk}-stories", "stories"} <= purged
    # Every key the page was served with that names this story's links is purged.
    shown = set(response["Surrogate-Key"].split())
    assert shown & purged >= {f"story-{flood.pk}", f"tag-{harbour.pk}"}
    with cached.commit():
        Person.objects.filter(pk=mayor.pk).update(role="Mayor of Port Alder")
    assert RecordingPurge.purged[-1] == {f"person-{mayor.pk}", f"person-{mayor.pk}-stories", "people"}


def test_the_http_purge_backend_sends_key_purges_to_the_cdn(desk, cached, settings):
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_PURGE(self):  # noqa: N802 (the method's name)
            received.append((self.command, self.path, dict(self.headers)))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        settings.CDN_PURGE_BACKEND = "http"
        settings.CDN_PURGE_URL = f"http://127.0.0.1:{server.server_port}/service/purge"
        settings.CDN_PURGE_TOKEN_HEADER, settings.CDN_PURGE_TOKEN = "Fastly-Key", "secret-token"
        settings.SURROGATE_KEY_PREFIX = "nr-"
        settings.CDN_PURGE_BATCH = 3
        with cached.commit():
            Tag.objects.filter(pk=desk["harbour"].pk).delete()
    finally:
        server.shutdown()
        server.server_close()
    assert received and all(method == "PURGE" and path == "/service/purge" for method, path, _ in received)
    keys = [key for *_, headers in received for key in headers["Surrogate-Key"].split()]
    assert {f"nr-tag-{desk['harbour'].pk}", "nr-tags", f"nr-story-{desk['ferry'].pk}"} <= set(keys)
    assert all(len(headers["Surrogate-Key"].split()) <= 3 for *_, headers in received)
    assert all(headers["Fastly-Key"] == "secret-token" for *_, headers in received)


def test_a_failing_cdn_never_fails_the_editors_save(desk, cached, settings, caplog):
    settings.CDN_PURGE_BACKEND = "http"
    settings.CDN_PURGE_URL = "http://127.0.0.1:9/purge"  # nothing listens on the discard port
    with cached.commit():
        desk["flood"].save()
    assert "CDN purge" in caplog.text


def test_etags_and_last_modified_answer_304_until_the_page_changes(client, desk, cached):
    url = desk["flood"].get_absolute_url()
    first = cached_read(client, url)
    etag, modified = first["ETag"], first["Last-Modified"]
    assert etag.startswith('W/"')
    unchanged = client.get(url, headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.content == b"" and "Surrogate-Key" in unchanged
    assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 304
    with cached.commit():
        make_correction(desk["flood"], "The barrier is 4 metres high, not 40.")
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_public_pages_are_compressed_and_pages_with_csrf_tokens_never_are(client, desk, cached):
    url = desk["flood"].get_absolute_url()
    plain = client.get(url).content
    zipped = client.get(url, headers={"Accept-Encoding": "gzip, deflate"})
    assert zipped["Content-Encoding"] == "gzip" and "Accept-Encoding" in zipped["Vary"]
    assert gzip.decompress(zipped.content) == plain
    squeezed = client.get(url, headers={"Accept-Encoding": "gzip, br"})
    assert squeezed["Content-Encoding"] == "br" and brotli.decompress(squeezed.content) == plain
    assert client.get(url, headers={"Accept-Encoding": "gzip;q=0, identity"}).content == plain
    feed = client.get(reverse("articles:latest_feed"), headers={"Accept-Encoding": "gzip"})
    assert feed["Content-Encoding"] == "gzip"
    sitemap = client.get(reverse("articles:sitemap"), headers={"Accept-Encoding": "gzip"})
    assert sitemap["Content-Encoding"] == "gzip"
    login = client.get(reverse("admin:login"), headers={"Accept-Encoding": "gzip, br"})
    assert b"csrfmiddlewaretoken" in login.content and "Content-Encoding" not in login
    assert "X-Page-Cache" not in login


def test_the_api_is_cached_invalidated_and_still_rate_limited(client, desk, cached, settings):
    url = reverse("api:story_detail", kwargs={"story_id": desk["flood"].pk})
    cached_read(client, url)
    with cached.commit():
        Article.objects.filter(pk=desk["flood"].pk).update(summary="Held through the night.")
    assert client.get(url).json()["summary"] == "Held through the night."
    with cached.commit():
        Article.objects.filter(pk=desk["flood"].pk).unpublish()
    assert client.get(url).status_code == 404
    settings.API_ANON_RATE = "3/min"
    listing, reader = reverse("api:tag_list"), Client(REMOTE_ADDR="192.0.2.7")
    answers = [reader.get(listing) for _ in range(4)]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert answers[1]["X-Page-Cache"] == "hit" and answers[3]["Access-Control-Allow-Origin"] == "*"


def test_a_page_rendered_while_a_change_commits_is_served_but_not_kept(rf, desk, cached):
    before = store.changes_so_far()
    with cached.commit():
        desk["ferry"].save()
    key = store.page_key(rf.get("/"))
    page = KeptPage({dependencies.story(desk["flood"].pk)})
    assert not store.keep(key, page, before, 60)
    assert store.keep(key, page, store.changes_so_far(), 60)


class KeptPage:
    def __init__(self, keys):
        self.keys = keys
