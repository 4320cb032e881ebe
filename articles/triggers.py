"""Derived data the database keeps itself, with triggers, on SQLite and PostgreSQL alike.

Why triggers for these: each is a function of rows in our own tables, and a trigger runs for every write
whatever makes it — `save()`, `QuerySet.update()`, bulk operations, cascades, a taggit manager, raw SQL, a
restored backup's replay. An ORM signal would miss `update()`, bulk writes and raw SQL.

- **Related-stories index**: `articles_taggedarticle.published_at` is its story's `published_at` while the
  story's status is *published*, else NULL (`RELATED_TIME`). Set when a tag row is inserted or moved to
  another story, and on every tag row of a story whose status or time changes. A write of the column itself is
  put right again, so a stale model instance saved back cannot break it.
- **Per-tag published counts**: `articles_tagusage.published_stories` counts the tag rows that have a time;
  it moves by one whenever a row gains or loses its time, changes tag (a tag merge) or goes away.
- **Search keywords**: `articles_article.search_keywords` holds the names of the story's tags and of its
  people with their other spellings (`keywords_sql`). Rewritten when a tag or person is linked or unlinked, a
  tag renamed, a person renamed or given other aliases, and when anything writes the column itself.
  Refreshing them (and so the story's search document) once per link row costs more than the rest of
  importing a story, so a write that links many tags and people to new stories wraps the links in
  `keywords_deferred()`: inside its transaction the triggers leave those stories to it, and it refreshes
  each once at the end (a `DEFERRED` row lives only inside that transaction; one left over is drift).
- **Search documents**: which article columns are searched, and how strongly, is `SEARCH_DOCUMENT`: the one
  place to change when search should read another column. PostgreSQL's `search_vector` (migration 0002's
  column) and SQLite's FTS5 mirror (`articles_article_fts`) are both built from it by `install()`. To change
  it, append a document to `SEARCH_DOCUMENTS` and add a migration that runs `install()` and `rebuild()` once
  its columns exist. Earlier migrations still run on a fresh database before those columns do, so every
  function here that meets a real database uses the newest document whose columns the table has
  (`document_for`): the migration history installs each document in its turn.

SQLite drops a table's triggers when a migration rebuilds the table (Django does that for most column
changes there), so `ensure_installed()` runs after every `migrate` (articles/apps.py, post_migrate): it puts
back anything missing or outdated and then rebuilds all derived data, which may have drifted meanwhile.
`articles/derived.py` checks and rebuilds everything derived, these structures included.

Table and column names are written out (not read from the models) because migrations run this code
against whatever state the schema is in; they are the names the models have had since 0001.
"""

from contextlib import contextmanager
from dataclasses import dataclass

from django.db import transaction

# The migration that first installs them.
MIGRATION = "0010_derived_data_triggers"

ARTICLE = "articles_article"
TAGGED = "articles_taggedarticle"
USAGE = "articles_tagusage"
TAG = "taggit_tag"
PERSON = "articles_person"
MENTIONS = "articles_article_people"
FTS_TABLE = "articles_article_fts"
DEFERRED = "articles_deferredkeywords"  # migration 0023: stories whose keywords a transaction refreshes itself


@dataclass(frozen=True)
class SearchColumn:
    name: str  # the article column
    postgres_weight: str  # setweight() class, A strongest
    fts_weight: float  # bm25 weight of the FTS5 column


# The searched parts of a story, strongest first, oldest document first. Everything that builds or reads a
# search index follows the last one.
SEARCH_DOCUMENTS = (
    # Migration 0010: the plain-text body.
    (
        SearchColumn("headline", "A", 10.0),
        SearchColumn("summary", "B", 4.0),
        SearchColumn("search_keywords", "B", 4.0),
        SearchColumn("body", "C", 1.0),
    ),
    # Migration 0016: the body is HTML (articles/body.py); its readable text is searched, never its markup.
    (
        SearchColumn("headline", "A", 10.0),
        SearchColumn("summary", "B", 4.0),
        SearchColumn("search_keywords", "B", 4.0),
        SearchColumn("body_text", "C", 1.0),
    ),
)
SEARCH_DOCUMENT = SEARCH_DOCUMENTS[-1]
SEARCH_COLUMNS = tuple(column.name for column in SEARCH_DOCUMENT)
POSTGRES_CONFIG = "english"
FTS_TOKENIZER = "porter unicode61 remove_diacritics 2"


def related_time(article):
    """The index time of a story's tag rows, `article` being the SQL name of its row."""
    return f"CASE WHEN {article}.status = 'published' THEN {article}.published_at END"


def keywords_sql(article_id, vendor):
    """SQL for the keywords of the story whose id is the SQL expression `article_id`.

    Tag names, then each person's name followed by their aliases (one per line), each group in name order.
    """
    parts = (
        f"SELECT 0 AS part, t.name AS word FROM {TAGGED} ta JOIN {TAG} t ON t.id = ta.tag_id"
        f" WHERE ta.content_object_id = {article_id}"
        " UNION ALL "
        f"SELECT 1, p.name || CASE WHEN p.aliases <> '' THEN char(10) || p.aliases ELSE '' END"
        f" FROM {MENTIONS} ap JOIN {PERSON} p ON p.id = ap.person_id WHERE ap.article_id = {article_id}"
    )
    if vendor == "postgresql":
        parts = parts.replace("char(10)", "chr(10)")
        return f"(SELECT coalesce(string_agg(word, chr(10) ORDER BY part, word), '') FROM ({parts}) AS words)"
    # SQLite before 3.44 has no ORDER BY inside group_concat; it follows the order of an ordered subquery.
    return f"(SELECT coalesce(group_concat(word, char(10)), '') FROM ({parts} ORDER BY part, word))"


def document_for(connection):
    """The newest search document whose columns the articles table has (see the module's docstring)."""
    with connection.cursor() as cursor:
        present = {column.name for column in connection.introspection.get_table_description(cursor, ARTICLE)}
    return next(document for document in reversed(SEARCH_DOCUMENTS) if {c.name for c in document} <= present)


def can_defer(connection):
    """Whether the schema has the `DEFERRED` table (migration 0023), which the keyword triggers then consult."""
    with connection.cursor() as cursor:
        return DEFERRED in connection.introspection.table_names(cursor)


def _columns(document):
    return tuple(column.name for column in document)


def search_vector_sql(row, document=SEARCH_DOCUMENT):
    """PostgreSQL's weighted document of the article row `row` (NEW in the trigger, the table in a check)."""
    return " || ".join(
        f"setweight(to_tsvector('{POSTGRES_CONFIG}'::regconfig, coalesce({row}.{column.name}, '')), "
        f"'{column.postgres_weight}')"
        for column in document
    )


# --- SQLite ---------------------------------------------------------------------------------------------------


def _not_deferred(article_id, deferrable):
    """SQL that is true unless the story's keywords are left to the transaction writing its links."""
    if not deferrable:
        return "TRUE"
    return f"NOT EXISTS (SELECT 1 FROM {DEFERRED} WHERE article_id = {article_id})"


def _sqlite_refresh_keywords(article_id, deferrable):
    current = keywords_sql(article_id, "sqlite")
    return (
        f"UPDATE {ARTICLE} SET search_keywords = {current}"
        f" WHERE id = {article_id} AND {_not_deferred(article_id, deferrable)} AND search_keywords IS NOT {current};"
    )


def _sqlite_count(tag_id, delta):
    if delta > 0:
        return (
            f"INSERT INTO {USAGE} (tag_id, published_stories) VALUES ({tag_id}, 1)"
            f" ON CONFLICT (tag_id) DO UPDATE SET published_stories = published_stories + 1;"
        )
    return f"UPDATE {USAGE} SET published_stories = max(published_stories - 1, 0) WHERE tag_id = {tag_id};"


def _sqlite_fts_insert(row, names):
    columns = ", ".join(names)
    values = ", ".join(f"{row}.{name}" for name in names)
    return f"INSERT INTO {FTS_TABLE} (rowid, {columns}) VALUES ({row}.id, {values});"


def _sqlite_row_time(row_id):
    indexed = (
        f"(SELECT {related_time('a')} FROM {ARTICLE} a WHERE a.id = "
        f"(SELECT content_object_id FROM {TAGGED} WHERE id = {row_id}))"
    )
    return f"UPDATE {TAGGED} SET published_at = {indexed} WHERE id = {row_id} AND published_at IS NOT {indexed};"


def sqlite_triggers(document=SEARCH_DOCUMENT, deferrable=True):
    """{name: CREATE TRIGGER statement}. SQLite triggers cannot change NEW, so they all run AFTER the write.

    A trigger's own UPDATE does not fire that same trigger again (recursive_triggers is off), but does fire
    the others on its table: the row-time fix-up below fires the count trigger, for instance. `deferrable`:
    whether the schema has the `DEFERRED` table yet (see `document_for` for why that varies).
    """
    names = _columns(document)

    def refresh(article_id):
        return _sqlite_refresh_keywords(article_id, deferrable)

    changed_document = " OR ".join(f"NEW.{name} IS NOT OLD.{name}" for name in names)
    return {
        # Related-stories index and counts.
        "articles_related_story_moved": f"""
            CREATE TRIGGER articles_related_story_moved AFTER UPDATE OF status, published_at ON {ARTICLE}
            BEGIN
                UPDATE {TAGGED} SET published_at = {related_time("NEW")}
                WHERE content_object_id = NEW.id AND published_at IS NOT {related_time("NEW")};
            END""",
        "articles_related_row_added": f"""
            CREATE TRIGGER articles_related_row_added AFTER INSERT ON {TAGGED}
            BEGIN
                {_sqlite_row_time("NEW.id")}
            END""",
        "articles_related_row_changed": f"""
            CREATE TRIGGER articles_related_row_changed AFTER UPDATE OF content_object_id, published_at ON {TAGGED}
            BEGIN
                {_sqlite_row_time("NEW.id")}
            END""",
        "articles_tag_count_added": f"""
            CREATE TRIGGER articles_tag_count_added AFTER INSERT ON {TAGGED}
            WHEN NEW.published_at IS NOT NULL
            BEGIN
                {_sqlite_count("NEW.tag_id", +1)}
            END""",
        "articles_tag_count_changed": f"""
            CREATE TRIGGER articles_tag_count_changed AFTER UPDATE OF tag_id, published_at ON {TAGGED}
            WHEN NEW.tag_id IS NOT OLD.tag_id OR (NEW.published_at IS NULL) <> (OLD.published_at IS NULL)
            BEGIN
                UPDATE {USAGE} SET published_stories = max(published_stories - 1, 0)
                    WHERE tag_id = OLD.tag_id AND OLD.published_at IS NOT NULL;
                INSERT INTO {USAGE} (tag_id, published_stories)
                    SELECT NEW.tag_id, 1 WHERE NEW.published_at IS NOT NULL
                    ON CONFLICT (tag_id) DO UPDATE SET published_stories = published_stories + 1;
            END""",
        "articles_tag_count_removed": f"""
            CREATE TRIGGER articles_tag_count_removed AFTER DELETE ON {TAGGED}
            WHEN OLD.published_at IS NOT NULL
            BEGIN
                {_sqlite_count("OLD.tag_id", -1)}
            END""",
        # Search keywords.
        "articles_keywords_tag_linked": f"""
            CREATE TRIGGER articles_keywords_tag_linked AFTER INSERT ON {TAGGED}
            WHEN {_not_deferred("NEW.content_object_id", deferrable)}
            BEGIN
                {refresh("NEW.content_object_id")}
            END""",
        "articles_keywords_tag_unlinked": f"""
            CREATE TRIGGER articles_keywords_tag_unlinked AFTER DELETE ON {TAGGED}
            BEGIN
                {refresh("OLD.content_object_id")}
            END""",
        "articles_keywords_tag_relinked": f"""
            CREATE TRIGGER articles_keywords_tag_relinked AFTER UPDATE OF tag_id, content_object_id ON {TAGGED}
            BEGIN
                {refresh("OLD.content_object_id")}
                {refresh("NEW.content_object_id")}
            END""",
        "articles_keywords_tag_renamed": f"""
            CREATE TRIGGER articles_keywords_tag_renamed AFTER UPDATE OF name ON {TAG}
            WHEN NEW.name IS NOT OLD.name
            BEGIN
                UPDATE {ARTICLE} SET search_keywords = {keywords_sql(f"{ARTICLE}.id", "sqlite")}
                WHERE id IN (SELECT content_object_id FROM {TAGGED} WHERE tag_id = NEW.id);
            END""",
        "articles_keywords_person_linked": f"""
            CREATE TRIGGER articles_keywords_person_linked AFTER INSERT ON {MENTIONS}
            WHEN {_not_deferred("NEW.article_id", deferrable)}
            BEGIN
                {refresh("NEW.article_id")}
            END""",
        "articles_keywords_person_unlinked": f"""
            CREATE TRIGGER articles_keywords_person_unlinked AFTER DELETE ON {MENTIONS}
            BEGIN
                {refresh("OLD.article_id")}
            END""",
        "articles_keywords_person_relinked": f"""
            CREATE TRIGGER articles_keywords_person_relinked AFTER UPDATE OF article_id, person_id ON {MENTIONS}
            BEGIN
                {refresh("OLD.article_id")}
                {refresh("NEW.article_id")}
            END""",
        "articles_keywords_person_renamed": f"""
            CREATE TRIGGER articles_keywords_person_renamed AFTER UPDATE OF name, aliases ON {PERSON}
            WHEN NEW.name IS NOT OLD.name OR NEW.aliases IS NOT OLD.aliases
            BEGIN
                UPDATE {ARTICLE} SET search_keywords = {keywords_sql(f"{ARTICLE}.id", "sqlite")}
                WHERE id IN (SELECT article_id FROM {MENTIONS} WHERE person_id = NEW.id);
            END""",
        # A story saved from an instance loaded before its tags changed writes old keywords back: redo them.
        "articles_keywords_written": f"""
            CREATE TRIGGER articles_keywords_written AFTER UPDATE OF search_keywords ON {ARTICLE}
            BEGIN
                {refresh("NEW.id")}
            END""",
        "articles_keywords_story_added": f"""
            CREATE TRIGGER articles_keywords_story_added AFTER INSERT ON {ARTICLE}
            WHEN NEW.search_keywords <> ''
            BEGIN
                {refresh("NEW.id")}
            END""",
        # The FTS5 mirror of the searched columns.
        "articles_fts_story_added": f"""
            CREATE TRIGGER articles_fts_story_added AFTER INSERT ON {ARTICLE}
            BEGIN
                {_sqlite_fts_insert("NEW", names)}
            END""",
        "articles_fts_story_changed": f"""
            CREATE TRIGGER articles_fts_story_changed AFTER UPDATE OF {", ".join(names)} ON {ARTICLE}
            WHEN {changed_document}
            BEGIN
                DELETE FROM {FTS_TABLE} WHERE rowid = OLD.id;
                {_sqlite_fts_insert("NEW", names)}
            END""",
        "articles_fts_story_removed": f"""
            CREATE TRIGGER articles_fts_story_removed AFTER DELETE ON {ARTICLE}
            BEGIN
                DELETE FROM {FTS_TABLE} WHERE rowid = OLD.id;
            END""",
    }


# --- PostgreSQL -----------------------------------------------------------------------------------------------


def _plpgsql(name, body):
    return f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n{body}\nEND\n$$"


def postgres_statements(document=SEARCH_DOCUMENT, deferrable=True):
    """Functions and triggers, in order. PostgreSQL triggers may change NEW, so row fix-ups run BEFORE."""
    names = _columns(document)
    unchanged_document = " AND ".join(f"NEW.{name} IS NOT DISTINCT FROM OLD.{name}" for name in names)
    refresh_tagged = f"UPDATE {ARTICLE} SET search_keywords = articles_article_keywords(id) WHERE id IN"
    functions = [
        f"CREATE OR REPLACE FUNCTION articles_article_keywords(story bigint) RETURNS text LANGUAGE sql STABLE AS $$"
        f" SELECT {keywords_sql('story', 'postgresql')} $$",
        "CREATE OR REPLACE FUNCTION articles_refresh_keywords(story bigint) RETURNS void LANGUAGE sql AS $$"
        f" UPDATE {ARTICLE} SET search_keywords = articles_article_keywords(id)"
        f" WHERE id = story AND {_not_deferred('story', deferrable)}"
        " AND search_keywords IS DISTINCT FROM articles_article_keywords(id) $$",
        # The story row itself: its keywords are recomputed on every write of the searched columns (a stale
        # instance saved back cannot undo them) and the vector rebuilt only when the document changed.
        _plpgsql(
            "articles_article_search_vector",
            f"""
            NEW.search_keywords := articles_article_keywords(NEW.id);
            IF TG_OP = 'UPDATE' AND {unchanged_document} THEN
                RETURN NEW;
            END IF;
            NEW.search_vector := {search_vector_sql("NEW", document)};
            RETURN NEW;""",
        ),
        _plpgsql(
            "articles_related_story_moved",
            f"""
            UPDATE {TAGGED} SET published_at = {related_time("NEW")}
            WHERE content_object_id = NEW.id AND published_at IS DISTINCT FROM {related_time("NEW")};
            RETURN NULL;""",
        ),
        _plpgsql(
            "articles_related_row_time",
            f"""
            NEW.published_at := (SELECT {related_time("a")} FROM {ARTICLE} a WHERE a.id = NEW.content_object_id);
            RETURN NEW;""",
        ),
        _plpgsql(
            "articles_tag_count",
            f"""
            IF TG_OP <> 'INSERT' AND OLD.published_at IS NOT NULL
               AND (TG_OP = 'DELETE' OR NEW.tag_id IS DISTINCT FROM OLD.tag_id OR NEW.published_at IS NULL) THEN
                UPDATE {USAGE} SET published_stories = greatest(published_stories - 1, 0) WHERE tag_id = OLD.tag_id;
            END IF;
            IF TG_OP <> 'DELETE' AND NEW.published_at IS NOT NULL
               AND (TG_OP = 'INSERT' OR NEW.tag_id IS DISTINCT FROM OLD.tag_id OR OLD.published_at IS NULL) THEN
                INSERT INTO {USAGE} (tag_id, published_stories) VALUES (NEW.tag_id, 1)
                ON CONFLICT (tag_id) DO UPDATE SET published_stories = {USAGE}.published_stories + 1;
            END IF;
            RETURN NULL;""",
        ),
        _plpgsql(
            "articles_keywords_tag_link",
            """
            IF TG_OP <> 'INSERT' THEN PERFORM articles_refresh_keywords(OLD.content_object_id); END IF;
            IF TG_OP <> 'DELETE' THEN PERFORM articles_refresh_keywords(NEW.content_object_id); END IF;
            RETURN NULL;""",
        ),
        _plpgsql(
            "articles_keywords_person_link",
            """
            IF TG_OP <> 'INSERT' THEN PERFORM articles_refresh_keywords(OLD.article_id); END IF;
            IF TG_OP <> 'DELETE' THEN PERFORM articles_refresh_keywords(NEW.article_id); END IF;
            RETURN NULL;""",
        ),
        _plpgsql(
            "articles_keywords_tag_renamed",
            f"""
            {refresh_tagged} (SELECT content_object_id FROM {TAGGED} WHERE tag_id = NEW.id);
            RETURN NULL;""",
        ),
        _plpgsql(
            "articles_keywords_person_renamed",
            f"""
            {refresh_tagged} (SELECT article_id FROM {MENTIONS} WHERE person_id = NEW.id);
            RETURN NULL;""",
        ),
    ]
    triggers = {
        # Keeps 0002's trigger name; its columns now come from the search document.
        "articles_article_search_vector": (
            ARTICLE,
            f"BEFORE INSERT OR UPDATE OF {', '.join(names)} ON {ARTICLE} FOR EACH ROW"
            " EXECUTE FUNCTION articles_article_search_vector()",
        ),
        "articles_related_story_moved": (
            ARTICLE,
            f"AFTER UPDATE OF status, published_at ON {ARTICLE} FOR EACH ROW"
            " EXECUTE FUNCTION articles_related_story_moved()",
        ),
        "articles_related_row_time": (
            TAGGED,
            f"BEFORE INSERT OR UPDATE OF content_object_id, published_at ON {TAGGED} FOR EACH ROW"
            " EXECUTE FUNCTION articles_related_row_time()",
        ),
        "articles_tag_count": (
            TAGGED,
            f"AFTER INSERT OR DELETE OR UPDATE OF tag_id, published_at ON {TAGGED} FOR EACH ROW"
            " EXECUTE FUNCTION articles_tag_count()",
        ),
        "articles_keywords_tag_link": (
            TAGGED,
            f"AFTER INSERT OR DELETE OR UPDATE OF tag_id, content_object_id ON {TAGGED} FOR EACH ROW"
            " EXECUTE FUNCTION articles_keywords_tag_link()",
        ),
        "articles_keywords_person_link": (
            MENTIONS,
            f"AFTER INSERT OR DELETE OR UPDATE OF article_id, person_id ON {MENTIONS} FOR EACH ROW"
            " EXECUTE FUNCTION articles_keywords_person_link()",
        ),
        "articles_keywords_tag_renamed": (
            TAG,
            f"AFTER UPDATE OF name ON {TAG} FOR EACH ROW WHEN (NEW.name IS DISTINCT FROM OLD.name)"
            " EXECUTE FUNCTION articles_keywords_tag_renamed()",
        ),
        "articles_keywords_person_renamed": (
            PERSON,
            f"AFTER UPDATE OF name, aliases ON {PERSON} FOR EACH ROW"
            " WHEN (NEW.name IS DISTINCT FROM OLD.name OR NEW.aliases IS DISTINCT FROM OLD.aliases)"
            " EXECUTE FUNCTION articles_keywords_person_renamed()",
        ),
    }
    statements = list(functions)
    for name, (table, definition) in triggers.items():
        statements += [f"DROP TRIGGER IF EXISTS {name} ON {table}", f"CREATE TRIGGER {name} {definition}"]
    return statements


POSTGRES_FUNCTIONS = (
    "articles_article_search_vector()",
    "articles_related_story_moved()",
    "articles_related_row_time()",
    "articles_tag_count()",
    "articles_keywords_tag_link()",
    "articles_keywords_person_link()",
    "articles_keywords_tag_renamed()",
    "articles_keywords_person_renamed()",
    "articles_refresh_keywords(bigint)",
    "articles_article_keywords(bigint)",
)


# --- installing, checking, rebuilding -------------------------------------------------------------------------


def _fingerprint(statements):
    import hashlib

    return hashlib.sha256("\n".join(" ".join(s.split()) for s in statements).encode()).hexdigest()[:16]


def install(connection, deferrable=None):
    """Create (or replace) every trigger and the search mirror; existing rows are left as they are.

    `deferrable`: whether the keyword triggers consult the `DEFERRED` table (by default, whether it exists)."""
    document = document_for(connection)
    if deferrable is None:
        deferrable = can_defer(connection)
    names = _columns(document)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            statements = postgres_statements(document, deferrable)
            for statement in statements:
                cursor.execute(statement)
            cursor.execute(f"COMMENT ON FUNCTION articles_article_keywords(bigint) IS '{_fingerprint(statements)}'")
            return
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'articles\\_%' ESCAPE '\\'")
        for (name,) in cursor.fetchall():
            cursor.execute(f"DROP TRIGGER {name}")
        cursor.execute(f"PRAGMA table_info({FTS_TABLE})")
        if tuple(row[1] for row in cursor.fetchall()) != names:
            cursor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
            cursor.execute(
                f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5({', '.join(names)}, tokenize='{FTS_TOKENIZER}')"
            )
        for statement in sqlite_triggers(document, deferrable).values():
            cursor.execute(statement)


def uninstall(connection):
    document = document_for(connection)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Migration 0002's search-vector trigger stays (its own reversal drops it), as 0002 wrote it.
            cursor.execute(
                _plpgsql(
                    "articles_article_search_vector",
                    f"NEW.search_vector := {search_vector_sql('NEW', document)}; RETURN NEW;",
                )
            )
            for name, (table, _) in _postgres_trigger_tables().items():
                if name != "articles_article_search_vector":
                    cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            for function in POSTGRES_FUNCTIONS:
                if function != "articles_article_search_vector()":
                    cursor.execute(f"DROP FUNCTION IF EXISTS {function}")
            return
        for name in sqlite_triggers():
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


def _postgres_trigger_tables():
    names = {}
    for statement in postgres_statements():
        if statement.startswith("DROP TRIGGER"):
            _, _, _, _, name, _, table = statement.split()
            names[name] = (table, statement)
    return names


def is_installed(connection):
    """Whether every trigger exists exactly as this module writes it (SQLite loses them to table rebuilds)."""
    document = document_for(connection)
    deferrable = can_defer(connection)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT obj_description('articles_article_keywords(bigint)'::regprocedure, 'pg_proc')"
                " WHERE to_regprocedure('articles_article_keywords(bigint)') IS NOT NULL"
            )
            row = cursor.fetchone()
            if not row or row[0] != _fingerprint(postgres_statements(document, deferrable)):
                return False
            cursor.execute(
                "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgname = ANY(%s)",
                [list(_postgres_trigger_tables())],
            )
            return cursor.fetchone()[0] == len(_postgres_trigger_tables())
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
        existing = {name: " ".join(sql.split()) for name, sql in cursor.fetchall()}
        cursor.execute(f"PRAGMA table_info({FTS_TABLE})")
        if tuple(row[1] for row in cursor.fetchall()) != _columns(document):
            return False
    expected = sqlite_triggers(document, deferrable)
    return all(existing.get(name) == " ".join(sql.split()) for name, sql in expected.items())


def _distinct(vendor):
    return "IS DISTINCT FROM" if vendor == "postgresql" else "IS NOT"


def drift(connection, structures=None):
    """{structure: rows that differ from what the triggers would have written} (all, or the `structures`
    named), without writing."""
    document = document_for(connection)
    vendor = connection.vendor
    differs = _distinct(vendor)
    queries = {
        "related index rows": (
            f"SELECT count(*) FROM {TAGGED} ta JOIN {ARTICLE} a ON a.id = ta.content_object_id"
            f" WHERE ta.published_at {differs} {related_time('a')}"
        ),
        "tag published counts": (
            f"SELECT count(*) FROM {TAG} t LEFT JOIN {USAGE} u ON u.tag_id = t.id"
            f" WHERE coalesce(u.published_stories, 0) <> (SELECT count(*) FROM {TAGGED} ta"
            " WHERE ta.tag_id = t.id AND ta.published_at IS NOT NULL)"
        ),
        "search keywords": (
            f"SELECT count(*) FROM {ARTICLE} WHERE search_keywords {differs} {keywords_sql(f'{ARTICLE}.id', vendor)}"
        ),
    }
    if can_defer(connection):
        # Rows live only inside the transaction that wrote them (keywords_deferred): one seen here was left.
        queries["deferred search keywords left over"] = f"SELECT count(*) FROM {DEFERRED}"
    if vendor == "postgresql":
        queries["search vectors"] = (
            f"SELECT count(*) FROM {ARTICLE}"
            f" WHERE search_vector IS DISTINCT FROM ({search_vector_sql(ARTICLE, document)})"
        )
    else:
        mirrored = " OR ".join(f"f.{name} IS NOT a.{name}" for name in _columns(document))
        queries["search mirror rows"] = (
            f"SELECT (SELECT count(*) FROM {ARTICLE} a LEFT JOIN {FTS_TABLE} f ON f.rowid = a.id"
            f" WHERE f.rowid IS NULL OR {mirrored})"
            f" + (SELECT count(*) FROM {FTS_TABLE} WHERE rowid NOT IN (SELECT id FROM {ARTICLE}))"
        )
    found = {}
    with connection.cursor() as cursor:
        for structure, sql in queries.items():
            if structures is not None and structure not in structures:
                continue
            cursor.execute(sql)
            found[structure] = cursor.fetchone()[0]
    return found


def rebuild(connection):
    """Recompute every trigger-kept structure from the rows, in a few statements. Returns drift before."""
    before = drift(connection)
    document = document_for(connection)
    vendor = connection.vendor
    differs = _distinct(vendor)
    with connection.cursor() as cursor:
        # The row-time trigger (PostgreSQL) or fix-up (SQLite) would set the same value; written out here so
        # the rebuild does not depend on the triggers being present.
        cursor.execute(
            f"UPDATE {TAGGED} SET published_at = (SELECT {related_time('a')} FROM {ARTICLE} a"
            f" WHERE a.id = {TAGGED}.content_object_id)"
            f" WHERE published_at {differs} (SELECT {related_time('a')} FROM {ARTICLE} a"
            f" WHERE a.id = {TAGGED}.content_object_id)"
        )
        cursor.execute(
            f"INSERT INTO {USAGE} (tag_id, published_stories) SELECT t.id, (SELECT count(*) FROM {TAGGED} ta"
            f" WHERE ta.tag_id = t.id AND ta.published_at IS NOT NULL) FROM {TAG} t WHERE true"
            " ON CONFLICT (tag_id) DO UPDATE SET published_stories = excluded.published_stories"
        )
        if can_defer(connection):
            cursor.execute(f"DELETE FROM {DEFERRED}")
        current = keywords_sql(f"{ARTICLE}.id", vendor)
        cursor.execute(f"UPDATE {ARTICLE} SET search_keywords = {current} WHERE search_keywords {differs} {current}")
        if vendor == "postgresql":
            cursor.execute(
                f"UPDATE {ARTICLE} SET search_vector = ({search_vector_sql(ARTICLE, document)})"
                f" WHERE search_vector IS DISTINCT FROM ({search_vector_sql(ARTICLE, document)})"
            )
        else:
            cursor.execute(f"DELETE FROM {FTS_TABLE}")
            columns = ", ".join(_columns(document))
            cursor.execute(f"INSERT INTO {FTS_TABLE} (rowid, {columns}) SELECT id, {columns} FROM {ARTICLE}")
    return before


# Ids per statement: well under SQLite's and PostgreSQL's limits on parameters.
DEFERRED_CHUNK = 500


@contextmanager
def keywords_deferred(connection, article_ids):
    """Write links of the stories `article_ids` (tags, people) inside this block with their search keywords,
    and so their search documents, refreshed once at its end instead of once per link row.

    One transaction: the rows that tell the triggers to leave these stories alone are seen by nobody else
    (other connections see only committed rows, and the block removes them before it commits), and if the
    block fails they go with the rest of its writes.
    """
    ids = sorted(set(article_ids))
    if not ids:
        yield
        return
    vendor = connection.vendor
    chunks = [ids[start : start + DEFERRED_CHUNK] for start in range(0, len(ids), DEFERRED_CHUNK)]
    # No savepoint of its own: a failure inside fails the enclosing transaction, which takes the rows with it.
    with transaction.atomic(using=connection.alias, savepoint=False), connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {DEFERRED} (article_id) VALUES (%s)", [(pk,) for pk in ids])
        yield
        current = keywords_sql(f"{ARTICLE}.id", vendor)
        for chunk in chunks:
            listed = ", ".join(["%s"] * len(chunk))
            # Written while the triggers still leave these stories alone, so each is refreshed only here.
            cursor.execute(
                f"UPDATE {ARTICLE} SET search_keywords = {current}"
                f" WHERE id IN ({listed}) AND search_keywords {_distinct(vendor)} {current}",
                chunk,
            )
            cursor.execute(f"DELETE FROM {DEFERRED} WHERE article_id IN ({listed})", chunk)


def rebuilding_tables(*operations):
    """Migration operations run with the derived-data triggers taken off, then put back (both ways).

    SQLite changes most columns by rebuilding the table, and the triggers on the tables around
    `articles_article` refuse that rebuild; so a migration that alters those tables wraps its operations
    here rather than carrying its own pair of steps.
    """
    from django.db import migrations

    def take_off(apps, schema_editor):
        uninstall(schema_editor.connection)

    def put_back(apps, schema_editor):
        install(schema_editor.connection)

    return [migrations.RunPython(take_off, put_back), *operations, migrations.RunPython(put_back, take_off)]
