# Search: tag and people names stored on the story, plus each engine's index (see articles/search.py).
#
# PostgreSQL: a `search_vector` tsvector column, which the models do not declare, kept current by a
# trigger from the headline (weight A), summary and search_keywords (B) and body (C) on every insert
# and every update of those columns, whatever writes them; a GIN index on it.
# SQLite: an FTS5 table mirroring those four columns, kept in step from Python (Article.save() and
# refresh_search_index()), not by triggers: SQLite migrations that rebuild the article table would
# silently drop them.

from django.db import migrations, models

FTS_TABLE = "articles_article_fts"

POSTGRES_FORWARD = [
    "ALTER TABLE articles_article ADD COLUMN search_vector tsvector",
    """
    CREATE FUNCTION articles_article_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.search_vector :=
            setweight(to_tsvector('english'::regconfig, coalesce(NEW.headline, '')), 'A')
            || setweight(to_tsvector('english'::regconfig, coalesce(NEW.summary, '')), 'B')
            || setweight(to_tsvector('english'::regconfig, coalesce(NEW.search_keywords, '')), 'B')
            || setweight(to_tsvector('english'::regconfig, coalesce(NEW.body, '')), 'C');
        RETURN NEW;
    END
    $$
    """,
    """
    CREATE TRIGGER articles_article_search_vector
    BEFORE INSERT OR UPDATE OF headline, summary, search_keywords, body ON articles_article
    FOR EACH ROW EXECUTE FUNCTION articles_article_search_vector()
    """,
    "UPDATE articles_article SET headline = headline",
    "CREATE INDEX article_search_idx ON articles_article USING gin (search_vector)",
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER articles_article_search_vector ON articles_article",
    "DROP FUNCTION articles_article_search_vector()",
    "ALTER TABLE articles_article DROP COLUMN search_vector",
]
SQLITE_FORWARD = [
    f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(headline, summary, search_keywords, body, "
    "tokenize='porter unicode61 remove_diacritics 2')",
    f"INSERT INTO {FTS_TABLE} (rowid, headline, summary, search_keywords, body) "
    "SELECT id, headline, summary, search_keywords, body FROM articles_article",
]
SQLITE_BACKWARD = [f"DROP TABLE {FTS_TABLE}"]


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


def run(statements_by_vendor):
    def operation(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return operation


def fill_keywords(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    for article_id, keywords in keywords_by_article(apps).items():
        Article.objects.filter(pk=article_id).update(search_keywords=keywords)


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
        migrations.RunPython(fill_keywords, migrations.RunPython.noop),
        migrations.RunPython(
            run({"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD}),
            run({"postgresql": POSTGRES_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        ),
    ]
