"""Two editors on one record: the second save is merged with the first; only a change both made waits for a choice."""

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


def test_the_second_save_is_merged_with_the_first_and_both_changes_are_kept(story):
    alice, bob = logged_in("alice"), logged_in("bob")
    url = reverse("admin:articles_article_change", args=[story.pk])
    alice_form, bob_form = open_change_form(alice, story), open_change_form(bob, story)

    alice_form.update(headline="Harbour bridge reopens early", **{"related_headlines-0-headline": "New ferry times"})
    assert alice.post(url, alice_form).status_code == 302

    bob_form["body"] = "The bridge reopened on Monday after six weeks of repairs."
    merged = bob.post(url, bob_form, follow=True)

    page = merged.content.decode()
    assert "their changes to headline and more headlines were kept; your changes to body were saved" in page
    stored = Article.objects.get(pk=story.pk)
    assert stored.headline == "Harbour bridge reopens early"
    assert stored.body == "<p>The bridge reopened on Monday after six weeks of repairs.</p>"
    assert [item.headline for item in stored.related_headlines.all()] == ["New ferry times"]
    assert [revision.user.username for revision in stored.revisions.all()[:2]] == ["bob", "alice"]


def test_a_story_without_recorded_revisions_gets_a_baseline_to_merge_against():
    story = make_article("Imported story", body="As imported.", published_at=timezone.now().replace(microsecond=0))
    alice, bob = logged_in("alice"), logged_in("bob")
    url = reverse("admin:articles_article_change", args=[story.pk])
    alice_form, bob_form = open_change_form(alice, story), open_change_form(bob, story)
    assert alice_form["opened_version"] == "0"

    assert alice.post(url, {**alice_form, "body": "As imported, then edited by Alice."}).status_code == 302
    assert bob.post(url, {**bob_form, "headline": "Bob's headline"}).status_code == 302

    stored = Article.objects.get(pk=story.pk)
    assert (stored.headline, stored.body) == ("Bob's headline", "<p>As imported, then edited by Alice.</p>")
    baseline = story.revisions.last()
    assert (baseline.number, baseline.snapshot["body"]) == (0, "<p>As imported.</p>")


def test_both_editing_the_same_headline_row_shows_both_versions_and_saves_nothing(story):
    alice, bob = logged_in("alice"), logged_in("bob")
    url = reverse("admin:articles_article_change", args=[story.pk])
    alice_form, bob_form = open_change_form(alice, story), open_change_form(bob, story)

    alice_form["related_headlines-0-headline"] = "Alice's headline"
    assert alice.post(url, alice_form).status_code == 302
    bob_form["related_headlines-0-headline"] = "Bob's headline"
    shown = bob.post(url, bob_form)

    page = shown.content.decode()
    assert shown.status_code == 200 and "Edit conflict: choose what to keep" in page
    assert "1. Alice&#x27;s headline" in page and "1. Bob&#x27;s headline" in page
    assert 'value="Bob&#x27;s headline"' in page  # his input stays in the form
    assert story.related_headlines.get().headline == "Alice's headline"


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite transactions here take the write lock at BEGIN (IMMEDIATE): no save can land in between.",
)
def test_a_save_that_lands_between_the_merge_and_the_write_is_merged_too():
    """Another editor commits after this form was merged: the conditional UPDATE catches it, and the form is
    merged again with that save before it is written."""
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
        if not other_saves:
            other = threading.Thread(target=other_editor_saves)  # its own connection and transaction
            other.start()
            other.join()
            other_saves.append(other)
        return real_lock(article, opened_version)

    other_saves = []

    with mock.patch.object(Article, "lock_unchanged_since", someone_saves_first):
        response = editor.post(reverse("admin:articles_article_change", args=[story.pk]), {**form, "headline": "Mine"})

    assert response.status_code == 302 and other_saves
    stored = Article.objects.get(pk=story.pk)
    assert stored.headline == "Mine" and stored.version == 3
    assert [revision.message for revision in stored.revisions.all()] == [
        "Edited in the admin",
        "Saved elsewhere",
        "Imported",
    ]


def test_the_version_lock_refuses_a_stale_version(story):
    with pytest.raises(EditConflict):
        story.lock_unchanged_since(story.version - 1)
    story.lock_unchanged_since(story.version)  # the current one passes


def person_form(client, person, **changes):
    form = client.get(reverse("admin:articles_person_change", args=[person.pk])).context["adminform"].form
    fields = ["name", "slug", "role", "bio", "aliases", "opened_version", "opened_state"]
    return {**{name: form[name].value() or "" for name in fields}, **changes}


def test_person_form_merges_the_second_of_two_saves():
    mayor = make_person("Ada Lindqvist", role="Mayor", bio="Elected in 2022.")
    alice, bob = logged_in("alice"), logged_in("bob")
    url = reverse("admin:articles_person_change", args=[mayor.pk])
    alice_form, bob_form = person_form(alice, mayor), person_form(bob, mayor)

    assert alice.post(url, {**alice_form, "role": "Former mayor"}).status_code == 302
    assert bob.post(url, {**bob_form, "bio": "Elected in 2022, re-elected in 2026."}).status_code == 302

    saved = Person.objects.get(pk=mayor.pk)
    assert (saved.role, saved.bio, saved.version) == ("Former mayor", "Elected in 2022, re-elected in 2026.", 2)


def test_a_forged_opened_state_is_treated_as_unknown():
    mayor = make_person("Ada Lindqvist", role="Mayor")
    editor = logged_in("alice")
    url = reverse("admin:articles_person_change", args=[mayor.pk])
    form = person_form(editor, mayor, role="Ex-mayor", opened_state="not-signed")
    Person.objects.filter(pk=mayor.pk).update(role="Former mayor")

    shown = editor.post(url, form)

    assert shown.status_code == 200 and 'name="merge-choice-role"' in shown.content.decode()
    assert Person.objects.get(pk=mayor.pk).role == "Former mayor"


def test_a_form_posted_without_its_version_conflicts_where_it_differs(story):
    editor = logged_in("alice")
    form = open_change_form(editor, story)
    del form["opened_version"]

    response = editor.post(reverse("admin:articles_article_change", args=[story.pk]), {**form, "headline": "Mine"})

    page = response.content.decode()
    assert response.status_code == 200 and "Edit conflict: choose what to keep" in page
    assert [conflict.key for conflict in response.context["merge"].conflicts] == ["headline"]
    assert Article.objects.get(pk=story.pk).headline == "Harbour bridge reopens"
