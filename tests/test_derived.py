"""Derived data keeps itself right whatever writes the row: what a user would notice, the repair command, the hook."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.models import Value
from django.db.models.functions import Concat
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from articles import changes, derived, triggers
from articles.formats import headline_key
from articles.models import Article, FrontPageSlot, Person, RelatedHeadline, Section, TagUsage, merge_tags
from tests.factories import make_article, make_person

pytestmark = pytest.mark.django_db


def found(client, query):
    response = client.get(reverse("articles:search"), {"q": query})
    assert response.status_code == 200
    return [result.article.headline for result in response.context["results"] or []]


def related(article):
    return [story.headline for story in Article.objects.get(pk=article.pk).related_articles()]


def published_count(tag_name):
    return TagUsage.objects.filter(tag__name=tag_name).values_list("published_stories", flat=True).first() or 0


def assert_no_drift():
    assert {structure: count for structure, count in derived.check().items() if count} == {}


# --- what readers see after ordinary writes ---------------------------------------------------------------


def test_a_story_published_by_update_then_saved_appears_in_related_lists_and_search(client):
    article = make_article("Harbour wall breached", tags=["Harbour"])
    draft = make_article("Harbour crews work overnight", tags=["Harbour"], status=Article.Status.DRAFT)
    assert related(article) == []

    Article.objects.filter(pk=draft.pk).update(status="published", published_at=timezone.now() - timedelta(hours=1))
    draft = Article.objects.get(pk=draft.pk)
    draft.summary = "Crews worked through the night."
    draft.save()

    assert related(article) == ["Harbour crews work overnight"]
    assert published_count("Harbour") == 2
    assert "Harbour crews work overnight" in found(client, "overnight")
    assert_no_drift()


def test_a_stale_instance_saved_back_cannot_undo_the_index(client):
    article = make_article("Ferry timetable cut", tags=["Ferries"])
    other = make_article("Ferry fares rise", tags=["Ferries"])
    stale = Article.objects.get(pk=other.pk)  # loaded before the tag below
    other.tags.add("Island life")

    stale.summary = "Fares go up in spring."
    stale.save()  # writes every column it loaded, keywords included

    assert found(client, '"island life"') == ["Ferry fares rise"]
    assert related(article) == ["Ferry fares rise"]
    assert_no_drift()


def test_a_tag_added_from_the_shell_is_searchable_and_counts_for_related_stories_at_once(client):
    article = make_article("Flood barrier tested", tags=["Flooding"])
    other = make_article("River levels fall", body="The river fell overnight.")
    assert found(client, "flooding") == ["Flood barrier tested"]

    other.tags.add("Flooding")

    assert set(found(client, "flooding")) == {"Flood barrier tested", "River levels fall"}
    assert related(article) == ["River levels fall"]
    assert published_count("Flooding") == 2

    other.tags.remove("Flooding")
    assert found(client, "flooding") == ["Flood barrier tested"]
    assert related(article) == []
    assert published_count("Flooding") == 1
    assert_no_drift()


def test_a_renamed_person_is_found_by_the_new_name_and_not_the_old(client):
    mayor = make_person("Ada Lindqvist", aliases="Lindqvist")
    make_article("Council votes on sea wall", body="The vote was close.", people=[mayor])
    assert found(client, "Lindqvist") == ["Council votes on sea wall"]

    mayor.name = "Ada Lindgren"
    mayor.aliases = "Lindgren\nMayor Lindgren"
    mayor.save()

    assert found(client, "Lindgren") == ["Council votes on sea wall"]
    assert found(client, "Lindqvist") == []

    Person.objects.filter(pk=mayor.pk).update(aliases="Ada L.")  # a bulk edit, no save()
    assert found(client, "Lindgren") == ["Council votes on sea wall"]  # still the name
    assert found(client, "mayor") == []
    assert_no_drift()


def test_a_deleted_tag_is_no_longer_searchable_and_a_renamed_one_is_found_by_its_new_name(client):
    make_article("New line opens", body="The first service ran at six.", tags=["Trams", "Transport"])
    tag = Tag.objects.get(name="Trams")
    tag.name = "Light rail"
    tag.save()
    assert found(client, '"light rail"') == ["New line opens"]
    assert found(client, "trams") == []

    tag.delete()

    assert found(client, '"light rail"') == []
    assert found(client, "transport") == ["New line opens"]
    assert_no_drift()


def test_a_taken_down_story_disappears_from_related_lists_and_search(client):
    article = make_article("Bridge closes for repairs", tags=["Bridges"])
    other = make_article("Bridge reopening delayed", tags=["Bridges"])
    assert related(article) == ["Bridge reopening delayed"]

    Article.objects.filter(pk=other.pk).unpublish()

    assert related(article) == []
    assert found(client, "delayed") == []
    assert published_count("Bridges") == 1
    assert_no_drift()


def test_deleting_stories_and_people_keeps_counts_and_keywords(client):
    mayor = make_person("Ada Lindqvist")
    kept = make_article("Budget passes", tags=["Budget"], people=[mayor])
    gone = make_article("Budget vote tonight", tags=["Budget"], people=[mayor])
    assert published_count("Budget") == 2

    gone.delete()
    assert published_count("Budget") == 1
    Article.objects.filter(pk=kept.pk).delete()
    assert published_count("Budget") == 0

    story = make_article("Mayor speaks", body="A speech.", people=[mayor])
    mayor.delete()
    assert found(client, "Lindqvist") == []
    assert Article.objects.get(pk=story.pk).search_keywords == ""
    assert_no_drift()


def test_links_written_with_keywords_deferred_are_searchable_once_the_block_ends(client):
    story = make_article("Quay wall repaired", slug="quay-wall", body="Masons finished the wall.")
    other = make_article("Ferry timetable", slug="ferry-timetable", body="Ferries run hourly.")
    harbour_master = make_person("Ines Valcourt")
    with transaction.atomic():
        with triggers.keywords_deferred(connection, [story.pk]):
            story.tags.add("Stonework")
            story.people.add(harbour_master)
            other.tags.add("Timetables")  # not deferred: kept at once, as always
            assert Article.objects.get(pk=other.pk).search_keywords == "Timetables"
        assert Article.objects.get(pk=story.pk).search_keywords == "Stonework\nInes Valcourt"
    assert found(client, "Valcourt") == ["Quay wall repaired"]
    assert found(client, "stonework") == ["Quay wall repaired"]
    assert_no_drift()


def test_a_failed_block_with_keywords_deferred_leaves_nothing_behind(client):
    story = make_article("Quay wall repaired", slug="quay-wall", tags=["Stonework"])
    with pytest.raises(RuntimeError), transaction.atomic():
        with triggers.keywords_deferred(connection, [story.pk]):
            story.tags.add("Masonry")
            raise RuntimeError("the import stopped")
    assert Article.objects.get(pk=story.pk).search_keywords == "Stonework"
    assert found(client, "masonry") == []
    story.tags.add("Harbour walls")  # the triggers keep the story again
    assert found(client, "harbour walls") == ["Quay wall repaired"]
    assert_no_drift()


def test_a_deferral_row_left_behind_is_drift_and_rebuild_clears_it():
    story = make_article("Quay wall repaired", slug="quay-wall")
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {triggers.DEFERRED} (article_id) VALUES (%s)", [story.pk])
    story.tags.add("Stonework")
    assert derived.check()["deferred search keywords left over"] == 1
    assert derived.check()["search keywords"] == 1
    derived.rebuild()
    assert Article.objects.get(pk=story.pk).search_keywords == "Stonework"
    assert_no_drift()


def test_merging_tags_moves_counts_and_search_names():
    first = make_article("Gaza talks resume", tags=["Gaza"])
    second = make_article("Aid reaches Gaza Strip", tags=["Gaza Strip"])
    make_article("Ceasefire holds", tags=["Gaza", "Gaza Strip"])

    merge_tags(Tag.objects.get(name="Gaza"), list(Tag.objects.filter(name__startswith="Gaza")))

    assert published_count("Gaza") == 3
    assert "Gaza Strip" not in Article.objects.get(pk=second.pk).search_keywords
    assert related(first) != []
    assert_no_drift()


def test_bulk_writes_keep_headline_keys_and_search():
    stories = Article.objects.bulk_create(
        [Article(headline=f"Storm 'Ana' hits coast {n}", slug=f"storm-{n}", body="Wind.") for n in range(3)]
    )
    assert [story.headline_key for story in Article.objects.filter(pk__in=[s.pk for s in stories]).order_by("pk")] == [
        headline_key(f"Storm 'Ana' hits coast {n}") for n in range(3)
    ]
    for story in stories:
        story.headline = f"Storm “Ana” leaves {story.pk}"
    Article.objects.bulk_update(stories, ["headline"])
    Article.objects.filter(pk=stories[0].pk).update(headline=Concat(Value("UPDATE: "), "headline"))
    Article.objects.filter(pk=stories[1].pk).update(headline="Storm moves east")

    keys = dict(Article.objects.values_list("pk", "headline_key"))
    assert keys[stories[0].pk] == headline_key(f"UPDATE: Storm “Ana” leaves {stories[0].pk}")
    assert keys[stories[1].pk] == headline_key("Storm moves east")
    assert keys[stories[2].pk] == headline_key(f"Storm 'Ana' leaves {stories[2].pk}")

    article = make_article("Harbour reopens")
    RelatedHeadline.objects.bulk_create([RelatedHeadline(article=article, position=1, headline="Storm MOVES east!")])
    assert RelatedHeadline.objects.get().headline_key == headline_key("Storm moves east")
    assert_no_drift()


def test_the_next_scheduled_publication_follows_bulk_writes(django_capture_on_commit_callbacks):
    soon = timezone.now() + timedelta(minutes=5)
    story = make_article("Embargoed report", status=Article.Status.DRAFT)
    assert Article.objects.next_scheduled_time() is None

    with django_capture_on_commit_callbacks(execute=True):
        Article.objects.filter(pk=story.pk).update(status="published", published_at=soon)
    assert Article.objects.next_scheduled_time() == soon

    Article.objects.filter(pk=story.pk).update(status="draft")  # not committed yet: still right for this reader
    assert Article.objects.next_scheduled_time() is None

    with django_capture_on_commit_callbacks(execute=True):
        [later] = Article.objects.bulk_create(
            [Article(headline="Later", slug="later", body="x", status="published", published_at=soon)]
        )
    assert Article.objects.next_scheduled_time() == soon
    with django_capture_on_commit_callbacks(execute=True):
        later.delete()
    assert Article.objects.next_scheduled_time() is None
    assert_no_drift()


# --- the repair command ------------------------------------------------------------------------------------


def test_rebuild_indexes_check_finds_no_drift_after_the_demo_newsroom_and_an_import(newsroom, tmp_path):
    (tmp_path / "story.txt").write_text(
        "Councillor Maria Okafor said the harbour in Port Alder would reopen on Tuesday.\n\n"
        "Crews worked through the night.\n\nHarbour reopens after storm\n"
    )
    call_command("import_articles", str(tmp_path), verbosity=0)
    out = io.StringIO()

    call_command("rebuild_indexes", "--check", stdout=out)

    assert "No drift." in out.getvalue()
    assert "related index rows: 0 out of step" in out.getvalue()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="raw SQL that the triggers cannot follow, on SQLite")
def test_rebuild_indexes_check_reports_drift_after_raw_sql_and_the_rebuild_repairs_it(client):
    story = make_article("Council votes on sea wall", body="The vote was close.", tags=["Harbour"])
    with connection.cursor() as cursor:
        cursor.execute("UPDATE articles_article SET headline = 'Council backs observatory' WHERE id = %s", [story.pk])
        cursor.execute("UPDATE articles_tagusage SET published_stories = 7")
        cursor.execute("DROP TRIGGER articles_keywords_tag_linked")
    story.tags.add("Astronomy")  # the dropped trigger would have indexed it

    with pytest.raises(CommandError) as refusal:
        call_command("rebuild_indexes", "--check", stdout=io.StringIO())
    assert refusal.value.returncode == 1
    drift = derived.check()
    assert drift["article headline keys"] == 1 and drift["tag published counts"] == 1
    assert drift["search keywords"] == 1 and drift["database triggers (missing or outdated)"] == 1
    assert found(client, "astronomy") == []

    out = io.StringIO()
    call_command("rebuild_indexes", stdout=out)

    assert "rebuilt" in out.getvalue()
    assert_no_drift()
    assert found(client, "astronomy") == ["Council backs observatory"]
    assert Article.objects.get(pk=story.pk).headline_key == headline_key("Council backs observatory")
    story.tags.add("Telescopes")  # the triggers are back
    assert found(client, "telescopes") == ["Council backs observatory"]


def test_migrate_puts_back_triggers_a_table_rebuild_dropped(client):
    story = make_article("Council votes on sea wall", body="The vote was close.")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER articles_keywords_tag_link ON articles_taggedarticle")
        else:
            cursor.execute("DROP TRIGGER articles_keywords_tag_linked")
    story.tags.add("Astronomy")
    assert not triggers.is_installed(connection)

    call_command("migrate", verbosity=0)  # nothing to apply; post_migrate checks the triggers

    assert triggers.is_installed(connection)
    assert found(client, "astronomy") == ["Council votes on sea wall"]  # and rebuilt what drifted meanwhile
    assert_no_drift()


# --- the change hook ---------------------------------------------------------------------------------------


@pytest.fixture
def announced():
    received = []

    def receiver(sender, stories, tags, people, **kwargs):
        received.append((set(stories), set(tags), set(people)))

    changes.content_changed.connect(receiver)
    yield received
    changes.content_changed.disconnect(receiver)


def test_committed_changes_are_announced_once_per_transaction(announced, django_capture_on_commit_callbacks):
    mayor = make_person("Ada Lindqvist")
    with django_capture_on_commit_callbacks(execute=True):
        story = make_article("Budget passes", tags=["Budget"], people=[mayor])
    budget = Tag.objects.get(name="Budget")
    assert announced == [({story.pk}, {budget.pk}, {mayor.pk})]

    announced.clear()
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            story.people.clear()
            Article.objects.filter(pk=story.pk).update(summary="Passed by one vote.")
            Tag.objects.get(name="Budget").delete()
    assert announced == [({story.pk}, {budget.pk}, {mayor.pk})]

    announced.clear()
    other = make_article("Budget vote tonight", people=[mayor])
    mayor_id = mayor.pk
    with django_capture_on_commit_callbacks(execute=True):
        mayor.delete()
    assert announced == [({other.pk}, set(), {mayor_id})]


def test_bylines_sections_and_front_page_places_are_announced(django_capture_on_commit_callbacks):
    received = []

    def receiver(sender, stories, people, sections, **kwargs):
        received.append((set(stories), set(people), set(sections)))

    changes.content_changed.connect(receiver)
    try:
        writer = make_person("Rosa Diaz", author_kind="staff")
        story = make_article("Budget passes")
        with django_capture_on_commit_callbacks(execute=True):
            story.set_authors([writer])  # bulk_create underneath
        with django_capture_on_commit_callbacks(execute=True):
            story.authors.remove(writer)
        with django_capture_on_commit_callbacks(execute=True):
            FrontPageSlot.objects.create(article=story, position=1)
        with django_capture_on_commit_callbacks(execute=True):
            FrontPageSlot.objects.filter(article=story).update(position=2)
        with django_capture_on_commit_callbacks(execute=True):
            business = Section.objects.create(name="Business", slug="business")
        with django_capture_on_commit_callbacks(execute=True):
            markets = Section.objects.create(name="Markets", slug="markets", parent=business)
        with django_capture_on_commit_callbacks(execute=True):
            Section.objects.filter(pk=markets.pk).update(name="Money")
    finally:
        changes.content_changed.disconnect(receiver)
    assert received == [
        ({story.pk}, {writer.pk}, set()),
        ({story.pk}, {writer.pk}, set()),
        ({story.pk}, set(), set()),
        ({story.pk}, set(), set()),
        (set(), set(), {business.pk}),
        (set(), set(), {markets.pk, business.pk}),
        (set(), set(), {markets.pk}),
    ]


def test_rolled_back_changes_are_never_announced(announced, django_capture_on_commit_callbacks):
    story = make_article("Budget passes")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            story.tags.add("Budget")
            raise RuntimeError
        Person.objects.create(name="Ada Lindqvist", slug="ada")
    person = Person.objects.get()
    assert len(callbacks) == 1
    assert announced == [(set(), set(), {person.pk})]


def test_the_edit_counter_alone_is_not_a_change(announced, django_capture_on_commit_callbacks):
    story = make_article("Budget passes")
    with django_capture_on_commit_callbacks(execute=True):
        story.lock_unchanged_since(story.version)
    assert announced == []
