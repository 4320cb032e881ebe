"""Related-stories benchmark on synthetic corpora with realistic skew, on SQLite and PostgreSQL.

    python benchmarks/bench_related.py                       # 10k, 100k, 1M on both databases
    python benchmarks/bench_related.py --sizes 10000 --databases sqlite --samples 200

Each run gets a scratch database of its own, never the development one: a SQLite file under /tmp, or the
PostgreSQL database `h_related_bench` (recreated; server from BENCH_POSTGRES_URL, default
postgres://postgres@127.0.0.1:5432). The corpus: Zipf-popular tags (a few on very many stories, most on few),
3–8 tags and 0–3 people per story, ~300 stories a day, 3% drafts and a few scheduled stories; rows go in with
COPY (PostgreSQL) or executemany (SQLite); --reuse keeps a scratch corpus of the right size. Printed:
generation time; over a few hundred random published articles, p50/p95 of the related list (article, tags
and people loaded as the page loads them) and of the whole article page through the test client, on first
touch and as the best of three rounds per article; and the index upkeep: one story's refresh (publish,
edit, retag) and the full rebuild command.

    python benchmarks/bench_related.py --sizes 1000000 --databases postgres --reuse
"""

import argparse
import bisect
import itertools
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
POSTGRES_DATABASE = "h_related_bench"
STORIES_PER_DAY = 300
TAG_ZIPF_EXPONENT = 1.0
SEED = 20261125
ROUNDS = 3


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000", help="comma-separated article counts")
    parser.add_argument("--databases", default="sqlite,postgres", help="sqlite, postgres or both")
    parser.add_argument("--samples", type=int, default=300, help="random articles timed per run")
    parser.add_argument(
        "--reuse", action="store_true", help="keep a scratch database that already holds a corpus of that size"
    )
    parser.add_argument(
        "--rankings", metavar="DIR", help="write each run's top-10 lists to DIR/<database>_<size>.json, to diff"
    )
    parser.add_argument("--one", nargs=2, metavar=("DATABASE", "SIZE"), help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.one:
        database, size = options.one
        run(database, int(size), options.samples, options.reuse, options.rankings)
        return
    # One process per run: Django is configured once per process, from the scratch database's URL.
    for size, database in itertools.product(options.sizes.split(","), options.databases.split(",")):
        command = [sys.executable, __file__, "--one", database, size, "--samples", str(options.samples)]
        command += ["--reuse"] if options.reuse else []
        command += ["--rankings", options.rankings] if options.rankings else []
        subprocess.run(command, check=True)


def scratch_url(database, size):
    if database == "sqlite":
        return f"sqlite:////tmp/bench_related_{size}.sqlite3"
    if database == "postgres":
        return f"{POSTGRES_SERVER}/{POSTGRES_DATABASE}"
    raise SystemExit(f"unknown database {database!r}: use sqlite or postgres")


def reset_scratch(database, size):
    if database == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"/tmp/bench_related_{size}.sqlite3{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as server:
        server.execute(f"DROP DATABASE IF EXISTS {POSTGRES_DATABASE}")
        server.execute(f"CREATE DATABASE {POSTGRES_DATABASE}")


def run(database, size, samples, reuse, rankings):
    os.environ["DATABASE_URL"] = scratch_url(database, size)
    os.environ["DJANGO_DEBUG"] = "1"
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from articles.models import Article

    corpus = Corpus(size)
    if reuse and existing_size(database, size) == size:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE" if database == "postgres" else "ANALYZE")
        corpus.published_ids = list(Article.objects.published().order_by("pk").values_list("pk", flat=True))
        print(f"\n[{database} {size:,}] reusing the corpus already in {scratch_url(database, size)}", flush=True)
    else:
        connection.close()
        reset_scratch(database, size)
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        load(database, corpus)
        generated = time.perf_counter() - started
        print(
            f"\n[{database} {size:,}] generated {size:,} stories, {corpus.tag_rows:,} tag rows, "
            f"{corpus.people_rows:,} people rows over {len(corpus.tag_names):,} tags in {generated:.1f} s",
            flush=True,
        )
    # Debug settings log every query; the figures should not pay for that.
    settings.DEBUG = False
    if rankings:
        write_rankings(Path(rankings) / f"{database}_{size}.json", corpus)
    measure(database, size, corpus, samples)


def write_rankings(path, corpus):
    """Top-10 ids and scores for sampled articles: the same corpus must rank the same on every database."""
    import json

    from articles.models import Article

    chosen = random.Random(SEED + 2).sample(corpus.published_ids, min(300, len(corpus.published_ids)))
    lists = {
        article.pk: [(story.pk, round(story.score, 9)) for story in article.related_articles(limit=10)]
        for article in Article.objects.for_page().filter(pk__in=chosen).order_by("pk")
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(lists, indent=0))
    print(f"rankings of {len(lists)} articles written to {path}", flush=True)


def existing_size(database, size):
    """How many stories the scratch database holds (0 when it is missing, or its schema is not current)."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    try:
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            return 0
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM articles_article")
            return cursor.fetchone()[0]
    except Exception:  # a missing database or table both mean "nothing to reuse"
        connection.close()
        return 0


class Corpus:
    def __init__(self, size):
        self.size = size
        self.random = random.Random(SEED)
        self.now = datetime.now(UTC).replace(microsecond=0)
        tag_count = max(500, size // 20)
        self.tag_names = [f"topic-{n}" for n in range(1, tag_count + 1)]
        self.people_count = max(100, size // 50)
        self.tag_weights = list(itertools.accumulate(1 / rank**TAG_ZIPF_EXPONENT for rank in range(1, tag_count + 1)))
        self.people_weights = list(
            itertools.accumulate(1 / rank**TAG_ZIPF_EXPONENT for rank in range(1, self.people_count + 1))
        )
        self.span = timedelta(days=size / STORIES_PER_DAY)
        self.tag_rows = self.people_rows = 0
        self.published_ids = []

    def pick(self, weights, count):
        total = weights[-1]
        chosen = set()
        while len(chosen) < count:
            chosen.add(bisect.bisect_left(weights, self.random.random() * total) + 1)
        return sorted(chosen)

    def stories(self):
        """(id, headline, slug, status, published_at, tag ids, person ids), oldest first."""
        start = self.now - self.span
        for story_id in range(1, self.size + 1):
            moment = start + self.span * (story_id / self.size) + timedelta(seconds=self.random.randint(0, 3600))
            roll = self.random.random()
            if roll < 0.03:
                status, published_at = "draft", None
            elif story_id > self.size - self.size // 500:
                status, published_at = "published", self.now + timedelta(hours=story_id % 48 + 1)
            else:
                status, published_at = "published", moment
                self.published_ids.append(story_id)
            tags = self.pick(self.tag_weights, self.random.randint(3, 8))
            people = self.pick(self.people_weights, self.random.choice((0, 1, 1, 2, 3)))
            headline = f"Story {story_id} on {self.tag_names[tags[0] - 1]} and {self.tag_names[tags[-1] - 1]}"
            yield story_id, headline, f"story-{story_id}", status, published_at, moment, tags, people


def load(database, corpus):
    from django.db import connection, transaction

    from articles.models import Article

    article_columns = (
        "id, headline, slug, summary, body, byline, dateline, source, source_key, status, published_at, "
        "created_at, updated_at, search_keywords, headline_key"
    )
    tables = {
        "taggit_tag": "id, name, slug",
        "articles_person": "id, name, slug, role, bio, aliases",
        "articles_article": article_columns,
        "articles_taggedarticle": "id, tag_id, content_object_id, published_at",
        "articles_article_people": "id, article_id, person_id",
    }

    def stamp(moment):
        # SQLite keeps naive UTC text, as Django writes it.
        if moment is None or database == "postgres":
            return moment
        return moment.replace(tzinfo=None).isoformat(" ")

    def rows():
        yield "taggit_tag", ((n, name, name) for n, name in enumerate(corpus.tag_names, start=1))
        people = ((n, f"Person {n}", f"person-{n}", "", "", "") for n in range(1, corpus.people_count + 1))
        yield "articles_person", people
        articles, tagged, mentioned = [], [], []
        for story_id, headline, slug, status, published_at, created, tags, people in corpus.stories():
            articles.append(
                (story_id, headline, slug, "", f"Body of story {story_id}.", "", "", "", "", status)
                + (stamp(published_at), stamp(created), stamp(created), "", headline.casefold())
            )
            for tag in tags:
                tagged.append((len(tagged) + 1, tag, story_id, stamp(published_at)))
            for person in people:
                mentioned.append((len(mentioned) + 1, story_id, person))
        corpus.tag_rows, corpus.people_rows = len(tagged), len(mentioned)
        yield "articles_article", articles
        yield "articles_taggedarticle", tagged
        yield "articles_article_people", mentioned

    with transaction.atomic():
        connection.ensure_connection()
        raw = connection.connection
        for table, values in rows():
            columns = tables[table]
            if database == "postgres":
                with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in values:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" * len(columns.split(",")))
                raw.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", values)
        # The database's triggers index the tag rows and count them as they arrive (articles/triggers.py).
    with connection.cursor() as cursor:
        if database == "postgres":
            for table in tables:
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("ANALYZE")
    assert Article.objects.count() == corpus.size


def percentiles(seconds):
    milliseconds = sorted(value * 1000 for value in seconds)
    p95 = milliseconds[min(len(milliseconds) - 1, int(len(milliseconds) * 0.95))]
    return f"p50 {statistics.median(milliseconds):7.2f} ms   p95 {p95:7.2f} ms"


def measure(database, size, corpus, samples):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from articles.models import Article

    chooser = random.Random(SEED + 1)
    chosen = chooser.sample(corpus.published_ids, min(samples + 20, len(corpus.published_ids)))
    warm_up, chosen = chosen[:20], chosen[20:]
    client = Client(HTTP_HOST="localhost")

    def related_time(story_id):
        article = Article.objects.for_page().get(pk=story_id)
        started = time.perf_counter()
        article.related_articles()
        return time.perf_counter() - started

    def page_time(story_id):
        url = Article.objects.get(pk=story_id).get_absolute_url()
        started = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, (url, response.status_code)
        return elapsed

    for story_id in warm_up:
        related_time(story_id)
        page_time(story_id)
    article = Article.objects.for_page().get(pk=chosen[0])
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as queries:
        shown = article.related_articles()
    query_count = len(queries)  # now: each test-client request below resets the query log
    # Three rounds over the same articles: the first touches each article's rows for the first time; the
    # best of three per article is the steady cost, with the noise of a busy shared machine filtered out.
    related_rounds, page_rounds = [], []
    for _ in range(ROUNDS):
        related_rounds.append([related_time(story_id) for story_id in chosen])
        page_rounds.append([page_time(story_id) for story_id in chosen])
    label = f"[{database} {size:,}]"
    for name, rounds in (("related list", related_rounds), ("article page", page_rounds)):
        best = [min(times) for times in zip(*rounds, strict=True)]
        print(f"{label} {name}, first touch:  {percentiles(rounds[0])}")
        print(f"{label} {name}, best of {ROUNDS}:    {percentiles(best)}")
    print(f"{label} related list: {query_count} queries; {len(chosen)} random published articles")
    print(f"[{database} {size:,}] e.g. {article.headline!r} → {[story.reason for story in shown][:2]}")

    takedowns = []
    for story_id in chosen[:50]:
        # A take-down and its undoing, each a plain update(): the triggers move the story's tag rows and counts.
        started = time.perf_counter()
        Article.objects.filter(pk=story_id).update(status=Article.Status.UNPUBLISHED)
        Article.objects.filter(pk=story_id).update(status=Article.Status.PUBLISHED)
        takedowns.append((time.perf_counter() - started) / 2)
    print(f"[{database} {size:,}] one story's status change, index kept by triggers (50): {percentiles(takedowns)}")
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("rebuild_indexes", "--check", verbosity=0)
    print(
        f"[{database} {size:,}] drift check of all derived data (rebuild_indexes --check): "
        f"{time.perf_counter() - started:.1f} s"
    )
    started = time.perf_counter()
    call_command("rebuild_indexes", verbosity=0)
    print(f"[{database} {size:,}] full rebuild (rebuild_indexes): {time.perf_counter() - started:.1f} s")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
