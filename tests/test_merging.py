"""Two editors save the same story or person from forms opened at the same version.

Parts only one of them changed are merged (both changes kept); parts both changed differently wait for a choice,
with nothing saved until it is made. Every pair of the story form's parts is tried.
"""

import itertools
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, AuthorKind, Correction, ExcludedStory, Person, PinnedStory, Section
from tests.factories import admin_article_data, image_file, make_article, make_correction, make_person, make_picture

pytestmark = pytest.mark.django_db


def logged_in(username):
    client = Client()
    # No password: hashing one costs more than the test itself.
    client.force_login(User.objects.create(username=username, is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def editors():
    return logged_in("alice"), logged_in("bob")


@pytest.fixture
def others():
    """Stories and a person the edits point at."""
    return {
        "pin": make_article("Ferry timetable changes", slug="ferry-timetable"),
        "exclude": make_article("Old bridge closure", slug="old-bridge-closure"),
        "person": make_person("Ada Lindqvist", slug="ada-lindqvist"),
        "section": Section.objects.create(name="Business", slug="business"),
        "other_section": Section.objects.create(name="Sport", slug="sport"),
        "author": make_person("Mia Holt", slug="mia-holt", author_kind=AuthorKind.STAFF),
        "other_author": make_person("Tom Reyes", slug="tom-reyes", author_kind=AuthorKind.CONTRIBUTOR),
        "picture": make_picture(image_file("ferry.jpg", color=(200, 40, 40)), title="Ferry at the quay"),
    }


def new_story():
    story = make_article(
        "Harbour bridge reopens",
        summary="The bridge is open again.",
        body="The bridge reopened on Monday.",
        byline="Staff",
        dateline="PORT ALDER",
        source="Newsroom",
        tags=["Harbour"],
        related_headlines=["Winter storm toll reaches 90"],
        published_at=timezone.now().replace(microsecond=0) - timedelta(hours=3),
    )
    make_correction(story, "An earlier version misspelt the bridge's name.")
    story.set_authors([make_person("Lena Ortiz", author_kind=AuthorKind.STAFF)])
    story.record_revision(None, "Imported")
    return story


def local_day(article):
    return timezone.localtime(article.published_at).strftime("%Y-%m-%d")


# Each part of the form: how an editor changes it (on the posted data) and how to see the change was kept.
EDITS = {
    "headline": (
        lambda form, o: form.update(headline="Harbour bridge reopens early"),
        lambda a, o: a.headline.endswith("early"),
    ),
    "slug": (lambda form, o: form.update(slug="bridge-reopens"), lambda a, o: a.slug == "bridge-reopens"),
    "summary": (
        lambda form, o: form.update(summary="Open, six weeks early."),
        lambda a, o: a.summary.startswith("Open,"),
    ),
    "body": (
        lambda form, o: form.update(body="It reopened on Monday.\r\n\r\nCrews cheered."),
        lambda a, o: "Crews cheered." in a.body,
    ),
    "section": (
        lambda form, o: form.update(section=str(o["section"].pk)),
        lambda a, o: a.section_id == o["section"].pk,
    ),
    "byline_authors": (
        lambda form, o: form.update(byline_authors=[str(o["author"].pk), *form["byline_authors"]]),
        lambda a, o: [person.name for person in a.credited_authors] == ["Mia Holt", "Lena Ortiz"],
    ),
    "byline": (lambda form, o: form.update(byline="Mia Holt"), lambda a, o: a.byline == "Mia Holt"),
    "dateline": (lambda form, o: form.update(dateline="KESTREL BAY"), lambda a, o: a.dateline == "KESTREL BAY"),
    "source": (lambda form, o: form.update(source="Agency"), lambda a, o: a.source == "Agency"),
    "status": (lambda form, o: form.update(status="unpublished"), lambda a, o: a.status == "unpublished"),
    "published_at": (
        lambda form, o: form.update(published_at_0="2026-01-15", published_at_1="08:30:00"),
        lambda a, o: timezone.localtime(a.published_at).strftime("%Y-%m-%d %H:%M") == "2026-01-15 08:30",
    ),
    "tags": (
        lambda form, o: form.update(tags="Harbour, New York"),
        lambda a, o: {t.name for t in a.tags.all()} == {"Harbour", "New York"},
    ),
    "people": (
        lambda form, o: form.update(people=[str(o["person"].pk)]),
        lambda a, o: list(a.people.all()) == [o["person"]],
    ),
    # The lead picture: a photo uploaded with the form goes into the library, described as the form says.
    "lead_library_picture": (
        lambda form, o: form.update(
            lead_image=image_file("bridge.jpg"),
            lead_image_alt="The bridge",
            lead_image_caption="Open at last.",
            lead_image_credit="Photo desk",
        ),
        lambda a, o: (
            "bridge" in a.lead_library_picture.file.name
            and (a.lead_picture.alt, a.lead_caption, a.lead_credit) == ("The bridge", "Open at last.", "Photo desk")
        ),
    ),
    "related_headlines": (
        lambda form, o: form.update({"related_headlines-0-headline": "Storm toll rises to 95"}),
        lambda a, o: [h.headline for h in a.related_headlines.all()] == ["Storm toll rises to 95"],
    ),
    "pinned_stories": (
        lambda form, o: form.update(
            {
                "pinned_stories-TOTAL_FORMS": "1",
                "pinned_stories-0-position": "1",
                "pinned_stories-0-story": str(o["pin"].pk),
            }
        ),
        lambda a, o: list(PinnedStory.objects.filter(article=a).values_list("story", flat=True)) == [o["pin"].pk],
    ),
    "excluded_stories": (
        lambda form, o: form.update(
            {"excluded_stories-TOTAL_FORMS": "1", "excluded_stories-0-story": str(o["exclude"].pk)}
        ),
        lambda a, o: list(ExcludedStory.objects.filter(article=a).values_list("story", flat=True)) == [o["exclude"].pk],
    ),
    "corrections": (
        lambda form, o: form.update({"corrections-0-text": "An earlier version misspelt the name of the bridge."}),
        lambda a, o: [c.text for c in a.corrections.all()] == ["An earlier version misspelt the name of the bridge."],
    ),
}


def edited(story, part, others):
    form = admin_article_data(story)
    EDITS[part][0](form, others)
    return form


def save(client, story, form):
    return client.post(reverse("admin:articles_article_change", args=[story.pk]), form)


@pytest.mark.parametrize(("first", "second"), list(itertools.combinations(EDITS, 2)))
def test_two_editors_changing_different_parts_keep_both_changes(editors, others, first, second):
    alice, bob = editors
    story = new_story()
    alice_form, bob_form = edited(story, first, others), edited(story, second, others)

    assert save(alice, story, alice_form).status_code == 302
    merged = save(bob, story, bob_form)

    assert merged.status_code == 302, merged.context["adminform"].form.errors if merged.context else merged
    stored = Article.objects.get(pk=story.pk)
    assert EDITS[first][1](stored, others), f"alice's {first} was lost"
    assert EDITS[second][1](stored, others), f"bob's {second} was lost"


@pytest.mark.parametrize("part", list(EDITS))
def test_both_changing_the_same_part_differently_waits_for_a_choice(editors, others, part):
    alice, bob = editors
    story = new_story()
    EDITS_B = {  # a different change to the same part
        # Bob chooses another picture from the library instead.
        "lead_library_picture": lambda form: form.update(lead_library_picture=str(others["picture"].pk)),
        "people": lambda form: form.update(people=[str(make_person("Bo Berg").pk)]),
        "section": lambda form: form.update(section=str(others["other_section"].pk)),
        "byline_authors": lambda form: form.update(byline_authors=[str(others["other_author"].pk)]),
        "pinned_stories": lambda form: form.update(
            {
                "pinned_stories-TOTAL_FORMS": "1",
                "pinned_stories-0-position": "1",
                "pinned_stories-0-story": str(others["exclude"].pk),
            }
        ),
        "excluded_stories": lambda form: form.update(
            {"excluded_stories-TOTAL_FORMS": "1", "excluded_stories-0-story": str(others["pin"].pk)}
        ),
        "published_at": lambda form: form.update(published_at_0="2026-02-01"),
        "status": lambda form: form.update(status="draft"),
        "tags": lambda form: form.update(tags="Harbour, Bridges"),
        "related_headlines": lambda form: form.update({"related_headlines-0-headline": "Storm toll: 96"}),
        "corrections": lambda form: form.update({"corrections-0-text": "The bridge's name was misspelt."}),
    }
    alice_form = edited(story, part, others)
    bob_form = admin_article_data(story)
    EDITS_B.get(part, lambda form: form.update({part: form[part] + " (Bob)"}))(bob_form)
    only_bob = "byline" if part == "body" else "body"
    bob_form[only_bob] = "Bob also rewrote this."  # a change only Bob made, saved once he has chosen

    assert save(alice, story, alice_form).status_code == 302
    after_alice = Article.objects.get(pk=story.pk).version
    shown = save(bob, story, bob_form)

    assert shown.status_code == 200
    page = shown.content.decode()
    assert "Edit conflict: choose what to keep" in page and f'name="merge-choice-{part}"' in page
    assert f'name="merge-conflict" value="{only_bob}"' not in page
    stored = Article.objects.get(pk=story.pk)
    assert stored.version == after_alice and "Bob also rewrote this." not in getattr(stored, only_bob)  # not saved
    assert EDITS[part][1](stored, others)

    # Bob keeps theirs: Alice's change stays, Bob's other change is saved.
    resolved = resubmission(shown, bob_form, {part: "theirs"})
    assert save(bob, story, resolved).status_code == 302
    stored = Article.objects.get(pk=story.pk)
    assert EDITS[part][1](stored, others), f"alice's {part} was lost though bob chose theirs"
    # The body is stored as markup: his sentence becomes a paragraph.
    assert getattr(stored, only_bob) == (
        "<p>Bob also rewrote this.</p>" if only_bob == "body" else "Bob also rewrote this."
    )


def resubmission(shown, form, choices):
    """What the browser posts back from the chooser page: the form as re-shown, plus the chosen options."""
    data = dict(form)
    rendered = shown.context["adminform"].form
    data["opened_version"] = str(rendered["opened_version"].value())
    if "opened_state" in rendered.fields:
        data["opened_state"] = rendered["opened_state"].value()
    merge = shown.context["merge"]
    data["merge-original"] = merge.original_token
    data["merge-conflict"] = [conflict.key for conflict in merge.conflicts]
    for key, choice in choices.items():
        data[f"merge-choice-{key}"] = choice
    # Parts merged from theirs come back as re-shown.
    for key, value in shown.wsgi_request.POST.lists():
        if key not in ("merge-original", "merge-conflict") and not key.startswith("merge-choice-"):
            data[key] = value if len(value) > 1 or key in ("people", "byline_authors") else value[0]
    return data


def test_choosing_yours_or_the_original_saves_that_value(editors):
    alice, bob = editors
    story = new_story()
    assert save(alice, story, admin_article_data(story, headline="Alice's headline")).status_code == 302
    bob_form = admin_article_data(story, headline="Bob's headline", summary="Bob's summary")
    bob_form["opened_version"] = str(story.version)

    shown = save(bob, story, bob_form)
    conflict = shown.context["merge"].conflicts[0]
    assert (conflict.theirs, conflict.yours, conflict.original) == (
        "Alice's headline",
        "Bob's headline",
        "Harbour bridge reopens",
    )
    assert save(bob, story, resubmission(shown, bob_form, {"headline": "yours"})).status_code == 302
    assert Article.objects.get(pk=story.pk).headline == "Bob's headline"

    story = new_story()
    assert save(alice, story, admin_article_data(story, headline="Alice's headline")).status_code == 302
    bob_form = admin_article_data(story, headline="Bob's headline")
    bob_form["opened_version"] = str(story.version)
    shown = save(bob, story, bob_form)
    assert save(bob, story, resubmission(shown, bob_form, {"headline": "original"})).status_code == 302
    assert Article.objects.get(pk=story.pk).headline == "Harbour bridge reopens"


def test_posting_the_chooser_without_a_choice_saves_nothing(editors):
    alice, bob = editors
    story = new_story()
    bob_form = admin_article_data(story, headline="Bob's headline", dateline="KESTREL BAY")
    assert save(alice, story, admin_article_data(story, headline="Alice's headline")).status_code == 302
    shown = save(bob, story, bob_form)

    again = save(bob, story, resubmission(shown, bob_form, {}))

    assert again.status_code == 200 and 'name="merge-choice-headline"' in again.content.decode()
    stored = Article.objects.get(pk=story.pk)
    assert (stored.headline, stored.dateline) == ("Alice's headline", "PORT ALDER")


def test_the_same_change_by_both_is_no_conflict(editors):
    alice, bob = editors
    story = new_story()
    alice_form = admin_article_data(story, dateline="KESTREL BAY")
    bob_form = admin_article_data(story, dateline="KESTREL BAY", summary="Bob's summary")
    assert save(alice, story, alice_form).status_code == 302
    assert save(bob, story, bob_form).status_code == 302
    stored = Article.objects.get(pk=story.pk)
    assert (stored.dateline, stored.summary) == ("KESTREL BAY", "Bob's summary")


def test_the_merge_says_what_it_kept_from_whom(editors):
    alice, bob = editors
    story = new_story()
    assert save(alice, story, admin_article_data(story, summary="Alice's summary")).status_code == 302
    response = save(bob, story, admin_article_data(story, dateline="KESTREL BAY") | {"opened_version": "1"})
    followed = bob.get(response["Location"])
    assert "their changes to summary were kept; your changes to dateline were saved" in followed.content.decode()


def test_corrections_added_by_two_editors_at_once_are_both_kept(editors):
    alice, bob = editors
    story = new_story()

    def with_new_note(text):
        form = admin_article_data(story)
        index = int(form["corrections-TOTAL_FORMS"])
        form.update(
            {
                "corrections-TOTAL_FORMS": str(index + 1),
                f"corrections-{index}-kind": "update",
                f"corrections-{index}-text": text,
            }
        )
        return form

    alice_form, bob_form = with_new_note("The mayor spoke at the opening."), with_new_note("Traffic is flowing.")
    assert save(alice, story, alice_form).status_code == 302
    assert save(bob, story, bob_form).status_code == 302
    assert sorted(Correction.objects.filter(article=story).values_list("text", flat=True)) == sorted(
        ["An earlier version misspelt the bridge's name.", "The mayor spoke at the opening.", "Traffic is flowing."]
    )


def test_a_save_from_outside_the_admin_is_merged_too(editors):
    alice, _bob = editors
    story = new_story()
    Article.objects.filter(pk=story.pk).unpublish()  # e.g. an editor's list action
    assert save(alice, story, admin_article_data(story, headline="Mine")).status_code == 302
    stored = Article.objects.get(pk=story.pk)
    assert (stored.headline, stored.status) == ("Mine", "unpublished")


def test_a_form_without_its_version_conflicts_on_every_part_it_differs_in(editors):
    _alice, bob = editors
    story = new_story()
    form = admin_article_data(story, headline="Mine")
    del form["opened_version"]

    shown = save(bob, story, form)

    assert [conflict.key for conflict in shown.context["merge"].conflicts] == ["headline"]
    assert Article.objects.get(pk=story.pk).headline == "Harbour bridge reopens"


def person_form(client, person, **changes):
    """GET the person's change form and return what it posts back, with `changes`."""
    form = client.get(reverse("admin:articles_person_change", args=[person.pk])).context["adminform"].form
    data = {
        name: form[name].value() or ""
        for name in ["name", "slug", "role", "author_kind", "bio", "aliases", "profile_urls"]
        + ["opened_version", "opened_state"]
    }
    return {**data, **changes}


def test_two_editors_changing_different_fields_of_a_person_keep_both(editors):
    alice, bob = editors
    mayor = make_person("Ada Lindqvist", role="Mayor", bio="Elected in 2022.")
    url = reverse("admin:articles_person_change", args=[mayor.pk])
    alice_form, bob_form = (
        person_form(alice, mayor, role="Former mayor"),
        person_form(bob, mayor, bio="Re-elected in 2026."),
    )

    assert alice.post(url, alice_form).status_code == 302
    assert bob.post(url, bob_form).status_code == 302

    saved = Person.objects.get(pk=mayor.pk)
    assert (saved.role, saved.bio) == ("Former mayor", "Re-elected in 2026.")


def test_a_person_changed_by_both_waits_for_a_choice_even_when_an_import_changed_it(editors):
    _alice, bob = editors
    mayor = make_person("Ada Lindqvist", role="", aliases="Lindqvist")
    url = reverse("admin:articles_person_change", args=[mayor.pk])
    bob_form = person_form(bob, mayor, role="Mayor of Port Alder")
    # An import completes the role without moving the version.
    Person.objects.filter(pk=mayor.pk).update(role="Mayor")

    shown = bob.post(url, bob_form)

    assert shown.status_code == 200 and 'name="merge-choice-role"' in shown.content.decode()
    assert Person.objects.get(pk=mayor.pk).role == "Mayor"
    assert bob.post(url, resubmission(shown, bob_form, {"role": "yours"})).status_code == 302
    assert Person.objects.get(pk=mayor.pk).role == "Mayor of Port Alder"


def test_reordering_the_byline_is_merged_with_an_edit_elsewhere_and_conflicts_with_another_order(editors, others):
    alice, bob = editors
    story = new_story()
    story.set_authors([*story.credited_authors, others["author"]])
    story.record_revision(None, "Second author")
    lena, mia = (str(person.pk) for person in story.credited_authors)

    assert save(alice, story, admin_article_data(story, byline_authors=[mia, lena])).status_code == 302
    assert save(bob, story, admin_article_data(story, dateline="KESTREL BAY")).status_code == 302
    stored = Article.objects.get(pk=story.pk)
    assert [person.name for person in stored.credited_authors] == ["Mia Holt", "Lena Ortiz"]
    assert stored.dateline == "KESTREL BAY"

    bob_form = admin_article_data(stored, byline_authors=[mia])
    assert save(alice, story, admin_article_data(stored, byline_authors=[lena, mia])).status_code == 302
    shown = save(bob, story, bob_form)
    conflict = next(conflict for conflict in shown.context["merge"].conflicts if conflict.key == "byline_authors")
    assert (conflict.theirs, conflict.yours, conflict.original) == (
        "Lena Ortiz, Mia Holt",
        "Mia Holt",
        "Mia Holt, Lena Ortiz",
    )
    assert save(bob, story, resubmission(shown, bob_form, {"byline_authors": "yours"})).status_code == 302
    assert [person.name for person in Article.objects.get(pk=story.pk).credited_authors] == ["Mia Holt"]


def test_two_editors_changing_a_persons_author_fields_keep_both(editors):
    alice, bob = editors
    writer = make_person("Mia Holt", role="Reporter")
    url = reverse("admin:articles_person_change", args=[writer.pk])
    alice_form = person_form(alice, writer, author_kind="staff")
    bob_form = person_form(bob, writer, profile_urls="https://example.org/mia")

    assert alice.post(url, alice_form).status_code == 302
    assert bob.post(url, bob_form).status_code == 302

    saved = Person.objects.get(pk=writer.pk)
    assert (saved.author_kind, saved.profile_url_list) == ("staff", ["https://example.org/mia"])


def test_a_person_made_staff_by_one_and_contributor_by_the_other_waits_for_a_choice(editors):
    alice, bob = editors
    writer = make_person("Mia Holt")
    url = reverse("admin:articles_person_change", args=[writer.pk])
    alice_form = person_form(alice, writer, author_kind="staff")
    bob_form = person_form(bob, writer, author_kind="contributor")

    assert alice.post(url, alice_form).status_code == 302
    shown = bob.post(url, bob_form)

    conflict = shown.context["merge"].conflicts[0]
    assert (conflict.key, conflict.theirs, conflict.yours, conflict.original) == (
        "author_kind",
        "Staff",
        "Contributor",
        "not an author",
    )
    assert Person.objects.get(pk=writer.pk).author_kind == "staff"
    assert bob.post(url, resubmission(shown, bob_form, {"author_kind": "yours"})).status_code == 302
    assert Person.objects.get(pk=writer.pk).author_kind == "contributor"
