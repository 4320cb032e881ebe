"""Rich story bodies as readers, editors, importers and search see them: every write path sanitises,
the stored text follows the body, and every reader of the body (page, search, feeds, JSON-LD) works."""

import importlib
import io
import json

import feedparser
import hypothesis
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.exceptions import IrreversibleError
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone
from hypothesis import strategies as st

from articles import body, search
from articles.formats import headline_key
from articles.models import Article
from tests.factories import admin_article_data, make_article, make_staff

pytestmark = pytest.mark.django_db

HOSTILE = (
    '<p onclick="steal()">Lede <a href="javascript:alert(1)">bad link</a> and <a href="https://example.com/x">'
    'a good one</a>.</p><script>alert(1)</script><iframe src="https://evil.example/"></iframe>'
    '<h2 style="color:red">Subhead</h2><img src=x onerror=alert(1)>'
)
RICH = (
    '<p>The wall failed, <a href="/news/">see coverage</a>, says the <strong>report</strong>.</p>'
    "<h2>Aftermath in Quillhaven</h2>"
    "<blockquote><p>It buys time.</p><cite>Dr. Ines Varga</cite></blockquote>"
    "<ul><li>Raise the wall</li><li>Build a barrier</li></ul>"
    "<blockquote class='pull-quote'><p>Not safety.</p></blockquote>"
    "<aside class='fact-box'><h3>Numbers</h3><ul><li>1.8 km</li></ul></aside>"
    "<figure class='embed'><a href='https://www.youtube.com/watch?v=abc123'>Wave tank footage</a>"
    "<figcaption>The model overtopped</figcaption></figure>"
    "<figure class='embed'><a href='https://bsky.app/profile/lab.example/post/3k'>Lab thread</a></figure>"
)


def assert_clean(markup):
    lowered = markup.lower()
    for dangerous in ("<script", "javascript:", "onclick", "onerror", "<iframe", "<img", "style="):
        assert dangerous not in lowered, markup


def assert_text_follows_body():
    """The invariant: every story's stored text is what its body says, as a from-scratch rebuild would make it."""
    for stored_body, stored_text in Article.objects.values_list("body", "body_text"):
        assert stored_text == body.to_text(stored_body)
        assert body.sanitise(stored_body) == stored_body


def test_every_orm_write_path_stores_a_sanitised_body_and_its_text():
    saved = make_article("Saved", body=HOSTILE)
    assert_clean(saved.body)
    assert "a good one" in saved.body and "Subhead" in saved.body_text

    updated = make_article("Updated")
    Article.objects.filter(pk=updated.pk).update(body=HOSTILE)
    bulk = Article.objects.bulk_create([Article(headline="Bulk", slug="bulk", body=HOSTILE)])[0]
    bulk_updated = make_article("Bulk updated")
    bulk_updated.body = HOSTILE
    Article.objects.bulk_update([bulk_updated], ["body"])
    partial = make_article("Partial")
    partial.body = HOSTILE
    partial.save(update_fields=["body"])

    for article in Article.objects.filter(pk__in=[updated.pk, bulk.pk, bulk_updated.pk, partial.pk]):
        assert_clean(article.body)
        assert "Subhead" in article.body_text and "steal" not in article.body_text
    assert_text_follows_body()


def test_a_plain_text_body_becomes_escaped_paragraphs():
    story = make_article("Plain", body="Tom & Jerry <3 cheese.\n\nSecond <script> paragraph.")
    assert story.body == "<p>Tom &amp; Jerry &lt;3 cheese.</p>\n<p>Second &lt;script&gt; paragraph.</p>"
    assert story.paragraphs == ["Tom & Jerry <3 cheese.", "Second <script> paragraph."]


@hypothesis.settings(max_examples=25, deadline=None, suppress_health_check=[hypothesis.HealthCheck.too_slow])
@hypothesis.given(
    writes=st.lists(
        st.tuples(
            st.sampled_from(["save", "update", "update_fields", "bulk_update"]),
            st.sampled_from([HOSTILE, RICH, "Plain one.\n\nPlain two.", "<p>x</p><h3>y</h3>", ""]),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_stored_text_equals_a_rebuild_after_any_sequence_of_writes(writes):
    stories = [make_article(f"Story {number}") for number in range(2)]
    for index, (how, markup) in enumerate(writes):
        story = Article.objects.get(pk=stories[index % 2].pk)
        story.body = markup
        if how == "save":
            story.save()
        elif how == "update_fields":
            story.save(update_fields=["body"])
        elif how == "bulk_update":
            Article.objects.bulk_update([story], ["body"])
        else:
            Article.objects.filter(pk=story.pk).update(body=markup)
    assert_text_follows_body()
    stored = dict(Article.objects.values_list("pk", "body_text"))
    # Raw SQL skips the ORM's upkeep: the repair command finds and puts right what it left.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE articles_article SET body_text = 'stale'")
    with pytest.raises(CommandError, match="drifted"):
        call_command("rebuild_indexes", "--check", stdout=io.StringIO())
    call_command("rebuild_indexes", stdout=io.StringIO())
    assert dict(Article.objects.values_list("pk", "body_text")) == stored
    with connection.cursor() as cursor:
        cursor.execute(
            """UPDATE articles_article SET body = body || '<p onclick="x()">Injected<script>x()</script></p>'"""
        )
    call_command("rebuild_indexes", stdout=io.StringIO())
    for story in Article.objects.all():
        assert_clean(story.body)
        assert story.body_text.endswith("Injected")
    assert_text_follows_body()
    Article.objects.all().delete()


def test_the_admin_stores_what_the_editor_wrote_sanitised(client):
    editor = make_staff("edna", role="editor")
    client.force_login(editor)
    story = make_article("Harbour bridge reopens")
    data = admin_article_data(story, body=HOSTILE + RICH)
    response = client.post(reverse("admin:articles_article_change", args=[story.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    story.refresh_from_db()
    assert_clean(story.body)
    assert "<h2>Aftermath in Quillhaven</h2>" in story.body and 'class="pull-quote"' in story.body


def test_imports_sanitise_markup_and_escape_plain_text(tmp_path):
    fixture = tmp_path / "stories.json"
    fixture.write_text(
        json.dumps(
            [
                {"headline": "Rich import", "slug": "rich-import", "body_html": HOSTILE + RICH},
                {"headline": "Plain import", "slug": "plain-import", "body": ["A <b>literal</b> tag.", "Second."]},
            ]
        )
    )
    call_command("import_articles", str(fixture), stdout=io.StringIO())
    rich = Article.objects.get(slug="rich-import")
    assert_clean(rich.body)
    assert "<h2>Aftermath in Quillhaven</h2>" in rich.body
    plain = Article.objects.get(slug="plain-import")
    assert plain.body == "<p>A &lt;b&gt;literal&lt;/b&gt; tag.</p>\n<p>Second.</p>"
    assert plain.paragraphs == ["A <b>literal</b> tag.", "Second."]


def test_the_article_page_shows_every_kind_of_block_and_asks_nothing_of_third_parties(client):
    story = make_article("Seawall study", body=RICH, dateline="PORT ALDER")
    page = client.get(story.get_absolute_url()).content.decode()
    body_html = page.split('class="story__body"', 1)[1].split("</div>", 1)[0]

    assert '<p><span class="story__dateline">PORT ALDER —</span> The wall failed' in body_html
    assert '<a href="/news/" rel="noopener">see coverage</a>' in body_html
    assert "<h2>Aftermath in Quillhaven</h2>" in body_html
    assert "<blockquote><p>It buys time.</p><cite>Dr. Ines Varga</cite></blockquote>" in body_html
    assert "<ul><li>Raise the wall</li><li>Build a barrier</li></ul>" in body_html
    assert '<blockquote class="pull-quote"><p>Not safety.</p></blockquote>' in body_html
    assert '<aside class="fact-box"><h3>Numbers</h3>' in body_html
    assert "Video on YouTube" in body_html and "Wave tank footage" in body_html
    assert "Opens www.youtube.com; nothing from there loads on this page." in body_html
    assert "Post on Bluesky" in body_html
    assert "<figcaption>The model overtopped</figcaption>" in body_html
    # The cards link out; nothing on the page is fetched from the embeds' hosts.
    for host in ("youtube.com", "bsky.app"):
        assert f'src="https://www.{host}' not in page and f"src='https://{host}" not in page
    assert "<iframe" not in page and '<script src="http' not in page


def test_search_finds_a_word_that_appears_only_in_a_subhead(client):
    make_article("Seawall study", body=RICH)
    make_article("Other story", body="Nothing about it here.")
    found = [article.headline for article in search.matching_articles(search.parse("Quillhaven"))]
    assert found == ["Seawall study"]
    # Markup is not text: a tag name or an address is not a search word.
    assert list(search.matching_articles(search.parse("blockquote"))) == []
    assert list(search.matching_articles(search.parse("abc123"))) == []


def test_json_ld_article_body_is_the_text(client):
    story = make_article("Seawall study", body=RICH)
    page = client.get(story.get_absolute_url()).content.decode()
    data = json.loads(page.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0])
    news = next(item for item in (data if isinstance(data, list) else [data]) if item["@type"] == "NewsArticle")
    assert news["articleBody"] == story.body_text
    assert "Aftermath in Quillhaven" in news["articleBody"] and "<" not in news["articleBody"]
    assert news["wordCount"] == len(story.body_text.split())


@pytest.mark.parametrize("name", ["articles:latest_feed", "articles:latest_atom_feed"])
def test_feeds_carry_the_body_sanitised_with_absolute_addresses(client, name):
    make_article("Seawall study", body=HOSTILE + RICH)
    response = client.get(reverse(name))
    parsed = feedparser.parse(response.content)
    content = parsed.entries[0].content[0].value
    assert_clean(content)
    assert '<a href="http://testserver/news/" rel="noopener">see coverage</a>' in content
    assert '<a href="https://www.youtube.com/watch?v=abc123">Wave tank footage</a>' in content
    assert "<h2>Aftermath in Quillhaven</h2>" in content
    assert 'href="/' not in content


def test_reading_time_counts_words_of_the_text_not_the_markup():
    words = " ".join(["word"] * 460)
    story = make_article("Long", body=f'<p><a href="https://example.com/a/very/long/address">{words}</a></p>')
    assert story.reading_minutes == 2 and story.word_count == 460


def _migration():
    return importlib.import_module("articles.migrations.0016_rich_body")


class _SchemaEditor:
    """What the migration's RunPython functions use of a schema editor, inside the test's transaction
    (SQLite's real one cannot open there)."""

    connection = connection

    def execute(self, sql):
        with connection.cursor() as cursor:
            cursor.execute(sql)


def _historical_apps():
    executor = MigrationExecutor(connection)
    return executor.loader.project_state(("articles", "0016_rich_body")).apps


def test_the_migration_turns_plain_bodies_into_paragraphs_and_back():
    first = make_article("One")
    second = make_article("Two")
    plain = {
        first.pk: "First paragraph & more.\n\nSecond <b>paragraph</b>.\nWith a line break.",
        second.pk: "Only one.",
    }
    apps = _historical_apps()
    HistoricalArticle = apps.get_model("articles", "Article")
    for pk, text in plain.items():
        HistoricalArticle.objects.filter(pk=pk).update(body=text, body_text="")

    migration = _migration()
    migration.to_html(apps, _SchemaEditor())
    migration.rebuild_search(apps, _SchemaEditor())
    converted = dict(Article.objects.values_list("pk", "body"))
    assert converted[first.pk] == (
        "<p>First paragraph &amp; more.</p>\n<p>Second &lt;b&gt;paragraph&lt;/b&gt;.<br>With a line break.</p>"
    )
    assert Article.objects.get(pk=first.pk).paragraphs == [
        "First paragraph & more.",
        "Second <b>paragraph</b>.\nWith a line break.",
    ]
    assert_text_follows_body()
    assert [a.headline for a in search.matching_articles(search.parse("break"))] == ["One"]

    migration.to_plain_text(apps, _SchemaEditor())
    assert dict(HistoricalArticle.objects.values_list("pk", "body")) == plain


def test_the_migration_refuses_to_reverse_stories_that_use_more_than_paragraphs():
    make_article("Rich", slug="rich-story", body=RICH)
    make_article("Plain")
    apps = _historical_apps()
    with pytest.raises(IrreversibleError, match="rich-story"):
        _migration().to_plain_text(apps, _SchemaEditor())
    assert 'class="pull-quote"' in Article.objects.get(slug="rich-story").body


@pytest.mark.django_db(transaction=True)
def test_the_rich_body_migration_round_trip_keeps_bodies_and_search():
    executor = MigrationExecutor(connection)
    executor.migrate([("articles", "0015_import_identity")])
    old_apps = executor.loader.project_state([("articles", "0015_import_identity")]).apps
    plain = "The sea wall held & the quay flooded.\n\nA second <paragraph>."
    old_apps.get_model("articles", "Article").objects.create(
        headline="Quay floods",
        headline_key=headline_key("Quay floods"),
        slug="quay-floods",
        body=plain,
        status="published",
        published_at=timezone.now(),
    )

    def headlines(text):
        return [article.headline for article in search.matching_articles(search.parse(text))]

    def indexed(word):
        # Read from the search index itself: today's model has columns an older schema lacks.
        if connection.vendor == "postgresql":
            sql = "SELECT slug FROM articles_article WHERE search_vector @@ plainto_tsquery('english', %s)"
        else:
            sql = (
                "SELECT a.slug FROM articles_article_fts f JOIN articles_article a ON a.id = f.rowid"
                " WHERE articles_article_fts MATCH %s"
            )
        with connection.cursor() as cursor:
            cursor.execute(sql, [word])
            return [slug for (slug,) in cursor.fetchall()]

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    story = Article.objects.get(slug="quay-floods")
    assert story.body == "<p>The sea wall held &amp; the quay flooded.</p>\n<p>A second &lt;paragraph&gt;.</p>"
    assert story.body_text == "The sea wall held & the quay flooded.\n\nA second <paragraph>."
    assert headlines("held") == ["Quay floods"]
    call_command("rebuild_indexes", "--check", stdout=io.StringIO())

    executor = MigrationExecutor(connection)
    executor.migrate([("articles", "0015_import_identity")])
    old_apps = executor.loader.project_state([("articles", "0015_import_identity")]).apps
    assert old_apps.get_model("articles", "Article").objects.get(slug="quay-floods").body == plain
    assert indexed("held") == ["quay-floods"]

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
