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
either side are read, through the (tag, published_at) index on the tag rows, so one query of fixed shape
fetches candidates, tag counts, shared people and pins whatever the size of the corpus. The query checks
each story's own status and time, so a stale index row can hide a story but never show a draft.
"""

import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.conf import settings
from django.db import connection
from django.utils import timezone

from articles.models import Article, ExcludedStory, PinnedStory, TaggedArticle, TagUsage
from articles.wire import headline_key

# SQLite allows 500 terms in one compound SELECT; two per tag keeps well inside it.
MAX_RANKED_TAGS = 100
REASON_TAGS = 3
REASON_PEOPLE = 2
UPDATE_MARKER = re.compile(r"^(?:updated?|correct(?:ed|ion)|refiled?)(?: \d+)? ")


@dataclass(frozen=True)
class Scoring:
    half_life_days: float
    person_boost: float

    @classmethod
    def from_settings(cls):
        return cls(settings.RELATED_STORIES_HALF_LIFE_DAYS, settings.RELATED_STORIES_PERSON_BOOST)


@dataclass(frozen=True)
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


def rank(candidates, *, anchor, scoring, own_headline="", taken=(), limit=None):
    """Score and order candidates (deterministically), dropping near-duplicates.

    Returns (ranked, duplicates); each duplicate's .duplicate_of is the story it repeats (None: the article
    itself). `taken` are stories listed already (pins), whose duplicates go too. With a `limit`, stops once
    that many are ranked (headline comparison is the costly part, so the page compares only what it shows).
    """
    ordered = sorted(
        score(candidates, anchor=anchor, scoring=scoring),
        # Rounded so that float noise from summing in another order can never break a real tie.
        key=lambda c: (-round(c.score, 9), -c.story.published_at.timestamp(), -c.story.pk),
    )
    seen = {story_key(story.headline): story for story in taken}
    if own_headline:
        seen.setdefault(story_key(own_headline), None)
    ranked, duplicates = [], []
    for candidate in ordered:
        if limit is not None and len(ranked) >= limit:
            break
        key = story_key(candidate.story.headline)
        if key in seen:
            candidate.duplicate_of = seen[key]
            duplicates.append(candidate)
        else:
            seen[key] = candidate.story
            ranked.append(explain(candidate))
    return ranked, duplicates


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
        for candidate in [*self.pinned, *self.ranked][:limit]:
            row = candidate.story
            loaded = {
                "id": row.pk,
                "headline": row.headline,
                "slug": row.slug,
                "status": Article.Status.PUBLISHED,
                "published_at": row.published_at,
            }
            # from_db wants the values in the model's field order; the other fields stay deferred.
            names = [f.attname for f in Article._meta.concrete_fields if f.attname in loaded]
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
    """Rank `article`'s related stories in one database query (its tags and people as prefetched).

    With a `limit` only that many are put through the near-duplicate check (the page); without, all are.
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
    tags_by_id = {tag.pk: tag for tag in tags}
    shared_tags, candidates, tags_seen, pin_rows = {}, {}, set(), []
    for kind, story_id, headline, slug, published_at, ref_id, number, person_id in rows:
        if kind == "pin":
            pin_rows.append((number, ref_id, StoryRow(story_id, headline, slug, _aware(published_at))))
            continue
        candidate = candidates.get(story_id)
        if candidate is None:
            candidate = candidates[story_id] = Candidate(StoryRow(story_id, headline, slug, _aware(published_at)))
        if (story_id, ref_id) not in tags_seen:
            tags_seen.add((story_id, ref_id))
            if ref_id not in shared_tags:
                shared_tags[ref_id] = SharedTag.counted(tags_by_id[ref_id], number or 0)
            candidate.shared_tags.append(shared_tags[ref_id])
        person = people.get(person_id)
        if person is not None and person not in candidate.shared_people:
            candidate.shared_people.append(person)
    scoring = Scoring.from_settings()
    # In the editors' order; a pinned story that also shares tags keeps its explanation and reason line.
    pinned = [candidates.pop(story.pk, None) or Candidate(story) for *_, story in sorted(pin_rows)]
    for pin in score(pinned, anchor=anchor, scoring=scoring):
        explain(pin)
    ranked, duplicates = rank(
        list(candidates.values()),
        anchor=anchor,
        scoring=scoring,
        own_headline=article.headline,
        taken=[pin.story for pin in pinned],
        limit=None if limit is None else max(limit - len(pinned), 0),
    )
    return Ranking(article, anchor, scoring, bool(tags), pinned, ranked, duplicates)


def _aware(value):
    """A time from a raw row as the ORM would give it (SQLite hands back naive UTC, maybe as text)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if timezone.is_aware(value) else value.replace(tzinfo=UTC)


def _ranking_sql(article, tags, people, anchor, now, window):
    """One query: each tag's nearest stories (with the tag's count and shared people), then the pins.

    Columns: kind ("tag" or "pin"), the story (id, headline, slug, published_at), ref_id (the tag, or
    the pin row), number (the tag's story count, or the pin's position), person_id (a shared person).
    """
    quote = connection.ops.quote_name
    tagged = quote(TaggedArticle._meta.db_table)
    story_col = quote(TaggedArticle._meta.get_field("content_object").column)
    article_table = quote(Article._meta.db_table)
    usage_table = quote(TagUsage._meta.db_table)
    people_through = Article.people.through._meta
    people_table = quote(people_through.db_table)
    people_article_col = quote(people_through.get_field("article").column)
    people_person_col = quote(people_through.get_field("person").column)
    pinned_table = quote(PinnedStory._meta.db_table)
    excluded_table = quote(ExcludedStory._meta.db_table)
    published = Article.Status.PUBLISHED
    # Raw SQL gets no field adaptation: store-format the times as the ORM would (SQLite keeps text).
    in_past = anchor < now
    at = connection.ops.adapt_datetimefield_value
    newest, anchor, now = at(min(anchor, now)), at(anchor), at(now)

    branches, params = [], []
    for number, tag in enumerate(tags):
        branches.append(
            f"SELECT * FROM (SELECT {story_col} AS story_id, tag_id FROM {tagged}"
            f" WHERE tag_id = %s AND published_at <= %s AND {story_col} <> %s"
            f" ORDER BY published_at DESC, {story_col} DESC LIMIT %s) AS before_{number}"
        )
        params += [tag.pk, newest, article.pk, window]
        if in_past:
            branches.append(
                f"SELECT * FROM (SELECT {story_col} AS story_id, tag_id FROM {tagged}"
                f" WHERE tag_id = %s AND published_at > %s AND published_at <= %s AND {story_col} <> %s"
                f" ORDER BY published_at, {story_col} LIMIT %s) AS after_{number}"
            )
            params += [tag.pk, anchor, now, article.pk, window]

    story_columns = "a.id, a.headline, a.slug, a.published_at"
    parts = []
    if branches:
        person_ids = list(people)
        if person_ids:
            people_join = (
                f" LEFT JOIN {people_table} ap ON ap.{people_article_col} = c.story_id"
                f" AND ap.{people_person_col} IN ({', '.join(['%s'] * len(person_ids))})"
            )
            person_column = f"ap.{people_person_col}"
        else:
            people_join, person_column = "", "NULL"
        parts.append(
            f"SELECT 'tag' AS kind, {story_columns}, c.tag_id AS ref_id, u.published_stories AS number,"
            f" {person_column} AS person_id"
            f" FROM candidate c JOIN {article_table} a ON a.id = c.story_id"
            f" LEFT JOIN {usage_table} u ON u.tag_id = c.tag_id{people_join}"
            f" WHERE a.status = %s AND a.published_at <= %s"
            f" AND c.story_id NOT IN (SELECT story_id FROM {excluded_table} WHERE article_id = %s)"
        )
        params += [*person_ids, published, now, article.pk]
    parts.append(
        f"SELECT 'pin' AS kind, {story_columns}, p.id AS ref_id, p.position AS number, NULL AS person_id"
        f" FROM {pinned_table} p JOIN {article_table} a ON a.id = p.story_id"
        f" WHERE p.article_id = %s AND a.status = %s AND a.published_at <= %s"
    )
    params += [article.pk, published, now]
    with_candidates = f"WITH candidate (story_id, tag_id) AS ({' UNION ALL '.join(branches)}) " if branches else ""
    return with_candidates + " UNION ALL ".join(parts), params
