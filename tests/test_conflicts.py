"""Two editors on one record: the second save is refused, shows the first one's changes, keeps its own input."""

import threading
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, EditConflict, Person
from tests.factories import admin_article_data, make_article, make_person, make_staff

pytestmark = pytest.mark.django_db


def logged_in(username):
    client = Client()
    client.force_login(make_staff(username, "editor"))
    return client


@pytest.fixture
def story():
    story = make_article(
        "Harbour bridge reopens",
        body="The bridge reopened on Monday.",
        related_headlines=["Ferry timetable changes"],
        published_at=timezone.now().replace(microsecond=0) - timedelta(hours=1),
    )
    story.record_revision(None, "Imported")
    return story


def open_change_form(client, story):
    """GET the change form; return what the browser would post back unchanged."""
    response = client.get(reverse("admin:articles_article_change", args=[story.pk]))
    form = response.context["adminform"].form
    return admin_article_data(story, opened_version=str(form["opened_version"].value()))


def test_second_save_is_refused_with_the_first_editors_changes_and_keeps_its_own_text(story):
    alice, bob = logged_in("alice"), logged_in("bob")
    url = reverse("admin:articles_article_change", args=[story.pk])
    alice_form, bob_form = open_change_form(alice, story), open_change_form(bob, story)

    alice_form.update(headline="Harbour bridge reopens early", **{"related_headlines-0-headline": "New ferry times"})
    assert alice.post(url, alice_form).status_code == 302

    bob_form["body"] = "The bridge reopened on Monday after six weeks of repairs."
    refused = bob.post(url, bob_form)

    assert refused.status_code == 200
    page = refused.content.decode()
    assert "Edit conflict: nothing was saved" in page
    assert "This story was changed by alice" in page
    assert "Harbour bridge reopens<ins> early</ins>" in page
    assert "<del>1. Ferry timetable changes\n</del><ins>1. New ferry times\n</ins>" in page
    assert "The bridge reopened on Monday after six weeks of repairs.</textarea>" in page  # Bob's text stays
    stored = Article.objects.get(pk=story.pk)
    assert stored.headline == "Harbour bridge reopens early" and stored.body == "<p>The bridge reopened on Monday.</p>"
    assert stored.revisions.count() == 2

    # Bob reviews (his form now carries the current version) and saves on purpose: accepted.
    resubmitted = {**bob_form, "opened_version": str(refused.context["adminform"].form["opened_version"].value())}
    resubmitted["headline"] = "Harbour bridge reopens early"  # he keeps Alice's headline
    assert bob.post(url, resubmitted).status_code == 302
    stored = Article.objects.get(pk=story.pk)
    assert stored.headline == "Harbour bridge reopens early"
    assert stored.body == "<p>The bridge reopened on Monday after six weeks of repairs.</p>"
    assert [revision.user.username for revision in stored.revisions.all()[:2]] == ["bob", "alice"]


def test_a_story_without_recorded_revisions_gets_a_baseline_so_the_conflict_shows_the_change():
    story = make_article("Imported story", body="As imported.", published_at=timezone.now().replace(microsecond=0))
    alice, bob = logged_in("alice"), logged_in("bob")
    url = reverse("admin:articles_article_change", args=[story.pk])
    alice_form, bob_form = open_change_form(alice, story), open_change_form(bob, story)
    assert alice_form["opened_version"] == "0"

    assert alice.post(url, {**alice_form, "body": "As imported, then edited by Alice."}).status_code == 302
    refused = bob.post(url, {**bob_form, "headline": "Bob's headline"})

    page = refused.content.decode()
    assert "Edit conflict" in page and "changed by alice at" in page and "the system" not in page
    assert "As<del> imported.</del><ins> imported, then edited by Alice.</ins>" in page  # from what Bob opened
    assert Article.objects.get(pk=story.pk).headline == "Imported story"
    baseline = story.revisions.last()
    assert (baseline.number, baseline.snapshot["body"]) == (0, "<p>As imported.</p>")


def test_an_inline_headline_edit_against_a_newer_version_is_refused(story):
    alice, bob = logged_in("alice"), logged_in("bob")
    url = reverse("admin:articles_article_change", args=[story.pk])
    alice_form, bob_form = open_change_form(alice, story), open_change_form(bob, story)

    alice_form["body"] = "Alice's body."
    assert alice.post(url, alice_form).status_code == 302
    bob_form["related_headlines-0-headline"] = "Bob's headline"
    refused = bob.post(url, bob_form)

    assert refused.status_code == 200 and "Edit conflict" in refused.content.decode()
    assert 'value="Bob&#x27;s headline"' in refused.content.decode()
    assert story.related_headlines.get().headline == "Ferry timetable changes"


def test_a_change_from_outside_the_admin_also_conflicts_with_an_open_form(story):
    editor = logged_in("alice")
    form = open_change_form(editor, story)
    Article.objects.filter(pk=story.pk).publish()  # e.g. another editor's action, or the importer

    response = editor.post(reverse("admin:articles_article_change", args=[story.pk]), {**form, "headline": "Mine"})
    assert response.status_code == 200 and "Edit conflict" in response.content.decode()
    assert Article.objects.get(pk=story.pk).headline == "Harbour bridge reopens"


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite transactions here take the write lock at BEGIN (IMMEDIATE): no save can land in between.",
)
def test_a_save_that_lands_between_the_check_and_the_write_is_still_refused():
    """Another editor commits after this form passed its check: the conditional UPDATE catches it."""
    story = make_article("Harbour bridge reopens", published_at=timezone.now().replace(microsecond=0))
    story.record_revision(None, "Imported")
    editor = Client()
    editor.force_login(make_staff("chief"))
    form = open_change_form(editor, story)
    real_lock = Article.lock_unchanged_since

    def other_editor_saves():
        try:
            Article.objects.get(pk=story.pk).record_revision(None, "Saved elsewhere")
        finally:
            connection.close()

    def someone_saves_first(article, opened_version):
        other = threading.Thread(target=other_editor_saves)  # its own connection and transaction
        other.start()
        other.join()
        return real_lock(article, opened_version)

    with mock.patch.object(Article, "lock_unchanged_since", someone_saves_first):
        response = editor.post(reverse("admin:articles_article_change", args=[story.pk]), {**form, "headline": "Mine"})

    assert response.status_code == 200 and "Edit conflict" in response.content.decode()
    assert 'value="Mine"' in response.content.decode()
    stored = Article.objects.get(pk=story.pk)
    assert stored.headline == "Harbour bridge reopens" and stored.version == 2


def test_the_version_lock_refuses_a_stale_version(story):
    with pytest.raises(EditConflict):
        story.lock_unchanged_since(story.version - 1)
    story.lock_unchanged_since(story.version)  # the current one passes


def person_form(person, **changes):
    return {
        "name": person.name,
        "slug": person.slug,
        "role": person.role,
        "bio": person.bio,
        "aliases": person.aliases,
        "opened_version": str(person.version),
        **changes,
    }


def test_person_form_refuses_the_second_of_two_saves_and_shows_the_difference():
    mayor = make_person("Ada Lindqvist", role="Mayor", bio="Elected in 2022.")
    alice, bob = logged_in("alice"), logged_in("bob")
    url = reverse("admin:articles_person_change", args=[mayor.pk])
    alice.get(url)
    bob.get(url)

    assert alice.post(url, person_form(mayor, role="Former mayor")).status_code == 302
    refused = bob.post(url, person_form(mayor, bio="Elected in 2022, re-elected in 2026."))

    page = refused.content.decode()
    assert refused.status_code == 200 and "Edit conflict: nothing was saved" in page
    assert "<del>Former mayor</del><ins>Mayor</ins>" in page  # saved role, then what Bob's form still says
    assert "Elected in 2022, re-elected in 2026.</textarea>" in page
    assert Person.objects.get(pk=mayor.pk).bio == "Elected in 2022."

    resubmitted = {
        **person_form(mayor, bio="Elected in 2022, re-elected in 2026.", role="Former mayor"),
        "opened_version": str(refused.context["adminform"].form["opened_version"].value()),
    }
    assert bob.post(url, resubmitted).status_code == 302
    saved = Person.objects.get(pk=mayor.pk)
    assert (saved.role, saved.bio, saved.version) == ("Former mayor", "Elected in 2022, re-elected in 2026.", 2)


def test_a_form_posted_without_its_version_is_refused(story):
    editor = logged_in("alice")
    form = open_change_form(editor, story)
    del form["opened_version"]

    response = editor.post(reverse("admin:articles_article_change", args=[story.pk]), {**form, "headline": "Mine"})

    assert response.status_code == 200 and "Edit conflict" in response.content.decode()
    assert "<del>Harbour bridge reopens</del><ins>Mine</ins>" in response.content.decode()
    assert Article.objects.get(pk=story.pk).headline == "Harbour bridge reopens"
