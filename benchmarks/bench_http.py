"""Throughput of the reader pages under gunicorn, measured with wrk.

    DJANGO_DEBUG= .venv/bin/python benchmarks/bench_http.py --articles 5000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsroom_bench REDIS_URL=redis://127.0.0.1:6379/9 \
        .venv/bin/python benchmarks/bench_http.py

Builds a scratch corpus (SQLite under /tmp unless DATABASE_URL is set), collects static files, starts gunicorn
with production settings (DEBUG off) on 127.0.0.1 and runs wrk against the front, article, tag and person pages.
Needs Debian's wrk (`apt-get install wrk`). Prints requests/s and latency percentiles per page.
"""

import argparse
import os
import random
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def configure_environment():
    os.environ.setdefault("DATABASE_URL", "sqlite:////tmp/newsroom-bench-http.sqlite3")
    os.environ["DJANGO_DEBUG"] = ""
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    os.environ["DJANGO_ALLOWED_HOSTS"] = "127.0.0.1"
    os.environ["DJANGO_SECURE_SSL_REDIRECT"] = "0"
    os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="newsroom-bench-media-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "newsroom.settings"
    sys.path.insert(0, str(ROOT))


def build_corpus(article_count, seed=7):
    from django.core.management import call_command
    from django.utils import timezone
    from taggit.models import Tag

    from articles.models import Article, Person, RelatedHeadline, TaggedArticle

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    if Article.objects.count() >= article_count:
        return
    rng = random.Random(seed)
    Article.objects.all().delete()
    tags = Tag.objects.bulk_create(Tag(name=f"Topic {n}", slug=f"topic-{n}") for n in range(300))
    people = Person.objects.bulk_create(Person(name=f"Person {n}", slug=f"person-{n}") for n in range(500))
    now = timezone.now()
    articles = Article.objects.bulk_create(
        (
            Article(
                headline=f"Benchmark story number {n}",
                slug=f"benchmark-story-{n}",
                summary="A short summary of the story for the front page.",
                body="\n\n".join(f"Paragraph {p} of story {n}, long enough to look like prose." for p in range(8)),
                byline="Staff",
                status=Article.Status.PUBLISHED,
                published_at=now - timedelta(minutes=n * 7),
            )
            for n in range(article_count)
        ),
        batch_size=1000,
    )
    # Tag popularity falls off steeply, as in a real newsroom.
    weights = [1 / (rank + 1) for rank in range(len(tags))]
    tagged, mentions, headlines = [], [], []
    for article in articles:
        for tag in set(rng.choices(tags, weights, k=rng.randint(3, 8))):
            tagged.append(TaggedArticle(content_object=article, tag=tag))
        for person in rng.sample(people, 3):
            mentions.append(Article.people.through(article=article, person=person))
        headlines.extend(
            RelatedHeadline(article=article, position=p, headline=f"Further reading {p}") for p in range(1, 6)
        )
    TaggedArticle.objects.bulk_create(tagged, batch_size=5000)
    Article.people.through.objects.bulk_create(mentions, batch_size=5000)
    RelatedHeadline.objects.bulk_create(headlines, batch_size=5000)


def sample_urls():
    from django.urls import reverse

    from articles.models import Article, Person

    article = Article.objects.published().order_by("-published_at")[10]
    return {
        "front page": reverse("articles:front_page"),
        "article": article.get_absolute_url(),
        "tag": reverse("articles:tag", args=["topic-3"]),
        "person": Person.objects.get(slug="person-3").get_absolute_url(),
    }


def wait_for_port(port, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer on port {port}")


def run_wrk(url, seconds, connections, threads):
    output = subprocess.run(
        ["wrk", "--latency", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    latency = dict(re.findall(r"^\s+(50|90|99)%\s+(\S+)", output, re.MULTILINE))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return rate, latency, int(errors.group(1)) if errors else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) * 2 + 1)
    parser.add_argument("--port", type=int, default=8123)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")

    configure_environment()
    import django

    django.setup()
    build_corpus(args.articles)
    urls = sample_urls()
    from django.db import connection

    database = connection.vendor
    connection.close()

    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "newsroom.wsgi",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            str(args.workers),
            "--access-logfile",
            "/dev/null",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
    )
    try:
        wait_for_port(args.port)
        cache = "redis" if os.environ.get("REDIS_URL") else "local memory"
        print(
            f"{args.articles} articles on {database}, cache {cache}; gunicorn {args.workers} sync workers;"
            f" wrk {args.connections} connections, {args.seconds}s per page"
        )
        print(f"{'page':<12} {'req/s':>9} {'p50':>9} {'p90':>9} {'p99':>9} {'errors':>7}")
        for name, path in urls.items():
            base = f"http://127.0.0.1:{args.port}{path}"
            run_wrk(base, 2, args.connections, 2)  # warm up connections and caches
            rate, latency, errors = run_wrk(base, args.seconds, args.connections, 2)
            print(
                f"{name:<12} {rate:>9.1f} {latency.get('50', '-'):>9} {latency.get('90', '-'):>9}"
                f" {latency.get('99', '-'):>9} {errors:>7}"
            )
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
