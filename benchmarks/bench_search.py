"""Time of a search results page (count, ranked page, highlights) on a scratch corpus.

    DJANGO_DEBUG=1 .venv/bin/python benchmarks/bench_search.py --articles 20000
    DJANGO_DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsroom_bench_search \
        .venv/bin/python benchmarks/bench_search.py

Builds the corpus once (SQLite under /tmp unless DATABASE_URL is set; the database's triggers index it as
it is inserted), then runs each query repeatedly and prints the median and 95th-percentile
time of everything the search page asks the database for.
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORDS = (
    "harbour council storm ferry bridge school hospital budget election court museum rail "
    "police river market housing energy water festival football university airport tram"
).split()
NEWS_WORD_SHARE = 0.01
QUERIES = ["harbour", "storm ferry", '"city council"', "budget or election", "harbour -storm", "w123", "Trufanov"]


def configure_environment():
    os.environ.setdefault("DATABASE_URL", "sqlite:////tmp/newsroom-bench-search.sqlite3")
    os.environ.setdefault("DJANGO_DEBUG", "1")
    os.environ["DJANGO_SETTINGS_MODULE"] = "newsroom.settings"
    sys.path.insert(0, str(ROOT))


def sentence(rng, length):
    """Mostly filler from a large vocabulary; the news words are rare, as real topics are."""
    words = (rng.choice(WORDS) if rng.random() < NEWS_WORD_SHARE else f"w{rng.randrange(20000)}" for _ in range(length))
    return " ".join(words).capitalize() + "."


def build_corpus(article_count, seed=11):
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from articles.models import Article

    call_command("migrate", verbosity=0)
    if Article.objects.count() >= article_count:
        return
    rng = random.Random(seed)
    Article.objects.all().delete()
    now = timezone.now()
    Article.objects.bulk_create(
        (
            Article(
                headline=sentence(rng, 7),
                slug=f"bench-search-{n}",
                summary=sentence(rng, 25),
                body="\n\n".join(sentence(rng, 60) for _ in range(8)),
                status=Article.Status.PUBLISHED,
                published_at=now - timedelta(minutes=n),
            )
            for n in range(article_count)
        ),
        batch_size=1000,
    )
    with connection.cursor() as cursor:
        # What autovacuum does after a load this size; on PostgreSQL it also empties the GIN pending list.
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def time_query(text, repeats):
    from django.core.paginator import Paginator

    from articles import search

    terms = search.parse(text)
    timings, count = [], 0
    for _ in range(repeats):
        started = time.perf_counter()
        page = Paginator(search.matching_articles(terms), 12).get_page(1)
        search.highlighted(page.object_list, terms)
        count = page.paginator.count
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return count, statistics.median(timings), timings[int(len(timings) * 0.95) - 1]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=10000)
    parser.add_argument("--repeats", type=int, default=20)
    options = parser.parse_args()
    configure_environment()
    import django

    django.setup()
    from django.db import connection

    build_corpus(options.articles)
    print(f"{connection.vendor}, {options.articles} stories, {options.repeats} runs per query")
    print(f"{'query':<22} {'matches':>8} {'median ms':>10} {'p95 ms':>8}")
    for text in QUERIES:
        count, median, p95 = time_query(text, options.repeats)
        print(f"{text:<22} {count:>8} {median:>10.1f} {p95:>8.1f}")


if __name__ == "__main__":
    main()
