"""Who else has a story or person open: the notice on the change form, its reports, and their expiry, with the
local-memory cache and with Redis (the PostgreSQL + Redis run)."""

import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles import presence
from tests.factories import make_article, make_person, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["locmem", "redis"])
def each_cache(request, settings):
    if request.param == "redis":
        if not settings.REDIS_URL:
            pytest.skip("Redis: the PostgreSQL + Redis run (REDIS_URL)")
        backend = {"BACKEND": "newsroom.cache.DegradingRedisCache", "LOCATION": settings.REDIS_URL}
    else:
        backend = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    settings.CACHES = {"default": {**backend, "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}}
    return request.param


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_each_editor_sees_the_others_with_the_time_they_opened_it_until_they_go_quiet(each_cache):
    story = make_article("Harbour bridge reopens")
    alice, bob = make_staff("alice", "editor", first_name="Alice", last_name="Lund"), make_staff("bob", "editor")
    opened = timezone.now().replace(hour=10, minute=2, second=0, microsecond=0)

    assert presence.report(story, alice, now=opened) == []
    seen_by_bob = presence.report(story, bob, now=opened + timedelta(seconds=5))
    assert [editor.name for editor in seen_by_bob] == ["Alice Lund"]
    assert presence.describe(seen_by_bob[0], now=opened + timedelta(seconds=5)) == (
        "Alice Lund has had this open since 10:02"
    )
    assert [editor.name for editor in presence.report(story, alice, now=opened + timedelta(seconds=20))] == ["bob"]

    # Alice keeps reporting; her "since" stays when she opened it. Bob stops: a minute later he is gone.
    later = opened + timedelta(seconds=70)
    assert presence.report(story, alice, now=later) == []
    assert [editor.since for editor in presence.present(story, now=later)] == [opened]
    assert presence.report(story, bob, now=later)[0].since == opened


def test_an_editor_who_closes_the_page_is_gone_at_once_and_other_records_are_apart(each_cache):
    story, other = make_article("Harbour bridge reopens"), make_article("Ferry timetable changes")
    alice, bob = make_staff("alice", "editor"), make_staff("bob", "editor")
    presence.report(story, alice)
    presence.report(other, bob)

    assert presence.present(story, besides=bob)[0].name == "alice"
    assert [editor.name for editor in presence.present(other)] == ["bob"]
    presence.leave(story, alice)
    assert presence.present(story) == []


def test_the_change_form_names_who_else_has_it_open_and_its_reports_keep_the_list(each_cache):
    story = make_article("Harbour bridge reopens")
    alice = signed_in(make_staff("alice", "editor", first_name="Alice", last_name="Lund"))
    bob = signed_in(make_staff("bob", "editor"))
    change = reverse("admin:articles_article_change", args=[story.pk])
    report = reverse("admin:articles_article_presence", args=[story.pk])

    first = alice.get(change).content.decode()
    assert f'data-presence-url="{report}"' in first and 'data-heartbeat="20" hidden' in first
    page = bob.get(change).content.decode()
    opened = {editor.name: timezone.localtime(editor.since).strftime("%H:%M") for editor in presence.present(story)}
    assert f"<li>Alice Lund has had this open since {opened['Alice Lund']}</li>" in page
    assert 'data-heartbeat="20">' in page  # shown, not hidden

    assert alice.post(report).json() == {"others": [f"bob has had this open since {opened['bob']}"]}
    assert bob.post(report, {"leave": "1"}).status_code == 204
    assert alice.post(report).json() == {"others": []}
    # Asking without reporting leaves the asker out of the others' notices.
    carol = signed_in(make_staff("carol", "editor"))
    assert carol.get(report).json() == {"others": [f"Alice Lund has had this open since {opened['Alice Lund']}"]}
    assert alice.post(report).json() == {"others": []}


def test_people_have_a_presence_notice_too_and_nobody_reports_on_what_they_may_not_open(each_cache):
    mayor = make_person("Ada Lindqvist")
    editor = signed_in(make_staff("edna", "editor"))
    assert editor.post(reverse("admin:articles_person_presence", args=[mayor.pk])).json() == {"others": []}

    draft = make_article("Embargoed results", status="draft", published_at=None)
    reporter = signed_in(make_staff("rita", "reporter"))
    assert reporter.post(reverse("admin:articles_article_presence", args=[draft.pk])).status_code == 404
    assert presence.present(draft) == []
