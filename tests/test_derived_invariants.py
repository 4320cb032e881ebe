"""Incremental upkeep equals a rebuild from scratch, after any sequence of ordinary writes.

A hypothesis state machine applies random writes — through the ORM (save with and without update_fields,
update(), bulk_create/bulk_update, deletes, the tag and people managers from both sides, tag renames and merges,
person edits, stale instances saved back), through the admin and through the importer — to a corpus of a few
dozen stories. After every step, committed, it recomputes each derived structure independently, in Python, and
compares: the related-stories index rows and per-tag counts, the search keywords, the search documents of both
engines (FTS5 rows or search_vector against the columns they are built from), the headline matching keys and
the next scheduled publication (inside the writing transaction, and cached by its commit). It also checks
that the commit announced what the step touched. tests/test_derived.py runs the full `rebuild_indexes
--check` after ordinary writes.
"""

import io
import json
import os
from collections import Counter
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Value
from django.db.models.functions import Concat
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from taggit.models import Tag

from articles import changes, triggers
from articles.formats import headline_key
from articles.models import NEXT_SCHEDULED_CACHE_KEY, Article, Person, TaggedArticle, TagUsage, merge_tags
from tests.factories import admin_article_data, make_article, make_person

pytestmark = pytest.mark.django_db

STORIES = 24
TAG_NAMES = ["Harbour", "Flooding", "Budget", "Trams", "Schools", "Health", "Port Alder", "Weather"]
PEOPLE = [("Ada Lindqvist", "Lindqvist\nMayor Lindqvist"), ("Samuel Achterberg", "Achterberg"), ("Helena Marsh", "")]
PEOPLE += [("Gareth Ellery", "Ellery"), ("Maria Okafor", "Okafor\nCllr Okafor"), ("Tom Reyes", "")]
STATUSES = [choice for choice, _ in Article.Status.choices]
# Hours from now: long past, recent, scheduled soon, scheduled later, or no time.
WHEN = st.sampled_from([-240, -2, 3, 30, None])
PICK = st.integers(min_value=0, max_value=10_000)
SOME = st.lists(PICK, min_size=1, max_size=4)
NAMES = st.lists(st.sampled_from(TAG_NAMES), max_size=3, unique=True)
HEADLINES = st.sampled_from(["Storm hits the coast", "UPDATE 2-Storm hits coast!", "“Quotes” and ‘ticks’", "Ferry"])


def moment(hours):
    return None if hours is None else timezone.now() + timedelta(hours=hours)


def valid(status, hours):
    """A status and time the database accepts: published stories need a time."""
    if status == Article.Status.PUBLISHED and hours is None:
        hours = -2
    return status, moment(hours)


class DerivedData(RuleBasedStateMachine):
    """Each example starts from the corpus (a savepoint) and is rolled back after."""

    client = None  # set by the test: a logged-in superuser's test client
    folder = None  # a scratch folder for import files

    def __init__(self):
        super().__init__()
        self.savepoint = transaction.savepoint()
        cache.delete(NEXT_SCHEDULED_CACHE_KEY)
        self.announced = []
        self.touched = {"stories": set(), "tags": set(), "people": set()}
        self.serial = 0
        changes.content_changed.connect(self._receive, dispatch_uid="derived-invariants")

    def teardown(self):
        changes.content_changed.disconnect(dispatch_uid="derived-invariants")
        transaction.savepoint_rollback(self.savepoint)
        cache.delete(NEXT_SCHEDULED_CACHE_KEY)

    def _receive(self, sender, stories, tags, people, **kwargs):
        self.announced.append({"stories": stories, "tags": tags, "people": people})

    # --- helpers ------------------------------------------------------------------------------------------

    def committed(self):
        """One step = one committed transaction, whose on_commit callbacks run at its end."""
        self.announced = []
        self.touched = {"stories": set(), "tags": set(), "people": set()}
        return _Step(self)

    def touch(self, stories=(), tags=(), people=()):
        self.touched["stories"].update(stories)
        self.touched["tags"].update(tags)
        self.touched["people"].update(people)

    def story(self, pick):
        ids = list(Article.objects.order_by("pk").values_list("pk", flat=True))
        return Article.objects.get(pk=ids[pick % len(ids)]) if ids else None

    def stories(self, picks):
        ids = list(Article.objects.order_by("pk").values_list("pk", flat=True))
        return sorted({ids[pick % len(ids)] for pick in picks}) if ids else []

    def tag(self, pick):
        tags = list(Tag.objects.order_by("pk"))
        return tags[pick % len(tags)] if tags else None

    def person(self, pick):
        people = list(Person.objects.order_by("pk"))
        return people[pick % len(people)] if people else None

    def fresh(self, text):
        self.serial += 1
        return f"{text} {self.serial}"

    # --- writes through the ORM -----------------------------------------------------------------------

    @initialize()
    def start(self):
        assert triggers.is_installed(connection)

    @rule(pick=PICK, status=st.sampled_from(STATUSES), hours=WHEN, headline=HEADLINES, limited=st.booleans())
    def save_story(self, pick, status, hours, headline, limited):
        with self.committed():
            story = self.story(pick)
            story.status, story.published_at = valid(status, hours)
            story.headline = headline
            story.save(update_fields=["status", "published_at"] if limited else None)
            self.touch(stories=[story.pk])

    @rule(pick=PICK, headline=HEADLINES)
    def save_headline_only(self, pick, headline):
        with self.committed():
            story = self.story(pick)
            story.headline = headline
            story.save(update_fields=["headline"])
            self.touch(stories=[story.pk])

    @rule(pick=PICK, name=st.sampled_from(TAG_NAMES))
    def save_a_stale_copy_after_retagging(self, pick, name):
        with self.committed():
            stale = self.story(pick)
            Article.objects.get(pk=stale.pk).tags.add(name)
            stale.summary = self.fresh("Edited")
            stale.save()  # writes back the keywords it loaded
            self.touch(stories=[stale.pk])

    @rule(picks=SOME, status=st.sampled_from(STATUSES), hours=WHEN)
    def update_stories(self, picks, status, hours):
        with self.committed():
            ids = self.stories(picks)
            status, published_at = valid(status, hours)
            Article.objects.filter(pk__in=ids).update(status=status, published_at=published_at)
            self.touch(stories=ids)

    @rule(picks=SOME, literal=st.booleans())
    def update_headlines(self, picks, literal):
        with self.committed():
            ids = self.stories(picks)
            chosen = Article.objects.filter(pk__in=ids)
            if literal:
                chosen.update(headline="Council “backs” plan")
            else:
                chosen.filter(headline__isnull=False).update(headline=Concat(Value("UPDATE: "), "headline"))
            self.touch(stories=ids)

    @rule(picks=SOME, status=st.sampled_from(STATUSES), hours=WHEN, headline=HEADLINES)
    def bulk_update_stories(self, picks, status, hours, headline):
        with self.committed():
            stories = list(Article.objects.filter(pk__in=self.stories(picks)))
            for story in stories:
                story.status, story.published_at = valid(status, hours)
                story.headline = headline
            Article.objects.bulk_update(stories, ["status", "published_at", "headline"])
            self.touch(stories=[story.pk for story in stories])

    @rule(status=st.sampled_from(STATUSES), hours=WHEN, headline=HEADLINES)
    def bulk_create_story(self, status, hours, headline):
        with self.committed():
            status, published_at = valid(status, hours)
            slug = self.fresh("bulk").replace(" ", "-")
            [story] = Article.objects.bulk_create(
                [Article(headline=headline, slug=slug, body="Made in bulk.", status=status, published_at=published_at)]
            )
            self.touch(stories=[story.pk])

    @rule(pick=PICK, bulk=st.booleans())
    def delete_story(self, pick, bulk):
        with self.committed():
            story = self.story(pick)
            pk = story.pk
            Article.objects.filter(pk=pk).delete() if bulk else story.delete()
            self.touch(stories=[pk])

    @rule(picks=SOME, publish=st.booleans())
    def publish_or_take_down(self, picks, publish):
        with self.committed():
            chosen = Article.objects.filter(pk__in=self.stories(picks))
            chosen.publish() if publish else chosen.unpublish()

    @rule(pick=PICK, operation=st.sampled_from(["add", "remove", "set", "clear"]), names=NAMES)
    def change_tags(self, pick, operation, names):
        with self.committed():
            story = self.story(pick)
            before = set(story.tags.values_list("pk", flat=True))
            if operation == "clear":
                story.tags.clear()
            elif operation == "set":
                story.tags.set(names)
            else:
                getattr(story.tags, operation)(*names)
            after = set(story.tags.values_list("pk", flat=True))
            if before != after:
                self.touch(stories=[story.pk], tags=before ^ after)

    @rule(pick=PICK, people=SOME, operation=st.sampled_from(["add", "remove", "set", "clear"]), reverse=st.booleans())
    def change_people(self, pick, people, operation, reverse):
        with self.committed():
            story = self.story(pick)
            chosen = list({self.person(number).pk: self.person(number) for number in people}.values())
            before = set(story.people.values_list("pk", flat=True))
            if reverse and operation in ("add", "remove"):
                for person in chosen:
                    getattr(person.articles, operation)(story)
            elif operation == "clear":
                story.people.clear()
            elif operation == "set":
                story.people.set(chosen)
            else:
                getattr(story.people, operation)(*chosen)
            after = set(story.people.values_list("pk", flat=True))
            if before != after:
                self.touch(stories=[story.pk], people=before ^ after)

    @rule(pick=PICK, name=st.sampled_from(TAG_NAMES))
    def rename_tag(self, pick, name):
        with self.committed():
            tag = self.tag(pick)
            tag.name = self.fresh(name)
            tag.save()
            self.touch(tags=[tag.pk])

    @rule(pick=PICK)
    def delete_tag(self, pick):
        with self.committed():
            tag = self.tag(pick)
            pk = tag.pk
            tag.delete()
            self.touch(tags=[pk])

    @rule(kept=PICK, merged=PICK)
    def merge_tags(self, kept, merged):
        # One tag at a time: a merge records a revision of every story it moves, the costliest write here.
        with self.committed():
            kept, merged = self.tag(kept), self.tag(merged)
            merge_tags(kept, [kept, merged])
            self.touch(tags={merged.pk} - {kept.pk})

    @rule(pick=PICK, name=st.sampled_from([name for name, _ in PEOPLE]), aliases=st.sampled_from(["", "Ada\nA. L."]))
    def edit_person(self, pick, name, aliases):
        with self.committed():
            person = self.person(pick)
            person.name, person.aliases = self.fresh(name), aliases
            person.save()
            self.touch(people=[person.pk])

    @rule(picks=SOME, aliases=st.sampled_from(["", "Okafor", "The Mayor\n\n  Lindqvist  "]))
    def update_aliases(self, picks, aliases):
        with self.committed():
            people = [self.person(number).pk for number in picks]
            Person.objects.filter(pk__in=people).update(aliases=aliases)
            self.touch(people=people)

    @rule(pick=PICK)
    def delete_person(self, pick):
        with self.committed():
            person = self.person(pick)
            pk = person.pk
            person.delete()
            self.touch(people=[pk])

    # --- writes through the admin and the importer -------------------------------------------------------

    @rule(pick=PICK, status=st.sampled_from(STATUSES), hours=WHEN, names=NAMES, people=st.lists(PICK, max_size=2))
    def edit_in_the_admin(self, pick, status, hours, names, people):
        story = self.story(pick)
        status, published_at = valid(status, hours)
        when = timezone.localtime(published_at) if published_at else None
        data = admin_article_data(
            story,
            status=status,
            published_at_0=when.strftime("%Y-%m-%d") if when else "",
            published_at_1=when.strftime("%H:%M:%S") if when else "",
            tags=", ".join(f'"{name}"' for name in names),
            people=sorted({str(self.person(number).pk) for number in people}),
        )
        with self.committed():
            response = self.client.post(reverse("admin:articles_article_change", args=[story.pk]), data)
            assert response.status_code == 302, response.content.decode()[:3000]
            self.touch(stories=[story.pk])

    @rule(pick=PICK, new=st.booleans(), status=st.sampled_from(STATUSES), hours=WHEN, names=NAMES, people=SOME)
    def import_a_story(self, pick, new, status, hours, names, people):
        status, published_at = valid(status, hours)
        # The importer updates only stories it made (it refuses to take over one made here).
        imported = list(Article.objects.exclude(source_key="").order_by("pk").values_list("slug", flat=True))
        slug = imported[pick % len(imported)] if imported and not new else self.fresh("imported").replace(" ", "-")
        fixture = {
            "slug": slug,
            "headline": self.fresh("Imported story"),
            "body": "Imported paragraph.",
            "status": status,
            "tags": names,
            "people": [self.person(number).name for number in people],
        }
        if published_at:
            fixture["published_at"] = published_at.isoformat()
        path = self.folder / "stories.json"
        path.write_text(json.dumps([fixture]))
        with self.committed():
            call_command("import_articles", str(path), stdout=io.StringIO(), stderr=io.StringIO())
            self.touch(stories=[Article.objects.get(slug=slug).pk])

    # --- the invariant ---------------------------------------------------------------------------------------

    @invariant()
    def derived_data_equals_a_rebuild(self):
        rows = list(
            TaggedArticle.objects.values_list(
                "pk", "tag", "published_at", "content_object__status", "content_object__published_at"
            )
        )
        expected_rows = {pk: published if status == "published" else None for pk, _, _, status, published in rows}
        assert {pk: indexed for pk, _, indexed, _, _ in rows} == expected_rows, "related-stories index rows"

        counts = Counter(tag for pk, tag, *_ in rows if expected_rows[pk] is not None)
        stored = {tag: count for tag, count in TagUsage.objects.values_list("tag", "published_stories") if count}
        assert stored == dict(counts), "per-tag published counts"

        names = {}
        for story, name in TaggedArticle.objects.values_list("content_object", "tag__name"):
            names.setdefault(story, []).append(name)
        mentions = Article.people.through.objects.values_list("article", "person__name", "person__aliases")
        for story, name, aliases in mentions:
            names.setdefault(story, []).extend([name, *Person(aliases=aliases).alias_list])
        stories = Article.objects.values_list("pk", "headline", "headline_key", "search_keywords")
        for pk, headline, key, keywords in stories:
            stored_names = [line.strip() for line in keywords.splitlines() if line.strip()]
            assert Counter(stored_names) == Counter(names.get(pk, [])), f"search keywords of {pk}"
            assert key == headline_key(headline), f"headline key of {pk}"

        if self.touched["stories"]:
            # The commit stored the new time: readers need not ask the database.
            cached = cache.get(NEXT_SCHEDULED_CACHE_KEY)
            assert cached is not None and cached["at"] == next_scheduled(), "next scheduled publication, cached"
        assert Article.objects.next_scheduled_time() == next_scheduled(), "next scheduled publication"

        # The search documents (FTS5 rows or search_vector) against the columns they are built from.
        documents = triggers.drift(connection, structures={"search mirror rows", "search vectors"})
        assert {name: count for name, count in documents.items() if count} == {}

    @invariant()
    def the_commit_announced_what_the_step_touched(self):
        if not any(self.touched.values()):
            return
        assert len(self.announced) == 1, self.announced
        for kind, ids in self.touched.items():
            assert ids <= self.announced[0][kind], (kind, ids, self.announced[0][kind])


def next_scheduled():
    """The next scheduled publication, recomputed from the stories."""
    now = timezone.now()
    times = Article.objects.filter(status="published").values_list("published_at", flat=True)
    return min((at for at in times if at > now), default=None)


class _Step:
    """A committed transaction in a test: its on_commit callbacks run when it ends. Readers inside it
    already see the right next scheduled publication."""

    def __init__(self, machine):
        self.machine = machine

    def __enter__(self):
        self.capture = TestCase.captureOnCommitCallbacks(execute=True)
        self.capture.__enter__()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()

    def __exit__(self, *exc_info):
        inside = expected = None
        if exc_info[0] is None:
            inside, expected = Article.objects.next_scheduled_time(), next_scheduled()
        self.atomic.__exit__(*exc_info)
        self.capture.__exit__(*exc_info)
        assert inside == expected, "next scheduled publication, inside the writing transaction"


@pytest.fixture
def corpus(tmp_path, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        people = [make_person(name, aliases=aliases) for name, aliases in PEOPLE]
        for number in range(STORIES):
            status = STATUSES[number % len(STATUSES)]
            status, published_at = valid(status, [-240, -2, 3, 30, None][number % 5])
            make_article(
                f"Story {number} about {TAG_NAMES[number % len(TAG_NAMES)]}",
                status=status,
                published_at=published_at,
                tags=TAG_NAMES[number % 7 : number % 7 + 2],
                people=people[number % 4 : number % 4 + 2],
            )
    client = Client()
    client.force_login(User.objects.create_superuser("chief", "chief@example.com", "pw"))
    DerivedData.client, DerivedData.folder = client, tmp_path


def test_incremental_upkeep_equals_a_rebuild_after_any_writes(corpus):
    run_state_machine_as_test(
        DerivedData,
        settings=settings(
            max_examples=int(os.environ.get("DERIVED_EXAMPLES", 200)),
            stateful_step_count=5,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
