"""Related stories: published stories that share tags with an article, ranked so the list explains itself.

    score = recency × Σ weight(tag) over the shared tags + person boost × number of shared people
    weight(tag) = 1 / ln(1 + n), n = stories with published status carrying the tag (TagUsage)
    recency = 0.5 ** (days between the two stories / half-life)

Rarer tags say more; the weight ignores the size of the corpus, so adding unrelated stories never reorders
a list. Ties go to the newer story, then the higher id. Near-duplicates are dropped: two stories are the same
story when their headlines match once case, punctuation and a leading "Update"/"Corrected" marker are ignored
(a story and its own update); the better-ranked one stays, and none may repeat the article's own headline.
Editors' pins come first in their order; excluded stories never appear (a pin wins over an exclusion).

Bounded work: for each of the article's tags only the RELATED_STORIES_WINDOW stories nearest its date on
either side are read, through the (tag, published_at) index on the tag rows (kept by
database triggers, articles/triggers.py), so one query of fixed shape fetches candidates, tag counts, shared people
and pins whatever the size of the corpus; scoring happens here, in Python, identically on every database.
A second query loads only the stories to show, through Article.objects.published(), so a stale index row
can hide a story but never show a draft.
"""

import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.conf import settings
from django.db import connection
from django.utils import timezone

from articles.formats import headline_key
from articles.models import Article, ExcludedStory, PinnedStory, TaggedArticle, TagUsage
from articles.prepared import STAND_IN_TIME, PreparedQuery, stand_in_ids

# SQLite allows 500 terms in one compound SELECT, and it gets two per tag.
MAX_RANKED_TAGS = 100
REASON_TAGS = 3
REASON_PEOPLE = 2
# Stories checked for being live are asked for in batches of this many, so that query has few shapes.
LIVE_BATCH = 16
_live_queries = {}
UPDATE_MARKER = re.compile(r"^(?:updated?|correct(?:ed|ion)|refiled?)(?: \d+)? ")


@dataclass(frozen=True)
class Scoring:
    half_life_days: float
    person_boost: float

    @classmethod
    def from_settings(cls):
        return cls(settings.RELATED_STORIES_HALF_LIFE_DAYS, settings.RELATED_STORIES_PERSON_BOOST)


@dataclass(frozen=True, eq=False)
class SharedTag:
    name: str
    slug: str
    stories: int
    weight: float

    @classmethod
    def counted(cls, tag, stories):
        return cls(tag.name, tag.slug, stories, tag_weight(stories))


@dataclass(frozen=True, slots=True)
class StoryRow:
    """The few columns a related story needs: enough to rank, explain and link it."""

    pk: int
    headline: str
    slug: str
    published_at: datetime


@dataclass(slots=True)
class Candidate:
    """A story (anything with pk, headline and published_at) and what it shares with the article."""

    story: object
    shared_tags: list = field(default_factory=list)
    shared_people: list = field(default_factory=list)
    days_apart: float = 0.0
    recency: float = 0.0
    score: float = 0.0
    duplicate_of: object = None

    @property
    def tag_score(self):
        return sum(tag.weight for tag in self.shared_tags)

    @property
    def people_score(self):
        return self.score - self.recency * self.tag_score

    @property
    def reason(self):
        return reason_line(self.shared_tags, self.shared_people)


def tag_weight(stories):
    return 1 / math.log(1 + max(stories, 1))


def days_between(anchor, published_at):
    return abs((published_at - anchor).total_seconds()) / 86400


def recency_factor(days_apart, half_life_days):
    return 0.5 ** (days_apart / half_life_days)


def story_key(headline):
    """The headline as compared for near-duplicates: "UPDATE 2-Rafah opens" is "Rafah opens"."""
    return UPDATE_MARKER.sub("", headline_key(headline))


def reason_line(shared_tags, shared_people):
    """ "Also about Gaza, Hamas; mentions Vladimir Putin": the rarest shared tags and the shared people."""
    tags = sorted(shared_tags, key=lambda tag: (-tag.weight, tag.name))[:REASON_TAGS]
    people = sorted(shared_people, key=lambda person: person.name)[:REASON_PEOPLE]
    about = ", ".join(tag.name for tag in tags)
    mentions = ", ".join(person.name for person in people)
    if about and mentions:
        return f"Also about {about}; mentions {mentions}"
    if about:
        return f"Also about {about}"
    return f"Also mentions {mentions}" if mentions else ""


def score(candidates, *, anchor, scoring):
    """Give each candidate its recency factor and score."""
    boost, half_life = scoring.person_boost, scoring.half_life_days
    for candidate in candidates:
        candidate.days_apart = days_between(anchor, candidate.story.published_at)
        candidate.recency = recency_factor(candidate.days_apart, half_life)
        candidate.score = candidate.recency * candidate.tag_score + boost * len(candidate.shared_people)
    return candidates


def explain(candidate):
    """Put what a listed candidate shares in reading order: rarest tags first, people by name."""
    candidate.shared_tags.sort(key=lambda tag: (-tag.weight, tag.name))
    candidate.shared_people.sort(key=lambda person: person.name)
    return candidate


def order(candidates):
    # Scores rounded so that float noise from summing in another order can never break a real tie.
    return sorted(candidates, key=lambda c: (-round(c.score, 9), -c.story.published_at.timestamp(), -c.story.pk))


def chunk_size(limit):
    """How many ranked candidates to check for near-duplicates at a time: enough for one pass, usually."""
    return max(3 * limit, 15)


def dedupe(ordered, *, own_headline="", taken=(), limit=None, load=None):
    """Walk ordered candidates, dropping near-duplicates, until `limit` are kept (all, without a limit).

    Returns (ranked, duplicates); each duplicate's .duplicate_of is the story it repeats (None: the article
    itself). `taken` are stories listed already (pins), whose duplicates go too. `load`, given a chunk of
    candidates, returns those still published with their headlines filled in.
    """
    seen = {story_key(story.headline): story for story in taken}
    if own_headline:
        seen.setdefault(story_key(own_headline), None)
    ranked, duplicates = [], []
    step = len(ordered) if limit is None else chunk_size(limit)
    for start in range(0, len(ordered), max(step, 1)):
        chunk = ordered[start : start + step]
        for candidate in load(chunk) if load else chunk:
            if limit is not None and len(ranked) >= limit:
                return ranked, duplicates
            key = story_key(candidate.story.headline)
            if key in seen:
                candidate.duplicate_of = seen[key]
                duplicates.append(candidate)
            else:
                seen[key] = candidate.story
                ranked.append(explain(candidate))
    return ranked, duplicates


def rank(candidates, *, anchor, scoring, own_headline="", taken=(), limit=None):
    """Score, order and de-duplicate candidates whose stories are loaded: see dedupe()."""
    ordered = order(score(candidates, anchor=anchor, scoring=scoring))
    return dedupe(ordered, own_headline=own_headline, taken=taken, limit=limit)


@dataclass
class Ranking:
    """Everything behind an article's related stories, for the page and for the editors' preview."""

    article: Article
    anchor: datetime
    scoring: Scoring
    has_tags: bool
    pinned: list
    ranked: list
    duplicates: list

    def stories(self, limit):
        """Pins first, then the ranked stories: articles carrying score, shared_tags, shared_people, reason."""
        stories = []
        # from_db wants the values in the model's field order; the other fields stay deferred.
        loaded_fields = {"id", "headline", "slug", "status", "published_at"}
        names = [f.attname for f in Article._meta.concrete_fields if f.attname in loaded_fields]
        for candidate in [*self.pinned, *self.ranked][:limit]:
            row = candidate.story
            loaded = {
                "id": row.pk,
                "headline": row.headline,
                "slug": row.slug,
                "status": Article.Status.PUBLISHED,
                "published_at": row.published_at,
            }
            story = Article.from_db(connection.alias, names, [loaded[name] for name in names])
            story.score = candidate.score
            story.shared_tags = candidate.shared_tags
            story.shared_people = candidate.shared_people
            story.reason = candidate.reason
            story.pinned = candidate in self.pinned
            stories.append(story)
        return stories


def related_articles(article, limit):
    return rank_related(article, limit=limit).stories(limit)


def rank_related(article, *, limit=None, window=None):
    """Rank `article`'s related stories (its tags and people as prefetched) in two queries.

    The first reads candidates, tag counts, shared people and pins from the index; the second loads the
    best-ranked stories that are published right now (the only ones shown, so a stale index row can hide
    a story but never show a draft). With a `limit` only as many as the page needs are loaded and
    compared for near-duplicates; without (the editors' preview), all are.
    """
    now = timezone.now()
    anchor = article.published_at or now
    tags = sorted(article.tags.all(), key=lambda tag: (tag.name, tag.pk))[:MAX_RANKED_TAGS]
    people = {person.pk: person for person in article.people.all()}
    rows = []
    if article.pk:
        sql, params = _ranking_sql(article, tags, people, anchor, now, window or settings.RELATED_STORIES_WINDOW)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
    counts = {ref_id: number for kind, _, ref_id, number, _, _ in rows if kind == "count"}
    shared_tags = {tag.pk: SharedTag.counted(tag, counts.get(tag.pk, 0)) for tag in tags}
    candidates, pins = {}, []
    for kind, story_id, ref_id, number, published_at, person_id in rows:
        if kind == "tag":
            candidate = candidates.get(story_id)
            if candidate is None:
                candidate = candidates[story_id] = Candidate(StoryRow(story_id, "", "", published_at))
            shared = shared_tags[ref_id]
            # A row per shared person repeats the tag; SharedTag compares by identity, so this is cheap.
            if shared not in candidate.shared_tags:
                candidate.shared_tags.append(shared)
            if person_id is not None:
                person = people[person_id]
                if person not in candidate.shared_people:
                    candidate.shared_people.append(person)
        elif kind == "pin":
            pins.append((number, ref_id, story_id))
    scoring = Scoring.from_settings()
    pin_ids = [story_id for *_, story_id in sorted(pins)]
    # A pinned story that also shares tags keeps its explanation and reason line.
    pinned = [candidates.pop(story_id, None) or Candidate(StoryRow(story_id, "", "", now)) for story_id in pin_ids]
    ordered = order(score(list(candidates.values()), anchor=_as_indexed(anchor, candidates), scoring=scoring))
    loaded = {}

    def load(chunk):
        missing = [c.story.pk for c in chunk if c.story.pk not in loaded]
        if missing:
            for row in live_stories(missing, now):
                loaded[row[0]] = StoryRow(*row)
        kept = [c for c in chunk if c.story.pk in loaded]
        for candidate in kept:
            candidate.story = loaded[candidate.story.pk]
        return kept

    # The pins and the first chunk of candidates in one query.
    first_chunk = ordered if limit is None else ordered[: chunk_size(limit)]
    load([*pinned, *first_chunk])
    pinned = [explain(pin) for pin in score(load(pinned), anchor=anchor, scoring=scoring)]
    ranked, duplicates = dedupe(
        ordered,
        own_headline=article.headline,
        taken=[pin.story for pin in pinned],
        limit=None if limit is None else max(limit - len(pinned), 0),
        load=load,
    )
    return Ranking(article, anchor, scoring, bool(tags), pinned, ranked, duplicates)


def live_stories(ids, now):
    """(pk, headline, slug, published_at) of those of the stories that are published at `now`: the query is
    compiled once per batch size (articles/prepared.py), the ids repeated up to a multiple of LIVE_BATCH."""
    size = -(-len(ids) // LIVE_BATCH) * LIVE_BATCH
    query = _live_queries.get(size)
    if query is None:
        query = _live_queries[size] = PreparedQuery(_live, STAND_IN_TIME, *stand_in_ids(size))
    return query.rows(now, *ids, *[ids[0]] * (size - len(ids)))


def _live(now, *ids):
    stories = Article.objects.published(now).filter(pk__in=ids)
    return stories.order_by().values_list("pk", "headline", "slug", "published_at")


def _as_indexed(anchor, candidates):
    """The anchor in the form the index rows came back in, so times compare without converting each row.

    PostgreSQL returns aware times; SQLite naive UTC ones (or text, converted here once).
    """
    sample = next(iter(candidates.values()), None)
    if sample is None or timezone.is_aware(sample.story.published_at):
        return anchor
    if isinstance(sample.story.published_at, str):
        for candidate in candidates.values():
            story = candidate.story
            candidate.story = StoryRow(story.pk, "", "", datetime.fromisoformat(story.published_at))
    return anchor.astimezone(UTC).replace(tzinfo=None)


def _ranking_sql(article, tags, people, anchor, now, window):
    """One query: each tag's nearest stories (with shared people), the tags' story counts, the pins.

    Columns: kind ("tag", "count" or "pin"), story id, ref_id (the tag, or the pin row), number (the tag's
    story count, or the pin's position), published_at (as indexed), person_id (a shared person).
    """
    quote = connection.ops.quote_name
    usage_table = quote(TagUsage._meta.db_table)
    people_through = Article.people.through._meta
    people_table = quote(people_through.db_table)
    people_article_col = quote(people_through.get_field("article").column)
    people_person_col = quote(people_through.get_field("person").column)
    pinned_table = quote(PinnedStory._meta.db_table)
    excluded_table = quote(ExcludedStory._meta.db_table)
    parts, params = [], []
    if tags:
        windows, params = _windows_sql(article, tags, anchor, now, window)
        person_ids = list(people)
        people_join, person_column = "", "NULL"
        if person_ids:
            people_join = (
                f" LEFT JOIN {people_table} ap ON ap.{people_article_col} = c.story_id"
                f" AND ap.{people_person_col} IN ({', '.join(['%s'] * len(person_ids))})"
            )
            person_column = f"ap.{people_person_col}"
        parts.append(
            f"SELECT 'tag' AS kind, c.story_id, c.tag_id AS ref_id, NULL AS number, c.published_at,"
            f" {person_column} AS person_id FROM candidate c{people_join}"
            f" WHERE c.story_id NOT IN (SELECT story_id FROM {excluded_table} WHERE article_id = %s)"
        )
        params += [*person_ids, article.pk]
        parts.append(
            f"SELECT 'count', NULL, tag_id, published_stories, NULL, NULL FROM {usage_table}"
            f" WHERE tag_id IN ({', '.join(['%s'] * len(tags))})"
        )
        params += [tag.pk for tag in tags]
    parts.append(f"SELECT 'pin', story_id, id, position, NULL, NULL FROM {pinned_table} WHERE article_id = %s")
    params.append(article.pk)
    with_candidates = f"WITH candidate (story_id, tag_id, published_at) AS ({windows}) " if tags else ""
    return with_candidates + " UNION ALL ".join(parts), params


def _windows_sql(article, tags, anchor, now, window):
    """Each tag's `window` published stories up to the article's date, and as many after it (until now).

    Both read the (tag, published_at, story) index and order by time then id, so the rows are the same on
    every database. PostgreSQL gets one LATERAL query over the tag ids (a plan of fixed size, quick to
    plan); other databases a UNION of one small query per tag and side.
    """
    quote = connection.ops.quote_name
    tagged = quote(TaggedArticle._meta.db_table)
    story = quote(TaggedArticle._meta.get_field("content_object").column)
    tag_field = TaggedArticle._meta.get_field("tag")
    before = f"published_at <= %s AND {story} <> %s ORDER BY published_at DESC, {story} DESC LIMIT %s"
    after = f"published_at > %s AND published_at <= %s AND {story} <> %s ORDER BY published_at, {story} LIMIT %s"
    before_params = [_stored(min(anchor, now)), article.pk, window]
    after_params = [_stored(anchor), _stored(now), article.pk, window] if anchor < now else None
    sides = [(before, before_params)] + ([(after, after_params)] if after_params else [])
    if connection.vendor == "postgresql":
        tag_ids = [tag.pk for tag in tags]
        array_type = f"{tag_field.db_type(connection)}[]"
        queries, params = [], []
        for condition, side_params in sides:
            queries.append(
                f"SELECT w.story_id, t.tag_id, w.published_at FROM unnest(%s::{array_type}) AS t (tag_id)"
                f" CROSS JOIN LATERAL (SELECT {story} AS story_id, published_at FROM {tagged}"
                f" WHERE tag_id = t.tag_id AND {condition}) AS w"
            )
            params += [tag_ids, *side_params]
        return " UNION ALL ".join(queries), params
    queries, params = [], []
    for number, tag in enumerate(tags):
        for side, (condition, side_params) in enumerate(sides):
            queries.append(
                f"SELECT * FROM (SELECT {story} AS story_id, tag_id, published_at FROM {tagged}"
                f" WHERE tag_id = %s AND {condition}) AS window_{number}_{side}"
            )
            params += [tag.pk, *side_params]
    return " UNION ALL ".join(queries), params


def _stored(moment):
    # Raw SQL gets no field adaptation: pass times as the ORM stores them (SQLite keeps text).
    return connection.ops.adapt_datetimefield_value(moment)
