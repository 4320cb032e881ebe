"""Full-text search over published stories, ranked, with highlighted excerpts.

Each story is searched as weighted parts (`triggers.SEARCH_DOCUMENT`): headline (strongest), summary, the
names of its tags and people (`Article.search_keywords`), and body (weakest), so a headline match outranks a
passing mention. Database triggers keep both engines' indexes current whatever writes the rows
(articles/triggers.py); nothing here writes.

- PostgreSQL: a stored tsvector column, `search_vector`, with a GIN index (migration 0002; the models do not
  declare the column), ranked with ts_rank; excerpts from ts_headline.
- SQLite: an FTS5 table mirroring the parts, ranked with weighted bm25; excerpts from FTS5's highlight()
  and snippet().

Readers' text is parsed here, the same way for both engines: all words must match, "quoted words" match
as a phrase, `or` between words gives alternatives and a leading `-` leaves a word out. Anything else
(operators, `*`, `:`, brackets) is read as plain text, so no input can be a syntax error in either engine.
"""

import operator
import re
import unicodedata
from dataclasses import dataclass
from functools import reduce

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVectorField
from django.db import connection
from django.db.models.expressions import RawSQL

from articles.models import Article
from articles.triggers import FTS_TABLE, POSTGRES_CONFIG, SEARCH_COLUMNS, SEARCH_DOCUMENT

MAX_QUERY_LENGTH = 200
MAX_TERMS = 12
FTS_WEIGHTS = tuple(column.fts_weight for column in SEARCH_DOCUMENT)
EXCERPT_WORDS = 30
# Control characters never appear in stored copy (the HTML pages could not show them), so they can
# mark where a match starts and ends in the engines' output before it is split for the template.
MATCH_START, MATCH_END = "\x02", "\x03"

CONTROL_CHARACTERS_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
TOKEN_RE = re.compile(r'(-?)"([^"]*)"?|(-?)([^\s"]+)')
WORD_RE = re.compile(r"[^\W_]+")
MARKED_RE = re.compile(f"{MATCH_START}(.*?){MATCH_END}", re.DOTALL)


@dataclass(frozen=True)
class SearchTerms:
    """A reader's query: any of the alternatives (each a list of phrases that must all match), minus the excluded."""

    text: str
    alternatives: tuple[tuple[str, ...], ...] = ()
    excluded: tuple[str, ...] = ()

    def __bool__(self):
        return bool(self.alternatives)


@dataclass(frozen=True)
class Fragment:
    text: str
    matched: bool


@dataclass(frozen=True)
class SearchResult:
    article: Article
    headline: tuple[Fragment, ...]
    summary: tuple[Fragment, ...]
    excerpt: tuple[Fragment, ...]


def clean(text):
    """The reader's text made safe to show and search: printable, single-spaced, not too long."""
    text = unicodedata.normalize("NFC", CONTROL_CHARACTERS_RE.sub(" ", text or ""))
    return " ".join(text.split())[:MAX_QUERY_LENGTH].strip()


def parse(text):
    text = clean(text)
    alternatives, excluded, current = [], [], []
    for match in TOKEN_RE.finditer(text):
        quoted_minus, quoted, bare_minus, bare = match.groups()
        if bare is not None and bare.lower() == "or" and not bare_minus:
            if current:
                alternatives.append(current)
            current = []
            continue
        phrase = " ".join(WORD_RE.findall(quoted if quoted is not None else bare))
        if not phrase:
            continue
        if quoted_minus or bare_minus:
            excluded.append(phrase)
        elif phrase not in current:
            current.append(phrase)
    if current:
        alternatives.append(current)
    alternatives = [alternative[:MAX_TERMS] for alternative in alternatives[:MAX_TERMS]]
    return SearchTerms(
        text=text,
        alternatives=tuple(tuple(alternative) for alternative in alternatives),
        excluded=tuple(dict.fromkeys(excluded))[:MAX_TERMS],
    )


def matching_articles(terms):
    """Published stories matching the terms, best first, bodies not loaded: sliceable and countable."""
    if connection.vendor == "postgresql":
        query = postgres_query(terms)
        return (
            Article.objects.published()
            .defer("body")
            .alias(document=postgres_vector())
            .filter(document=query)
            .annotate(rank=SearchRank(postgres_vector(), query))
            .order_by("-rank", "-published_at", "-id")
        )
    return FTS5Matches(terms)


class FTS5Matches:
    """SQLite's matches, best first, for a Paginator.

    bm25() exists only in a query that reads the FTS5 table, which the ORM cannot join; so the ids come
    from one SQL query (the publication rule still from `published()`) and the ORM loads the page.
    """

    def __init__(self, terms):
        self.expression = fts5_expression(terms)
        self.published_sql, self.published_params = (
            Article.objects.published().order_by().values("pk").query.sql_with_params()
        )

    def _filtered(self, columns, rest="", rest_params=()):
        # CROSS JOIN makes SQLite read the FTS matches first instead of probing the FTS table once per story.
        table = Article._meta.db_table
        return (
            f"SELECT {columns} FROM {FTS_TABLE} CROSS JOIN {table} ON {table}.id = {FTS_TABLE}.rowid "
            f"WHERE {FTS_TABLE} MATCH %s AND {table}.id IN ({self.published_sql}){rest}",
            (self.expression, *self.published_params, *rest_params),
        )

    def count(self):
        with connection.cursor() as cursor:
            cursor.execute(*self._filtered("count(*)"))
            return cursor.fetchone()[0]

    def __len__(self):
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        start = index.start or 0
        limit = -1 if index.stop is None else max(index.stop - start, 0)
        weights = ", ".join(str(weight) for weight in FTS_WEIGHTS)
        table = Article._meta.db_table
        order = f" ORDER BY bm25({FTS_TABLE}, {weights}), {table}.published_at DESC, {table}.id DESC LIMIT %s OFFSET %s"
        with connection.cursor() as cursor:
            cursor.execute(*self._filtered(f"{table}.id", order, (limit, start)))
            ids = [row[0] for row in cursor.fetchall()]
        stories = Article.objects.defer("body").in_bulk(ids)
        return [stories[pk] for pk in ids if pk in stories]

    def __iter__(self):
        return iter(self[:])


def highlighted(articles, terms):
    """The stories as search results: headline and summary with matches marked, plus an excerpt of the body."""
    articles = list(articles)
    if not articles:
        return []
    if connection.vendor == "postgresql":
        marked = _postgres_highlights([article.pk for article in articles], terms)
    else:
        marked = _fts5_highlights([article.pk for article in articles], terms)
    results = []
    for article in articles:
        headline, summary, excerpt = marked.get(article.pk, (article.headline, article.summary, ""))
        summary, excerpt = fragments(summary), fragments(excerpt)
        if repeats(excerpt, summary):
            excerpt = ()
        results.append(SearchResult(article, fragments(headline), summary, excerpt))
    return results


# How much of an excerpt must reappear in the summary for it to be only a repeat.
REPEAT_PROBE = 60


def repeats(excerpt, summary):
    """Whether the body excerpt only says again what the summary says: imported summaries are often the lede's
    first sentences, and the engine's best excerpt is then that same lede."""
    excerpt_text = _plain(excerpt).strip(" .…")
    summary_text = _plain(summary)
    if not excerpt_text or not summary_text:
        return False
    probe = excerpt_text[:REPEAT_PROBE]
    return probe in summary_text or summary_text.strip(" .…")[:REPEAT_PROBE] in excerpt_text


def _plain(pieces):
    return " ".join("".join(piece.text for piece in pieces).split()).casefold()


def fragments(marked_text):
    """Split text marked by an engine into plain and matched pieces; stray markers are dropped."""
    pieces = MARKED_RE.split(marked_text or "")
    result = []
    for position, piece in enumerate(pieces):
        piece = piece.replace(MATCH_START, "").replace(MATCH_END, "")
        if piece:
            result.append(Fragment(piece, matched=position % 2 == 1))
    return tuple(result)


def postgres_vector():
    """The weighted document, stored by migration 0002's trigger in a column the models do not declare."""
    return RawSQL(f'"{Article._meta.db_table}"."search_vector"', [], output_field=SearchVectorField())


def postgres_query(terms):
    def phrase(text):
        return SearchQuery(text, search_type="phrase", config=POSTGRES_CONFIG)

    query = reduce(operator.or_, (reduce(operator.and_, map(phrase, alt)) for alt in terms.alternatives))
    for word in terms.excluded:
        query &= ~phrase(word)
    return query


def fts5_expression(terms):
    """The terms in FTS5 query syntax; every phrase is a quoted string, so nothing in it is an operator."""

    def quoted(text):
        return '"' + text.replace('"', '""') + '"'

    expression = " OR ".join("(" + " AND ".join(map(quoted, alt)) + ")" for alt in terms.alternatives)
    for word in terms.excluded:
        expression = f"({expression}) NOT {quoted(word)}"
    return expression


def _postgres_highlights(pks, terms):
    query = postgres_query(terms)
    markers = {"config": POSTGRES_CONFIG, "start_sel": MATCH_START, "stop_sel": MATCH_END}
    rows = (
        Article.objects.filter(pk__in=pks)
        .annotate(
            marked_headline=SearchHeadline("headline", query, highlight_all=True, **markers),
            marked_summary=SearchHeadline("summary", query, highlight_all=True, **markers),
            marked_excerpt=SearchHeadline(
                "body",
                query,
                min_words=EXCERPT_WORDS // 2,
                max_words=EXCERPT_WORDS,
                max_fragments=2,
                fragment_delimiter="…",
                **markers,
            ),
        )
        .values_list("pk", "marked_headline", "marked_summary", "marked_excerpt")
    )
    return {pk: marked for pk, *marked in rows}


def _fts5_highlights(pks, terms):
    placeholders = ", ".join(["%s"] * len(pks))
    markers = (MATCH_START, MATCH_END)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT rowid, highlight({FTS_TABLE}, {SEARCH_COLUMNS.index('headline')}, %s, %s), "
            f"highlight({FTS_TABLE}, {SEARCH_COLUMNS.index('summary')}, %s, %s), "
            f"snippet({FTS_TABLE}, {SEARCH_COLUMNS.index('body')}, %s, %s, '…', {EXCERPT_WORDS}) "
            f"FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s AND rowid IN ({placeholders})",
            (*markers, *markers, *markers, fts5_expression(terms), *pks),
        )
        return {pk: marked for pk, *marked in cursor.fetchall()}
