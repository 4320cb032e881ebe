from datetime import timedelta
from pathlib import Path

import hypothesis
import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone
from hypothesis import strategies as st

from articles import formats, search
from articles.models import Article
from tests.factories import make_article, make_person

pytestmark = pytest.mark.django_db

WIRE_SAMPLE = next(
    folder / "shared" / "fixtures" / "wire" / "000_92f1b64a3400c9d2.txt"
    for folder in Path(__file__).resolve().parents
    if (folder / "shared" / "fixtures" / "wire").is_dir()
)


def results_page(client, query, **params):
    response = client.get(reverse("articles:search"), {"q": query, **params})
    assert response.status_code == 200
    return response.content.decode()


def found(client, query):
    """Headlines of the results, in rank order."""
    response = client.get(reverse("articles:search"), {"q": query})
    return [result.article.headline for result in response.context["results"] or []]


@pytest.fixture
def wire_story():
    [story] = formats.parse(WIRE_SAMPLE.read_bytes(), WIRE_SAMPLE.name)
    return make_article(story.headline, summary=story.summary, body=story.body, slug="wire-sample")


def test_search_finds_the_sample_wire_story_by_a_name_and_a_place(client, wire_story):
    make_article("Harbour wall raised", body="The council voted on Monday.")

    assert found(client, "Trufanov") == [wire_story.headline]
    assert found(client, "kremlin") == [wire_story.headline]


def test_a_headline_match_outranks_a_passing_mention(client):
    mention = make_article(
        "Council approves budget",
        body="The budget covers roads, schools and a small grant for the harbour museum.",
        published_at=timezone.now() - timedelta(minutes=5),
    )
    headline = make_article(
        "Harbour museum reopens",
        body="Visitors queued from early morning.",
        published_at=timezone.now() - timedelta(days=3),
    )

    assert found(client, "harbour museum") == [headline.headline, mention.headline]


def test_search_matches_word_forms(client):
    make_article("Ferries cancelled", body="Storms stopped every crossing.")

    assert found(client, "ferry storm") == ["Ferries cancelled"]


@pytest.mark.parametrize(
    "hidden",
    [
        {"status": Article.Status.DRAFT},
        {"status": Article.Status.IN_REVIEW},
        {"status": Article.Status.UNPUBLISHED, "published_at": timezone.now() - timedelta(days=1)},
        {"published_at": timezone.now() + timedelta(hours=2)},
    ],
    ids=["draft", "in-review", "unpublished", "scheduled"],
)
def test_search_never_returns_stories_readers_cannot_see(client, hidden):
    make_article("Zeppelin lands in harbour", **hidden)
    live = make_article("Zeppelin seen over the bay")

    page = results_page(client, "zeppelin")

    assert found(client, "zeppelin") == [live.headline]
    assert "lands in harbour" not in page


def test_search_finds_stories_by_tag_and_person_names_and_aliases(client):
    mayor = make_person("Ada Lindqvist", slug="ada-lindqvist", aliases="Lindqvist\nAda Lindkvist")
    story = make_article("Council votes on sea wall", body="The vote was close.", tags=["Flood defences"])

    assert found(client, "lindqvist") == []
    story.people.add(mayor)  # searchable at once: nothing to refresh

    assert found(client, "Lindqvist") == [story.headline]
    assert found(client, "lindkvist") == [story.headline]
    assert found(client, '"flood defences"') == [story.headline]


def test_edits_are_searchable_at_once(client):
    story = make_article("Council votes on sea wall", body="The vote was close.")

    story.headline = "Council backs observatory"
    story.save()

    assert found(client, "observatory") == [story.headline]
    assert found(client, "wall") == []


def test_editor_changes_in_the_admin_reach_search(client):
    client.force_login(User.objects.create_superuser("chief", "chief@example.com", "pw"))
    mayor = make_person("Ada Lindqvist", slug="ada-lindqvist")
    story = make_article("Council votes on sea wall", body="The vote was close.", tags=["Harbour"], people=[mayor])

    person_change = reverse("admin:articles_person_change", args=[mayor.pk])
    response = client.post(
        person_change,
        {"name": "Ada Lindgren", "slug": "ada-lindqvist", "role": "", "bio": "", "opened_version": str(mayor.version)},
    )
    assert response.status_code == 302
    tag = story.tags.get()
    tag_change = reverse("admin:taggit_tag_change", args=[tag.pk])
    assert client.post(tag_change, {"name": "Seafront", "slug": "harbour"}).status_code == 302

    assert found(client, "Lindgren") == [story.headline]
    assert found(client, "Lindqvist") == []
    assert found(client, "seafront") == [story.headline]


def test_results_highlight_matches_and_escape_the_text(client):
    make_article(
        "Harbour <b>bridge</b> closes",
        summary="Engineers found a crack & closed the bridge.",
        body='Tolls & fares < 5 while the bridge is shut, said "Ed".\n\nA <script>alert(1)</script> was found.',
    )

    page = results_page(client, "bridge")

    assert "Harbour &lt;b&gt;<mark>bridge</mark>&lt;/b&gt; closes" in page
    assert "found a crack &amp; closed the <mark>bridge</mark>." in page
    assert "Tolls &amp; fares &lt; 5 while the <mark>bridge</mark> is shut, said &quot;Ed&quot;." in page
    assert "<script>alert" not in page and "<b>bridge" not in page


def test_excerpt_shows_the_body_around_the_match(client):
    opening = " ".join(f"filler{number}" for number in range(80))
    make_article("Council meeting", body=f"{opening}\n\nThe lighthouse keeper retired after forty years.")

    response = client.get(reverse("articles:search"), {"q": "lighthouse"})
    [result] = response.context["results"]

    excerpt = "".join(fragment.text for fragment in result.excerpt)
    assert [fragment.text for fragment in result.excerpt if fragment.matched] == ["lighthouse"]
    assert "keeper retired" in excerpt and "filler0 " not in excerpt


def test_phrases_alternatives_and_exclusions(client):
    make_article("Storm closes harbour", body="The harbour wall held.")
    make_article("Harbour storm warning", body="A warning for tonight.")
    make_article("Ferry strike", body="Crews walked out.")

    assert sorted(found(client, '"storm closes"')) == ["Storm closes harbour"]
    assert sorted(found(client, "harbour -warning")) == ["Storm closes harbour"]
    assert sorted(found(client, "warning or strike")) == ["Ferry strike", "Harbour storm warning"]


def test_search_results_are_paginated_and_keep_the_query(client, settings):
    settings.ARTICLES_PER_PAGE = 2
    for number in range(5):
        make_article(f"Lighthouse story {number}", published_at=timezone.now() - timedelta(hours=number))

    first = client.get(reverse("articles:search"), {"q": "lighthouse"})
    third = client.get(reverse("articles:search"), {"q": "lighthouse", "page": 3})
    beyond = client.get(reverse("articles:search"), {"q": "lighthouse", "page": 99})

    assert [result.article.headline for result in first.context["results"]] == [
        "Lighthouse story 0",
        "Lighthouse story 1",
    ]
    assert 'href="?q=lighthouse&amp;page=2"' in first.content.decode()
    assert "5 stories found, page 1 of 3" in first.content.decode()
    assert [result.article.headline for result in third.context["results"]] == ["Lighthouse story 4"]
    assert [result.article.headline for result in beyond.context["results"]] == ["Lighthouse story 4"]


def test_no_query_shows_a_prompt_and_topics(client):
    make_article("Harbour wall raised", tags=["Harbour"])

    page = results_page(client, "")

    assert "What are you looking for?" in page
    assert f'href="{reverse("articles:tag", kwargs={"slug": "harbour"})}"' in page


def test_no_results_suggests_topics(client):
    make_article("Harbour wall raised", tags=["Harbour"])
    make_article("Secret merger", status=Article.Status.DRAFT, tags=["Secret merger"])

    page = results_page(client, "zeppelin")

    assert "No stories match “zeppelin”" in page
    assert f'href="{reverse("articles:tag", kwargs={"slug": "harbour"})}"' in page
    assert "Secret merger" not in page


def test_search_form_is_in_every_page_header(client):
    make_article("Harbour wall raised")

    page = client.get(reverse("articles:front_page")).content.decode()

    assert '<form class="site-search" role="search"' in page
    assert '<label for="site-search-q">Search</label>' in page
    assert f'action="{reverse("articles:search")}"' in page


QUERY_PIECES = ['"', "-", "or", "OR", "AND", "NOT", "NEAR", "*", ":", "(", ")", "^", "+", "_", "²", "é", "harbour"]


@pytest.fixture
def searchable_story():
    return make_article("Harbour wall raised", body="The harbour wall is higher now.")


HOSTILE_QUERIES = [
    '"',
    '""',
    "'",
    "harbour\"'",
    "AND",
    "OR",
    "NOT",
    "harbour AND OR NOT",
    "-",
    "--harbour",
    "-harbour",
    "*",
    "harbour*",
    "headline:harbour",
    ":",
    "NEAR(harbour wall)",
    "(((",
    "^harbour",
    "{harbour}",
    "harbour & | ! <-> wall",
    "' OR 1=1; DROP TABLE articles_article; --",
    "%_\\",
    "\x00harbour\x00",
    "\x02harbour\x03",
    "<script>alert(1)</script>",
    "Zürich ünïcödé Москва 東京 🌊",
    "harbour " * 500,
    "a" * 5000,
    " ",
    "or or or",
]


@pytest.mark.parametrize("query", HOSTILE_QUERIES)
def test_any_input_gives_a_page_and_never_an_error(client, query):
    make_article("Harbour wall raised", body="The harbour wall is higher now.")

    page = results_page(client, query)

    assert "<script>alert" not in page
    assert "\x00" not in page


def test_long_queries_are_cut_to_the_limit(client):
    response = client.get(reverse("articles:search"), {"q": "harbour " * 100})

    assert len(response.context["query"]) <= search.MAX_QUERY_LENGTH


def test_search_costs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    for number in range(15):
        make_article(f"Lighthouse story {number}", tags=[f"Topic {number}"], people=[make_person()])

    # Count, the ranked page and its highlights; SQLite loads the page's stories apart from their ranking.
    # (+1: the header's sections, asked once and then cached)
    with django_assert_max_num_queries(4 if connection.vendor == "postgresql" else 5):
        response = client.get(reverse("articles:search"), {"q": "lighthouse"})

    assert len(response.context["results"]) == 12


def test_empty_search_costs_one_query(client, django_assert_num_queries):
    make_article("Harbour wall raised", tags=["Harbour"])
    client.get(reverse("articles:search"))  # the header's sections are now cached

    with django_assert_num_queries(1):
        client.get(reverse("articles:search"))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the GIN index exists on PostgreSQL only")
def test_postgres_search_is_served_by_the_gin_index():
    make_article("Harbour wall raised")
    query = search.postgres_query(search.parse("harbour"))
    matches = Article.objects.alias(document=search.postgres_vector()).filter(document=query)

    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        plan = matches.explain()
        cursor.execute("RESET enable_seqscan")

    assert "article_search_idx" in plan


@pytest.mark.parametrize(
    ("text", "alternatives", "excluded"),
    [
        ("harbour wall", (("harbour", "wall"),), ()),
        ('"storm surge" ferry', (("storm surge", "ferry"),), ()),
        ("storm or flood -ferry", (("storm",), ("flood",)), ("ferry",)),
        ("covid-19 O'Neill", (("covid 19", "O Neill"),), ()),
        ('headline:harbour* NEAR(x) "unclosed', (("headline harbour", "NEAR x", "unclosed"),), ()),
        ("OR harbour OR", (("harbour",),), ()),
        ("-only -excluded", (), ("only", "excluded")),
        ("*** ::: ---", (), ()),
    ],
)
def test_parse_reads_words_phrases_alternatives_and_exclusions(text, alternatives, excluded):
    terms = search.parse(text)

    assert terms.alternatives == alternatives
    assert terms.excluded == excluded


def test_parse_cleans_control_characters_and_long_input():
    terms = search.parse("\x00harbour\x02\n\twall " + "x" * 500)

    assert terms.text.startswith("harbour wall x")
    assert len(terms.text) == search.MAX_QUERY_LENGTH


def test_fragments_split_marked_text_and_drop_stray_markers():
    marked = "Storm \x02surge\x03 floods \x02quay\x03 street\x02"

    assert search.fragments(marked) == (
        search.Fragment("Storm ", False),
        search.Fragment("surge", True),
        search.Fragment(" floods ", False),
        search.Fragment("quay", True),
        search.Fragment(" street", False),
    )


@pytest.mark.django_db(transaction=True)
def test_search_migration_indexes_stories_that_already_exist():
    executor = MigrationExecutor(connection)
    executor.migrate([("articles", "0001_initial")])
    old_apps = executor.loader.project_state([("articles", "0001_initial")]).apps
    OldArticle = old_apps.get_model("articles", "Article")
    OldPerson = old_apps.get_model("articles", "Person")
    OldTag = old_apps.get_model("taggit", "Tag")
    story = OldArticle.objects.create(
        headline="Council votes on sea wall",
        slug="sea-wall",
        body="The vote was close.",
        status="published",
        published_at=timezone.now() - timedelta(hours=1),
    )
    story.people.add(OldPerson.objects.create(name="Ada Lindqvist", slug="ada", aliases="Lindkvist"))
    old_apps.get_model("articles", "TaggedArticle").objects.create(
        content_object=story, tag=OldTag.objects.create(name="Flood defences", slug="flood-defences")
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    def headlines(text):
        return [article.headline for article in search.matching_articles(search.parse(text))]

    assert headlines("sea wall") == ["Council votes on sea wall"]
    assert headlines("lindkvist") == ["Council votes on sea wall"]
    assert headlines("flood defences") == ["Council votes on sea wall"]


@hypothesis.settings(
    max_examples=300, deadline=None, suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture]
)
@hypothesis.given(text=st.text(max_size=80) | st.lists(st.sampled_from(QUERY_PIECES)).map(" ".join))
def test_no_text_makes_the_search_engine_fail(searchable_story, text):
    terms = search.parse(text)

    if terms:
        matches = search.matching_articles(terms)
        assert matches.count() == len(list(matches[:5])) <= 1
        search.highlighted(matches[:5], terms)


def test_excerpt_is_left_out_when_it_only_repeats_the_summary(client):
    lede = "The lighthouse keeper retired on Friday after forty years on the headland above the harbour."
    make_article("Keeper retires", summary=lede, body=f"{lede}\n\nHe will stay in the village.")

    [result] = client.get(reverse("articles:search"), {"q": "lighthouse"}).context["results"]

    assert result.excerpt == ()
    assert [fragment.text for fragment in result.summary if fragment.matched] == ["lighthouse"]


def test_repeats_compares_text_not_markup():
    def pieces(*texts):
        return tuple(search.Fragment(text, matched=index % 2 == 1) for index, text in enumerate(texts))

    summary = pieces("The ", "harbour", " wall failed before dawn.")
    assert search.repeats(pieces("…the ", "harbour", " wall failed before dawn…"), summary)
    assert not search.repeats(pieces("…crews worked through the night at the ", "harbour", "…"), summary)
    assert not search.repeats((), summary)
