# Search: tag and people names stored on the story, plus the engine's index.
# PostgreSQL gets a GIN index on the weighted tsvector that articles/search.py queries
# (the expression below must stay identical to search.postgres_vector()); SQLite gets an
# FTS5 table mirroring the four searched columns, kept in step from Python (no triggers:
# SQLite migrations that rebuild the article table would silently drop them).

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations, models

FTS_TABLE = "articles_article_fts"
INDEX_NAME = "article_search_idx"


def search_index(config="english"):
    return GinIndex(
        SearchVector("headline", config=config, weight="A")
        + SearchVector("summary", config=config, weight="B")
        + SearchVector("search_keywords", config=config, weight="B")
        + SearchVector("body", config=config, weight="C"),
        name=INDEX_NAME,
    )


def keywords_by_article(apps):
    Article = apps.get_model("articles", "Article")
    TaggedArticle = apps.get_model("articles", "TaggedArticle")
    names = {}
    for article_id, tag_name in TaggedArticle.objects.values_list("content_object_id", "tag__name"):
        names.setdefault(article_id, []).append(tag_name)
    people = Article.people.through.objects.values_list("article_id", "person__name", "person__aliases")
    for article_id, name, aliases in people:
        names.setdefault(article_id, []).append(name)
        names[article_id].extend(line.strip() for line in aliases.splitlines() if line.strip())
    return {article_id: "\n".join(found) for article_id, found in names.items()}


def create_search_index(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    for article_id, keywords in keywords_by_article(apps).items():
        Article.objects.filter(pk=article_id).update(search_keywords=keywords)
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.add_index(Article, search_index())
    elif vendor == "sqlite":
        schema_editor.execute(
            f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(headline, summary, search_keywords, body, "
            "tokenize='porter unicode61 remove_diacritics 2')"
        )
        schema_editor.execute(
            f"INSERT INTO {FTS_TABLE} (rowid, headline, summary, search_keywords, body) "
            f"SELECT id, headline, summary, search_keywords, body FROM {Article._meta.db_table}"
        )


def drop_search_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("articles", "Article"), search_index())
    elif vendor == "sqlite":
        schema_editor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='article',
            name='search_keywords',
            field=models.TextField(blank=True, editable=False, help_text='Tag and people names, copied here so search can weigh and index them.'),
        ),
        migrations.RunPython(create_search_index, drop_search_index),
    ]
