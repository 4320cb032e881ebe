from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, RelatedHeadline, TaggedArticle
from articles.revisions import as_text, changed_fields, diff_snapshots, diff_text
from tests.factories import admin_article_data, image_file, make_article, make_person, make_picture, make_staff
from tests.test_related import assert_counts_match_a_recount

# Pure diff helpers


def test_word_diff_marks_only_the_words_that_changed():
    chunks = diff_text("The council approved the plan on Monday.", "The council rejected the plan on Tuesday.")
    assert ("delete", " approved") in chunks and ("insert", " rejected") in chunks
    assert ("delete", " Monday.") in chunks and ("insert", " Tuesday.") in chunks
    assert "".join(text for kind, text in chunks if kind != "insert") == "The council approved the plan on Monday."
    assert "".join(text for kind, text in chunks if kind != "delete") == "The council rejected the plan on Tuesday."


def test_snapshot_diff_lists_changed_fields_in_order_and_compares_lists_line_by_line():
    old = {"headline": "A", "body": "Same", "tags": ["Harbour", "Transport"], "people": [{"id": 1, "name": "Ada"}]}
    new = {"headline": "B", "body": "Same", "tags": ["Harbour", "Weather"], "people": [{"id": 1, "name": "Ada"}]}

    assert changed_fields(old, new) == ["headline", "tags"]
    headline, tags = diff_snapshots(old, new)
    assert (headline.label, headline.by_line) == ("Headline", False)
    assert tags.by_line and ("delete", "Transport\n") in tags.chunks and ("insert", "Weather\n") in tags.chunks


def test_a_first_snapshot_counts_every_field_as_changed():
    assert changed_fields(None, {"headline": "A"}) == ["headline"]


# Recording, through the admin and other paths


@pytest.fixture
def editor_client(client, db):
    client.force_login(make_staff("edna", "editor"))
    return client


@pytest.fixture
def story(db):
    ada = make_person("Ada Lindqvist")
    target = make_article("Bridge closed for repairs", slug="bridge-closed")
    story = make_article(
        "Harbour bridge reopens",
        body="The bridge reopened on Monday.\n\nRepairs took six weeks.",
        tags=["Harbour", "Transport"],
        people=[ada],
        related_headlines=[target, "Ferry timetable changes"],
        published_at=timezone.now().replace(microsecond=0) - timedelta(hours=1),  # as precise as the admin form
    )
    story.record_revision(None, "Imported")
    return story


def save_in_admin(client, story, **changes):
    story.refresh_from_db()
    response = client.post(
        reverse("admin:articles_article_change", args=[story.pk]), admin_article_data(story, **changes)
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    story.refresh_from_db()
    return story.revisions.first()


def test_every_admin_save_records_a_revision_with_who_what_and_a_full_snapshot(editor_client, story):
    ben = make_person("Ben Okafor")
    revision = save_in_admin(
        editor_client, story, headline="Harbour bridge reopens early", tags="Harbour, Weather", people=[str(ben.pk)]
    )

    assert revision.number == 2 == story.version
    assert revision.user.username == "edna"
    assert revision.changed_fields == ["headline", "tags", "people"]
    assert revision.snapshot["headline"] == "Harbour bridge reopens early"
    assert revision.snapshot["tags"] == ["Harbour", "Weather"]
    assert revision.snapshot["people"] == [{"id": ben.pk, "name": "Ben Okafor"}]
    assert [item["headline"] for item in revision.snapshot["related_headlines"]] == [
        "Bridge closed for repairs",
        "Ferry timetable changes",
    ]
    assert revision.snapshot["related_headlines"][0]["target_headline"] == "Bridge closed for repairs"

    # A save that changes only an inline headline is recorded too.
    revision = save_in_admin(editor_client, story, **{"related_headlines-1-headline": "New ferry timetable"})
    assert revision.number == 3 and revision.changed_fields == ["related_headlines"]


@pytest.mark.django_db
def test_publishing_and_unpublishing_from_the_changelist_record_revisions(editor_client):
    draft = make_article(status=Article.Status.DRAFT)
    changelist = reverse("admin:articles_article_changelist")
    editor_client.post(changelist, {"action": "publish", "_selected_action": [draft.pk], "confirm": "publish"})
    editor_client.post(changelist, {"action": "unpublish", "_selected_action": [draft.pk], "confirm": "unpublish"})

    published, unpublished = draft.revisions.order_by("number")
    assert published.message == "Published" and published.snapshot["status"] == "published"
    assert unpublished.message == "Unpublished" and unpublished.changed_fields == ["status"]
    assert unpublished.user.username == "edna"


def test_the_change_form_links_to_the_history(editor_client, story):
    page = editor_client.get(reverse("admin:articles_article_change", args=[story.pk])).content.decode()
    assert f'href="{reverse("admin:articles_article_revisions", args=[story.pk])}"' in page


def test_history_lists_revisions_and_diffs_any_two_escaped(editor_client, story):
    # The body is HTML now: the diff compares its text, and shows a literal "<i>" typed by the editor escaped.
    edited = "<p>The bridge reopened on <b>Tuesday</b> &lt;i&gt;.</p><p>Repairs took six weeks.</p>"
    save_in_admin(editor_client, story, body=edited)
    save_in_admin(editor_client, story, headline="Bridge is back", tags="Harbour")

    history = editor_client.get(reverse("admin:articles_article_revisions", args=[story.pk])).content.decode()
    assert "Imported" in history and history.count("Edited in the admin") == 2

    compare = reverse("admin:articles_article_revision_compare", args=[story.pk])
    page = editor_client.get(compare, {"a": "3", "b": "1"}).content.decode()
    assert "<del> Monday.</del><ins> Tuesday &lt;i&gt;.</ins>" in page
    assert "<del>Harbour bridge reopens</del><ins>Bridge is back</ins>" in page
    assert "<del>Transport\n</del>" in page
    assert "<b>Tuesday</b>" not in page and "<strong>Tuesday" not in page and "<i>" not in page

    only_second = editor_client.get(compare, {"a": "2", "b": "3"}).content.decode()
    assert "Monday" not in only_second and "<ins>Bridge is back</ins>" in only_second


def test_restore_brings_back_text_tags_people_and_headlines_as_a_new_revision(editor_client, story):
    ada = story.people.get()
    save_in_admin(
        editor_client,
        story,
        headline="Rewritten",
        body="Nothing left of the original.",
        tags="Weather",
        people=[],
        **{"related_headlines-1-DELETE": "on"},
    )
    story.refresh_from_db()
    assert story.headline == "Rewritten" and RelatedHeadline.objects.filter(article=story).count() == 1
    restore = reverse("admin:articles_article_revision_restore", args=[story.pk, 1])

    confirm = editor_client.get(restore).content.decode()
    assert "<del>Rewritten</del><ins>Harbour bridge reopens</ins>" in confirm and "Yes, restore revision 1" in confirm
    response = editor_client.post(restore)

    assert response.status_code == 302
    story = Article.objects.get(pk=story.pk)
    assert story.headline == "Harbour bridge reopens"
    assert story.paragraphs == ["The bridge reopened on Monday.", "Repairs took six weeks."]
    assert sorted(tag.name for tag in story.tags.all()) == ["Harbour", "Transport"]
    assert list(story.people.all()) == [ada]
    assert "Transport" in story.search_keywords and "Weather" not in story.search_keywords  # search follows
    assert all(row.published_at for row in TaggedArticle.objects.filter(content_object=story))  # related index too
    assert_counts_match_a_recount()
    assert [(item.headline, bool(item.target)) for item in story.related_headlines.all()] == [
        ("Bridge closed for repairs", True),
        ("Ferry timetable changes", False),
    ]
    assert all(item.headline_key for item in story.related_headlines.all())  # derived by save(), as usual
    latest = story.revisions.first()
    assert latest.number == 3 and latest.message == "Restored from revision 1"
    assert story.revisions.count() == 3  # the rewritten version is still there to go back to
    assert story.is_published  # restoring content leaves the story live


def test_record_revision_is_callable_from_other_paths_and_moves_the_version_on(story):
    assert story.version == 1
    Article.objects.filter(pk=story.pk).update(summary="Changed by the importer.")
    story.refresh_from_db()
    revision = story.record_revision(None, "Re-imported")
    assert revision.number == story.version == 2
    assert revision.user is None and revision.changed_fields == ["summary"]


def test_a_stale_copy_saved_back_does_not_reuse_a_revision_number(story):
    stale = Article.objects.get(pk=story.pk)
    story.record_revision(None, "Edited elsewhere")
    stale.summary = "Saved from an old copy."
    stale.save()  # writes its old version number back

    revision = stale.record_revision(None, "Old copy saved")

    assert revision.number == 3 and Article.objects.get(pk=story.pk).version == 3
    assert revision.changed_fields == ["summary"]


def test_corrections_pins_and_exclusions_are_in_the_snapshot_the_diff_and_the_restore(editor_client, story):
    pinned, excluded = make_article("Ferry strike ends"), make_article("Old bridge closure")
    revision = save_in_admin(
        editor_client,
        story,
        **{
            "pinned_stories-TOTAL_FORMS": "1",
            "pinned_stories-0-position": "1",
            "pinned_stories-0-story": str(pinned.pk),
            "excluded_stories-TOTAL_FORMS": "1",
            "excluded_stories-0-story": str(excluded.pk),
            "corrections-TOTAL_FORMS": "1",
            "corrections-0-kind": "correction",
            "corrections-0-text": "The bridge is 40 m long, not 400 m.",
        },
    )

    assert revision.changed_fields == ["pinned_stories", "excluded_stories", "corrections"]
    assert [pin["story_headline"] for pin in revision.snapshot["pinned_stories"]] == ["Ferry strike ends"]
    assert [row["story_id"] for row in revision.snapshot["excluded_stories"]] == [excluded.pk]
    assert [note["text"] for note in revision.snapshot["corrections"]] == ["The bridge is 40 m long, not 400 m."]
    compare = reverse("admin:articles_article_revision_compare", args=[story.pk])
    page = editor_client.get(compare, {"a": "1", "b": "2"}).content.decode()
    assert "Pinned related stories" in page and "<ins>1. Ferry strike ends\n</ins>" in page
    assert "Excluded related stories" in page and "<ins>Old bridge closure\n</ins>" in page
    assert "<ins>Correction: The bridge is 40 m long, not 400 m.\n</ins>" in page

    # Restoring revision 1 takes the pin and the exclusion away again but keeps the correction, and says so.
    restore = reverse("admin:articles_article_revision_restore", args=[story.pk, 1])
    confirm = editor_client.get(restore).content.decode()
    assert "<del>1. Ferry strike ends\n</del>" in confirm and "<del>Old bridge closure\n</del>" in confirm
    assert "Corrections and updates</dt>" not in confirm and "in review" not in confirm
    assert "its publication time and its corrections and updates stay as they are now" in confirm
    assert editor_client.post(restore).status_code == 302
    assert not story.pinned_stories.exists() and not story.excluded_stories.exists()
    assert [note.text for note in story.corrections.all()] == ["The bridge is 40 m long, not 400 m."]


def test_section_and_ordered_byline_are_in_the_snapshot_the_diff_and_the_restore(editor_client, story):
    from articles.models import AuthorKind, Section

    business = Section.objects.create(name="Business", slug="business")
    mia = make_person("Mia Holt", author_kind=AuthorKind.STAFF)
    tom = make_person("Tom Reyes", author_kind=AuthorKind.CONTRIBUTOR)
    first_section = story.section.name
    save_in_admin(editor_client, story, byline_authors=[str(mia.pk), str(tom.pk)])
    revision = save_in_admin(editor_client, story, section=str(business.pk), byline_authors=[str(tom.pk), str(mia.pk)])

    assert revision.changed_fields == ["section", "byline_authors"]
    assert revision.snapshot["section"] == {"id": business.pk, "name": "Business"}
    assert [person["name"] for person in revision.snapshot["byline_authors"]] == ["Tom Reyes", "Mia Holt"]
    compare = reverse("admin:articles_article_revision_compare", args=[story.pk])
    page = editor_client.get(compare, {"a": "2", "b": "3"}).content.decode()
    assert f"<del>{first_section}\n</del><ins>Business\n</ins>" in page
    assert "Authors" in page and "<ins>Tom Reyes\n</ins>" in page

    restore = reverse("admin:articles_article_revision_restore", args=[story.pk, 2])
    confirm = editor_client.get(restore).content.decode()
    assert f"<del>Business\n</del><ins>{first_section}\n</ins>" in confirm
    assert editor_client.post(restore).status_code == 302
    story = Article.objects.get(pk=story.pk)
    assert story.section.name == first_section
    assert [person.name for person in story.credited_authors] == ["Mia Holt", "Tom Reyes"]


def test_a_revision_from_before_the_library_shows_and_restores_its_uploaded_lead_as_the_library_picture(
    editor_client, story
):
    """Snapshots recorded while leads were uploaded to the story name the file; the migration made that file a
    library picture, which the history shows and a restore brings back."""
    old_lead = make_picture(image_file("quay-at-dawn.jpg", size=(640, 360)))
    first = story.revisions.get(number=1)
    first.snapshot = {
        **first.snapshot,
        "lead_library_picture": None,
        "lead_image": old_lead.file.name,
        "lead_image_alt": "The quay",
        "lead_image_caption": "Boats at dawn.",
        "lead_image_credit": "Staff",
    }
    first.save()
    # Shown by the picture's name, and not as a change when the story still leads with it.
    assert as_text(first.snapshot, "lead_library_picture") == "quay at dawn"
    assert "lead_library_picture" not in changed_fields(
        first.snapshot,
        {**first.snapshot, "lead_image": "", "lead_library_picture": {"id": old_lead.pk, "name": "quay at dawn"}},
    )

    save_in_admin(editor_client, story, headline="Rewritten", lead_image=image_file("new.jpg"))
    assert Article.objects.get(pk=story.pk).lead_library_picture != old_lead
    restore = reverse("admin:articles_article_revision_restore", args=[story.pk, 1])
    confirm = editor_client.get(restore).content.decode()
    assert "<dt>Lead picture</dt>" in confirm and "<ins>quay at dawn\n</ins>" in confirm

    assert editor_client.post(restore).status_code == 302
    story = Article.objects.get(pk=story.pk)
    assert story.headline == "Harbour bridge reopens" and story.lead_library_picture == old_lead
    assert story.revisions.first().snapshot["lead_library_picture"] == {"id": old_lead.pk, "name": "quay at dawn"}
