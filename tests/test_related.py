import io
import json
import math
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db.models.query import QuerySet
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from articles import derived, related
from articles.models import Article, ExcludedStory, PinnedStory, TaggedArticle, TagRedirect, TagUsage
from articles.prepared import PreparedQuery
from tests.factories import make_article, make_person
from tests.test_admin import article_form, inline_management

DAY = timedelta(days=1)

pytestmark = pytest.mark.django_db


def weight(stories):
    return 1 / math.log(1 + stories)


def decay(days):
    return 0.5 ** (days / 30)


def headlines(article):
    return [story.headline for story in article.related_articles()]


def related_block(client, article):
    page = client.get(article.get_absolute_url()).content.decode()
    return page.split('id="related-heading"')[1].split("</section>")[0] if 'id="related-heading"' in page else ""


# --- the pure ranking ------------------------------------------------------------------------------------


def story(pk, headline, published_at):
    return related.StoryRow(pk, headline, f"story-{pk}", published_at)


def candidate(pk, headline, published_at, tags):
    return related.Candidate(story(pk, headline, published_at), shared_tags=list(tags))


def test_rare_tags_weigh_more_and_time_halves_the_weight_every_half_life():
    assert related.tag_weight(3) > related.tag_weight(30) > related.tag_weight(30_000)
    assert related.tag_weight(3) == pytest.approx(1 / math.log(4))
    assert related.recency_factor(30, 30) == 0.5
    assert related.recency_factor(0, 30) == 1
    assert related.days_between(datetime(2026, 1, 10, tzinfo=UTC), datetime(2026, 1, 7, tzinfo=UTC)) == 3


def test_updates_and_corrections_count_as_the_same_story():
    assert related.story_key("UPDATE 2-Rafah crossing reopens") == related.story_key("Rafah crossing reopens")
    assert related.story_key("Corrected: Rafah crossing reopens!") == related.story_key("rafah crossing reopens")
    assert related.story_key("Rafah crossing closes") != related.story_key("Rafah crossing reopens")


def test_reason_line_names_the_rarest_shared_tags_and_the_people():
    gaza = related.SharedTag("Gaza", "gaza", 40, related.tag_weight(40))
    hamas = related.SharedTag("Hamas", "hamas", 5, related.tag_weight(5))
    person = type("Named", (), {"name": "Vladimir Putin"})()  # anything with a name
    assert related.reason_line([gaza, hamas], []) == "Also about Hamas, Gaza"
    assert related.reason_line([gaza], [person]) == "Also about Gaza; mentions Vladimir Putin"
    assert related.reason_line([], [person]) == "Also mentions Vladimir Putin"
    assert related.reason_line([], []) == ""


def test_equal_scores_go_to_the_newer_story_then_the_higher_id():
    anchor = datetime(2026, 3, 10, tzinfo=UTC)
    tag = related.SharedTag("Budget", "budget", 4, related.tag_weight(4))
    before_low = candidate(1, "Before, low id", anchor - 2 * DAY, [tag])
    before_high = candidate(2, "Before, high id", anchor - 2 * DAY, [tag])
    after = candidate(3, "After", anchor + 2 * DAY, [tag])
    scoring = related.Scoring(half_life_days=30, person_boost=0.5)

    ranked, duplicates = related.rank([before_low, after, before_high], anchor=anchor, scoring=scoring)

    assert [c.story.headline for c in ranked] == ["After", "Before, high id", "Before, low id"]
    assert len({c.score for c in ranked}) == 1 and not duplicates


def test_near_duplicates_keep_the_better_ranked_story_and_never_repeat_the_article():
    anchor = datetime(2026, 3, 10, tzinfo=UTC)
    tag = related.SharedTag("Gaza", "gaza", 4, related.tag_weight(4))
    first = candidate(1, "Rafah crossing to reopen Monday", anchor - DAY, [tag])
    update = candidate(2, "UPDATE 1-Rafah crossing to reopen Monday", anchor - 3 * DAY, [tag])
    same_as_article = candidate(3, "Israel \u2013 Hamas truce agreed", anchor - DAY, [tag])
    scoring = related.Scoring(half_life_days=30, person_boost=0.5)

    ranked, duplicates = related.rank(
        [update, first, same_as_article], anchor=anchor, scoring=scoring, own_headline="Israel-Hamas truce agreed"
    )

    assert [c.story.pk for c in ranked] == [1]
    assert [(c.story.pk, c.duplicate_of) for c in duplicates] == [(3, None), (2, first.story)]


# --- ranking in the database: exact orders, so the SQLite and PostgreSQL runs prove the same result ---------


def test_two_shared_rare_tags_outrank_three_shared_common_ones():
    day = timezone.now() - DAY
    article = make_article(
        "Harbour wall report", tags=["Seawall", "Tide gauge", "Port Alder", "Weather", "Council"], published_at=day
    )
    rare = make_article("Tide gauge shows a gap in the seawall", tags=["Seawall", "Tide gauge"], published_at=day - DAY)
    common = make_article("Council weather briefing", tags=["Port Alder", "Weather", "Council"], published_at=day - DAY)
    for n in range(28):  # the common tags are on 30 stories, long ago enough not to compete
        make_article(f"Archive story {n}", tags=["Port Alder", "Weather", "Council"], published_at=day - 3000 * DAY)

    first, second, *rest = article.related_articles(limit=5)

    assert [first.headline, second.headline] == [rare.headline, common.headline]
    assert first.score == pytest.approx(2 * weight(2) * decay(1))
    assert second.score == pytest.approx(3 * weight(30) * decay(1))
    assert [(tag.name, tag.stories) for tag in first.shared_tags] == [("Seawall", 2), ("Tide gauge", 2)]
    assert [tag.weight for tag in second.shared_tags] == pytest.approx([weight(30)] * 3)
    assert [story.headline for story in rest] == ["Archive story 27", "Archive story 26", "Archive story 25"]


def test_relevance_fades_with_the_time_between_the_stories_either_way():
    day = timezone.now() - 10 * DAY
    article = make_article("Flood barrier tested", tags=["Flooding"], published_at=day)
    make_article("Sandbags handed out", tags=["Flooding"], published_at=day - 60 * DAY)
    make_article("River levels rising", tags=["Flooding"], published_at=day - 2 * DAY)
    make_article("Barrier holds in storm", tags=["Flooding"], published_at=day + 5 * DAY)

    stories = article.related_articles()

    assert [s.headline for s in stories] == ["River levels rising", "Barrier holds in storm", "Sandbags handed out"]
    assert [s.score for s in stories] == pytest.approx([weight(4) * decay(d) for d in (2, 5, 60)])


def test_each_shared_person_adds_a_boost_and_shows_in_the_reason():
    putin = make_person("Vladimir Putin")
    day = timezone.now() - DAY
    article = make_article("Putin meets freed hostages", tags=["Gaza"], people=[putin], published_at=day)
    make_article("Aid convoy reaches Gaza", tags=["Gaza"], published_at=day - DAY)
    make_article("Kremlin hosts Hamas delegation", tags=["Gaza"], people=[putin], published_at=day - 3 * DAY)

    boosted, plain = article.related_articles()

    assert (boosted.headline, plain.headline) == ("Kremlin hosts Hamas delegation", "Aid convoy reaches Gaza")
    assert boosted.score == pytest.approx(weight(3) * decay(3) + 0.5)
    assert boosted.shared_people == [putin] and plain.shared_people == []
    assert boosted.reason == "Also about Gaza; mentions Vladimir Putin" and plain.reason == "Also about Gaza"


def test_page_shows_the_ranked_stories_with_their_reasons(client):
    day = timezone.now() - DAY
    article = make_article("Ceasefire talks resume", tags=["Gaza", "Hamas", "Diplomacy"], published_at=day)
    make_article("Hostage deal outlined", tags=["Gaza", "Hamas"], published_at=day - DAY)
    make_article("Truce monitors named", tags=["Diplomacy"], published_at=day - 2 * DAY)
    make_article("Weather turns cold", tags=["Weather"], published_at=day - DAY)

    block = related_block(client, article)

    assert block.index("Hostage deal outlined") < block.index("Truce monitors named")
    assert "Also about Gaza, Hamas" in block and "Also about Diplomacy" in block
    assert "Weather turns cold" not in block and "Ceasefire talks resume" not in block


def test_the_list_stops_at_the_configured_limit(settings):
    settings.RELATED_STORIES_LIMIT = 2
    article = make_article("Budget vote", tags=["Budget"])
    for n in range(4):
        make_article(f"Budget story {n}", tags=["Budget"])
    assert len(article.related_articles()) == 2


def test_pinned_stories_come_first_in_the_editors_order_and_excluded_ones_never_show():
    day = timezone.now() - DAY
    article = make_article("Harbour dredging starts", tags=["Harbour"], published_at=day)
    best = make_article("Harbour fees rise", tags=["Harbour"], published_at=day - DAY)
    unwanted = make_article("Harbour cat goes viral", tags=["Harbour"], published_at=day)
    second_pin = make_article("Budget passes", tags=["Budget"], published_at=day - 40 * DAY)
    first_pin = make_article("Dredging contract signed", tags=["Harbour"], published_at=day - 90 * DAY)
    draft_pin = make_article("Dredging draft", status=Article.Status.DRAFT)
    PinnedStory.objects.create(article=article, story=second_pin, position=2)
    PinnedStory.objects.create(article=article, story=first_pin, position=1)
    PinnedStory.objects.create(article=article, story=draft_pin, position=3)
    ExcludedStory.objects.create(article=article, story=unwanted)

    stories = article.related_articles()

    assert [s.headline for s in stories] == ["Dredging contract signed", "Budget passes", "Harbour fees rise"]
    assert [s.pinned for s in stories] == [True, True, False]
    assert stories[0].reason == "Also about Harbour" and stories[1].reason == ""
    assert best.pk == stories[2].pk


@pytest.fixture
def editor_client(client):
    client.force_login(User.objects.create_superuser("chief", "chief@example.com", "pw"))
    return client


def edit_in_admin(editor_client, article, **fields):
    data = article_form(
        headline=article.headline,
        slug=article.slug,
        status=fields.pop("status", article.status),
        published_at_0=timezone.localtime(article.published_at).strftime("%Y-%m-%d") if article.published_at else "",
        published_at_1=timezone.localtime(article.published_at).strftime("%H:%M:%S") if article.published_at else "",
        tags=fields.pop("tags", ", ".join(tag.name for tag in article.tags.all())),
        opened_version=str(Article.objects.get(pk=article.pk).version),  # as if the form was just opened
        **fields,
    )
    response = editor_client.post(reverse("admin:articles_article_change", args=[article.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]


def test_drafts_and_unpublished_stories_never_appear_also_after_status_changes(editor_client):
    article = make_article("Ferry strike called", tags=["Ferries"])
    other = make_article("Ferry union ballots members", tags=["Ferries"], status=Article.Status.DRAFT)
    assert headlines(article) == []

    Article.objects.filter(pk=other.pk).publish()
    assert headlines(article) == [other.headline]

    Article.objects.filter(pk=other.pk).unpublish()
    assert headlines(article) == []
    assert TagUsage.objects.get(tag__name="Ferries").published_stories == 1

    other.refresh_from_db()
    edit_in_admin(editor_client, other, status="published")
    assert headlines(article) == [other.headline]

    edit_in_admin(editor_client, other, status="draft")
    assert headlines(article) == []
    assert_counts_match_a_recount()


def assert_counts_match_a_recount():
    drift = derived.check()
    assert drift["tag published counts"] == 0 and drift["related index rows"] == 0


def test_retagging_in_the_admin_moves_a_story_in_and_out(editor_client):
    article = make_article("Bridge closes", tags=["Transport"])
    other = make_article("Bus diversions announced", tags=["Buses"])
    assert headlines(article) == []

    edit_in_admin(editor_client, other, tags="Buses, transport")
    assert headlines(article) == [other.headline]
    assert TagUsage.objects.get(tag__name="Transport").published_stories == 2

    edit_in_admin(editor_client, other, tags="Buses")
    assert headlines(article) == []
    assert TagUsage.objects.get(tag__name="Transport").published_stories == 1
    assert_counts_match_a_recount()


def test_edited_publication_time_changes_the_ranking(editor_client):
    day = timezone.now() - 2 * DAY
    article = make_article("Stadium vote", tags=["Football"], published_at=day)
    near = make_article("Fans rally", tags=["Football"], published_at=day - DAY)
    far = make_article("Club history", tags=["Football"], published_at=day - 100 * DAY)
    assert headlines(article) == [near.headline, far.headline]

    far.published_at = day - 0.5 * DAY
    edit_in_admin(editor_client, far)
    assert headlines(article) == [far.headline, near.headline]


def test_deleting_stories_in_the_admin_takes_them_off_their_tags_counts(editor_client):
    kept = make_article("Harbour report", tags=["Harbour", "Budget"])
    one = make_article("Harbour fees", tags=["Harbour"])
    two = make_article("Harbour budget", tags=["Harbour", "Budget"])
    changelist = reverse("admin:articles_article_changelist")

    editor_client.post(reverse("admin:articles_article_delete", args=[one.pk]), {"post": "yes"})
    editor_client.post(changelist, {"action": "delete_selected", "_selected_action": [two.pk], "post": "yes"})

    assert list(Article.objects.all()) == [kept]
    assert TagUsage.objects.get(tag__name="Harbour").published_stories == 1
    assert_counts_match_a_recount()


def test_scheduled_story_appears_once_its_time_comes():
    now = timezone.now()
    article = make_article("Council meets", tags=["Council"], published_at=now - DAY)
    make_article("Council minutes released", tags=["Council"], published_at=now + timedelta(hours=1))
    assert headlines(article) == []

    with mock.patch("django.utils.timezone.now", return_value=now + timedelta(hours=2)):
        assert headlines(article) == ["Council minutes released"]


def test_a_story_unpublished_behind_the_index_back_is_still_never_shown():
    article = make_article("Port reopens", tags=["Port"])
    other = make_article("Port traffic resumes", tags=["Port"])
    # A change made without the refresh (e.g. raw SQL): the index is stale, the page must not be.
    Article.objects.filter(pk=other.pk).update(status=Article.Status.DRAFT)
    assert headlines(article) == []


def imported(tmp_path, *stories):
    path = tmp_path / "stories.json"
    path.write_text(json.dumps(list(stories)))
    call_command("import_articles", str(path), stdout=io.StringIO(), stderr=io.StringIO())


def wire_story(slug, headline, tags, days_ago, status="published"):
    published_at = (timezone.now() - days_ago * DAY).isoformat()
    return {"slug": slug, "headline": headline, "body": f"{headline}.", "status": status, "tags": tags} | {
        "published_at": published_at
    }


def test_imported_stories_are_related_at_once_and_after_reimports(client, tmp_path):
    ferry = wire_story("ferry-strike", "Ferry strike called", ["Ferries", "Unions"], 1)
    ballot = wire_story("union-ballot", "Union ballots ferry crews", ["Ferries", "Unions"], 2)
    imported(tmp_path, ferry, ballot)
    article = Article.objects.get(slug="ferry-strike")

    assert "Also about Ferries, Unions" in related_block(client, article)

    imported(tmp_path, ferry, {**ballot, "tags": ["Unions"]})
    assert [s.reason for s in article.related_articles()] == ["Also about Unions"]
    assert TagUsage.objects.get(tag__name="Ferries").published_stories == 1

    imported(tmp_path, ferry, {**ballot, "status": "draft"})
    assert headlines(article) == []
    assert_counts_match_a_recount()


def test_rebuild_command_restores_the_counts_after_damage_behind_the_models_back():
    article = make_article("Rail strike", tags=["Rail"])
    other = make_article("Rail talks", tags=["Rail"])
    TaggedArticle.objects.update(published_at=None)  # the database puts the index right at once
    assert headlines(article) == [other.headline]
    TagUsage.objects.all().delete()  # as after restoring part of a backup

    call_command("rebuild_indexes", verbosity=0)

    assert headlines(article) == [other.headline]
    assert TagUsage.objects.get(tag__name="Rail").published_stories == 2


def test_article_page_costs_the_same_queries_with_pins_exclusions_and_people(
    client, django_assert_num_queries, django_assert_max_num_queries
):
    people = [make_person() for _ in range(5)]
    tags = [f"topic-{n}" for n in range(20)]
    article = make_article("Busy story", tags=tags, people=people)
    neighbours = [make_article(f"Neighbour {n}", tags=tags[: n + 1], people=people[:n]) for n in range(20)]
    for n, neighbour in enumerate(neighbours[:3]):
        PinnedStory.objects.create(article=article, story=neighbour, position=n)
        ExcludedStory.objects.create(article=article, story=neighbours[-1 - n])
    loaded = Article.objects.for_page().get(pk=article.pk)

    with django_assert_num_queries(2):  # candidates from the index, then the stories shown
        assert len(loaded.related_articles()) == 5
    with django_assert_max_num_queries(9):  # with the bylines, and the header's sections (then cached)
        block = related_block(client, article)
    assert "Neighbour 0" in block and "Neighbour 19" not in block


# --- editors ---------------------------------------------------------------------------------------------


def test_admin_shows_the_score_breakdown_with_pins(editor_client):
    putin = make_person("Vladimir Putin")
    day = timezone.now() - DAY
    article = make_article("Putin meets freed hostages", tags=["Gaza", "Russia"], people=[putin], published_at=day)
    make_article("Kremlin hosts delegation", tags=["Russia"], people=[putin], published_at=day - 3 * DAY)
    make_article("Aid reaches Gaza", tags=["Gaza"], published_at=day - DAY)
    make_article("UPDATE 1-Aid reaches Gaza", tags=["Gaza"], published_at=day - 2 * DAY)
    pin = make_article("Hostage families speak", tags=["Hostages"], published_at=day - 5 * DAY)
    PinnedStory.objects.create(article=article, story=pin)

    page = editor_client.get(reverse("admin:articles_article_change", args=[article.pk])).content.decode()
    preview = page.split('class="related-preview"')[1]

    assert preview.index("Hostage families speak") < preview.index("Kremlin hosts delegation")
    assert preview.index("Kremlin hosts delegation") < preview.index("Aid reaches Gaza")
    assert "pinned" in preview and "Vladimir Putin" in preview and "3 days apart" in preview
    # Russia is on 2 stories, Gaza on 3 (weights 0.910 and 0.721); the person adds 0.5.
    assert f"Russia ({weight(2):.3f}, 2)" in preview and f"Gaza ({weight(3):.3f}, 3)" in preview
    assert f"{weight(2) * decay(3) + 0.5:.3f}" in preview
    assert "Left out as near-duplicates" in preview and "same story as “Aid reaches Gaza”" in preview


def test_admin_preview_explains_when_nothing_qualifies(editor_client):
    lonely = make_article("Lighthouse repainted", tags=["Lighthouses"])
    untagged = make_article("Untagged note")
    make_article("Lighthouse keeper retires", tags=["Lighthouses"], status=Article.Status.DRAFT)

    lonely_page = editor_client.get(reverse("admin:articles_article_change", args=[lonely.pk])).content.decode()
    untagged_page = editor_client.get(reverse("admin:articles_article_change", args=[untagged.pk])).content.decode()

    assert "no other published story shares a tag with this one" in lonely_page
    assert "this story has no tags" in untagged_page
    add_page = editor_client.get(reverse("admin:articles_article_add")).content.decode()
    assert "Save the story to preview its related stories." in add_page


def test_editor_pins_and_excludes_stories_through_the_admin(editor_client, client):
    article = make_article("Harbour dredging starts", tags=["Harbour"])
    pinned = make_article("Dredging contract signed", tags=["Contracts"])
    unwanted = make_article("Harbour cat goes viral", tags=["Harbour"])
    data = article_form(
        headline=article.headline,
        slug=article.slug,
        tags="Harbour",
        opened_version=str(article.version),
        **inline_management("pinned_stories", 1, 0),
        **inline_management("excluded_stories", 1, 0),
        **{
            "pinned_stories-0-position": "1",
            "pinned_stories-0-story": str(pinned.pk),
            "excluded_stories-0-story": str(unwanted.pk),
        },
    )

    response = editor_client.post(reverse("admin:articles_article_change", args=[article.pk]), data)

    assert response.status_code == 302, response.content.decode()[:2000]
    article.refresh_from_db()
    block = related_block(client, article)
    assert "Dredging contract signed" in block and "Harbour cat goes viral" not in block


def test_pinned_story_autocomplete_finds_stories(editor_client):
    make_article("Dredging contract signed")
    response = editor_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "articles", "model_name": "pinnedstory", "field_name": "story", "term": "Dredging"},
    )
    assert [result["text"] for result in response.json()["results"]] == ["Dredging contract signed"]


# --- tag hygiene -----------------------------------------------------------------------------------------


def test_tags_are_case_insensitive(editor_client):
    make_article("First", tags=["Gaza"])
    make_article("Second", tags=["gaza"])
    editor_client.post(reverse("admin:articles_article_add"), article_form(tags="GAZA, Harbour"))
    assert list(Tag.objects.filter(name__iexact="gaza").values_list("name", flat=True)) == ["Gaza"]
    assert TagUsage.objects.get(tag__name="Gaza").published_stories == 3


def test_merging_tags_repoints_stories_once_and_redirects_the_old_address(editor_client, client):
    both = make_article("Rafah crossing reopens", tags=["Gaza", "Gaza Strip"])
    only_old = make_article("Aid convoy arrives", tags=["Gaza Strip", "Aid"])
    make_article("Old Gaza story", tags=["Gaza"])
    kept, old = Tag.objects.get(name="Gaza"), Tag.objects.get(name="Gaza Strip")
    changelist = reverse("admin:taggit_tag_changelist")
    selection = {"action": "merge_selected", "_selected_action": [kept.pk, old.pk]}

    confirmation = editor_client.post(changelist, selection).content.decode()
    assert "Which tag stays?" in confirmation and "Gaza Strip" in confirmation and "2 stories" in confirmation

    response = editor_client.post(changelist, {**selection, "kept": kept.pk})

    assert response.status_code == 302
    assert not Tag.objects.filter(pk=old.pk).exists()
    assert sorted(TaggedArticle.objects.filter(tag=kept).values_list("content_object", flat=True)) == sorted(
        Article.objects.values_list("pk", flat=True)
    )
    assert [t.name for t in both.tags.all()] == ["Gaza"] and {t.name for t in only_old.tags.all()} == {"Gaza", "Aid"}
    assert TagUsage.objects.get(tag=kept).published_stories == 3
    redirect = client.get(reverse("articles:tag", args=["gaza-strip"]))
    assert redirect.status_code == 301 and redirect["Location"] == reverse("articles:tag", args=["gaza"])
    assert "Aid convoy arrives" in client.get(redirect["Location"]).content.decode()
    assert TagRedirect.objects.get().old_slug == "gaza-strip"
    # Search knows the story by its new tag's name (and no longer by the old one).
    search = client.get(reverse("articles:search"), {"q": "aid convoy gaza"}).context["results"]
    assert [result.article.headline for result in search] == ["Aid convoy arrives"]
    assert not client.get(reverse("articles:search"), {"q": "strip"}).context["results"]


def test_a_tag_merge_is_in_each_story_history_and_can_be_undone(editor_client):
    story = make_article("Aid convoy arrives", tags=["Gaza Strip", "Aid"])
    kept, old = Tag.objects.get_or_create(name="Gaza", slug="gaza")[0], Tag.objects.get(name="Gaza Strip")
    changelist = reverse("admin:taggit_tag_changelist")

    editor_client.post(changelist, {"action": "merge_selected", "_selected_action": [kept.pk, old.pk], "kept": kept.pk})

    merge, before = story.revisions.all()[:2]
    assert merge.message == "Tags merged: Gaza Strip into Gaza" and merge.user.username == "chief"
    assert sorted(before.snapshot["tags"]) == ["Aid", "Gaza Strip"]
    assert sorted(merge.snapshot["tags"]) == ["Aid", "Gaza"]


def test_merging_into_a_merged_tag_keeps_earlier_redirects_working(client):
    make_article("One", tags=["Ukraine war"])
    make_article("Two", tags=["War in Ukraine"])
    make_article("Three", tags=["Ukraine"])
    from articles.models import merge_tags

    merge_tags(Tag.objects.get(name="War in Ukraine"), list(Tag.objects.filter(name="Ukraine war")))
    merge_tags(Tag.objects.get(name="Ukraine"), list(Tag.objects.filter(name="War in Ukraine")))

    for old_slug in ("ukraine-war", "war-in-ukraine"):
        response = client.get(reverse("articles:tag", args=[old_slug]))
        assert response.status_code == 301 and response["Location"] == reverse("articles:tag", args=["ukraine"])
    assert client.get(reverse("articles:tag", args=["never-existed"])).status_code == 404


# --- queries compiled once (articles/prepared.py) --------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 16, 17, 40])
def test_the_stories_shown_are_those_live_now_however_many_are_asked_for(count):
    now = timezone.now()
    live = [make_article(f"Live {n}") for n in range(count)]
    draft = make_article("Draft", status=Article.Status.DRAFT)
    scheduled = make_article("Soon", published_at=now + timedelta(hours=1))
    gone = make_article("Gone", status=Article.Status.UNPUBLISHED)
    asked = [draft.pk, *[story.pk for story in live], scheduled.pk, gone.pk]

    rows = related.live_stories(asked, now)

    assert sorted(rows) == sorted((s.pk, s.headline, s.slug, s.published_at) for s in live)
    assert sorted(related.live_stories(asked, now + timedelta(hours=2))) == sorted(
        (s.pk, s.headline, s.slug, s.published_at) for s in [*live, scheduled]
    )


def test_a_prepared_query_answers_as_its_queryset_does():
    story = make_article("Council vote", tags=["harbour", "council"])
    make_article("Other", tags=["sport"])
    tags = PreparedQuery(lambda pk: TaggedArticle.tags_for(Article, pk).order_by("pk"))
    names = PreparedQuery(
        lambda pk, now: Article.objects.published(now).filter(pk=pk).values_list("headline"), -5, now_stand_in()
    )

    assert [tag.name for tag in tags(story.pk)] == [tag.name for tag in story.tags.order_by("pk")]
    assert isinstance(tags(story.pk), list)  # its SQL kept, not compiled again
    assert names.rows(story.pk, timezone.now()) == [("Council vote",)]
    assert names.rows(story.pk, story.published_at - timedelta(seconds=1)) == []
    # A query its stand-in does not reach cannot be prepared: it is then run as it is.
    everything = PreparedQuery(lambda pk: Tag.objects.order_by("name"))
    assert [tag.name for tag in everything(story.pk)] == ["council", "harbour", "sport"]
    assert isinstance(everything(story.pk), QuerySet)


def now_stand_in():
    return datetime(1902, 3, 4, 5, 6, 7, tzinfo=UTC)
