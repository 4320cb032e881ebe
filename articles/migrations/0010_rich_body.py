# Story bodies become sanitised HTML (articles/body.py): each plain paragraph one escaped <p>, and a
# derived `body_text` column, the body's readable text, which search indexes instead of the markup.
#
# Reversible for stories whose body is only paragraphs; reversing refuses, naming them, if any story
# uses more (subheads, lists, quotes, pictures, embeds), since plain text cannot hold those.

from django.db import migrations, models
from django.db.migrations.exceptions import IrreversibleError

from articles import body

FTS_TABLE = "articles_article_fts"
BATCH = 500


def search_trigger(text_column):
    return [
        "DROP TRIGGER IF EXISTS articles_article_search_vector ON articles_article",
        f"""
        CREATE OR REPLACE FUNCTION articles_article_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.search_vector :=
                setweight(to_tsvector('english'::regconfig, coalesce(NEW.headline, '')), 'A')
                || setweight(to_tsvector('english'::regconfig, coalesce(NEW.summary, '')), 'B')
                || setweight(to_tsvector('english'::regconfig, coalesce(NEW.search_keywords, '')), 'B')
                || setweight(to_tsvector('english'::regconfig, coalesce(NEW.{text_column}, '')), 'C');
            RETURN NEW;
        END
        $$
        """,
        f"""
        CREATE TRIGGER articles_article_search_vector
        BEFORE INSERT OR UPDATE OF headline, summary, search_keywords, {text_column} ON articles_article
        FOR EACH ROW EXECUTE FUNCTION articles_article_search_vector()
        """,
    ]


def convert(apps, to_body, to_text):
    Article = apps.get_model("articles", "Article")
    changed = []
    for article in Article.objects.only("pk", "body").iterator(chunk_size=BATCH):
        article.body = to_body(article.body)
        article.body_text = to_text(article.body)
        changed.append(article)
        if len(changed) >= BATCH:
            Article.objects.bulk_update(changed, ["body", "body_text"])
            changed = []
    Article.objects.bulk_update(changed, ["body", "body_text"])


def mirror_for_search(schema_editor, text_column):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("UPDATE articles_article SET headline = headline")
    elif schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"DELETE FROM {FTS_TABLE}")
        schema_editor.execute(
            f"INSERT INTO {FTS_TABLE} (rowid, headline, summary, search_keywords, body) "
            f"SELECT id, headline, summary, search_keywords, {text_column} FROM articles_article"
        )


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in search_trigger("body_text"):
            schema_editor.execute(statement)
    convert(apps, body.from_plain_text, body.to_text)
    mirror_for_search(schema_editor, "body_text")


def backward(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    rich = [
        f"{article.pk} ({article.slug})"
        for article in Article.objects.only("pk", "slug", "body").iterator(chunk_size=BATCH)
        if not body.is_paragraphs_only(article.body)
    ]
    if rich:
        raise IrreversibleError(
            "These stories use more than plain paragraphs, which a plain-text body cannot hold: "
            + ", ".join(rich[:50])
            + (f" and {len(rich) - 50} more" if len(rich) > 50 else "")
        )
    if schema_editor.connection.vendor == "postgresql":
        for statement in search_trigger("body"):
            schema_editor.execute(statement)
    convert(apps, body.to_plain_text, lambda plain: "")
    mirror_for_search(schema_editor, "body")


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0009_agency_items"),
    ]

    operations = [
        migrations.AddField(
            model_name="article",
            name="body_text",
            field=models.TextField(
                blank=True,
                editable=False,
                help_text="The body's readable text (paragraphs, subheads, quotes, captions), derived on save.",
            ),
        ),
        migrations.AlterField(
            model_name="article",
            name="body",
            field=models.TextField(
                help_text="Paragraphs, subheads, links, quotes, lists, pictures and embeds; stored as sanitised HTML."
            ),
        ),
        migrations.RunPython(forward, backward),
    ]
