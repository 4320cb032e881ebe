"""Throughput of the reader pages under gunicorn, measured with wrk: the floor, uncached, cached, and under churn.

    DJANGO_DEBUG= .venv/bin/python benchmarks/bench_http.py --articles 1000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsroom_bench REDIS_URL=redis://127.0.0.1:6379/9 \
        .venv/bin/python benchmarks/bench_http.py

Builds a scratch corpus (SQLite under /tmp unless DATABASE_URL is set), collects static files and, in one
run on the same corpus, server settings (gunicorn sync workers, production settings) and wrk settings:

1. the floor: Django's constant response (../shared/bench/limits_app `/const/`, default middleware) on the
   same gunicorn;
2. uncached: the article, front, tag and person pages with the page cache off (PAGE_CACHE_SECONDS=0);
3. cached: the same pages from the page cache (warmed first);
4. publish-while-loaded: wrk on the front page while this script publishes and takes down a story every
   second, and checker clients read the front page throughout: a response is *stale* when it was asked
   for after a change had committed and shows the state before it (a taken-down story, or a published one
   missing). Responses whose request overlapped a change are counted as such, never as stale.

Then the in-process cost of one article page, uncached and from the page cache (Django's test client, no
server). Needs Debian's wrk.
"""

import argparse
import http.client
import os
import random
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIMITS_APP = ROOT.parent / "shared" / "bench" / "limits_app"
BREAKING = "Breaking: the harbour bridge reopens"


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
    if Article.objects.count() == article_count + 1:
        return
    rng = random.Random(seed)
    Article.objects.all().delete()
    Tag.objects.all().delete()
    Person.objects.all().delete()
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
                published_at=now - timedelta(minutes=n * 7 + 30),
            )
            for n in range(article_count)
        ),
        batch_size=1000,
    )
    # The story the churn run publishes and takes down: tagged like the rest, taken down to begin with.
    articles.append(
        Article.objects.create(
            headline=BREAKING,
            slug="breaking-bridge",
            summary="The bridge reopened after repairs.",
            body="It reopened.",
            status=Article.Status.UNPUBLISHED,
            published_at=now - timedelta(minutes=1),
        )
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
        "article": article.get_absolute_url(),
        "front page": reverse("articles:front_page"),
        "tag": reverse("articles:tag", args=["topic-3"]),
        "person": Person.objects.get(slug="person-3").get_absolute_url(),
    }


def wait_for_port(port, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer on port {port}")


def wait_for_answer(port, timeout=60):
    """The port opens before the workers have loaded the site: wait for a first page."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("GET", "/robots.txt")
            if connection.getresponse().status < 500:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"nothing answered on port {port}")


def run_wrk(url, seconds, connections, threads):
    output = subprocess.run(
        ["wrk", "--latency", "--timeout", "10s", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    latency = dict(re.findall(r"^\s+(50|90|99)%\s+(\S+)", output, re.MULTILINE))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return rate, latency, int(errors.group(1)) if errors else 0


class Server:
    """gunicorn on loopback, started as a child and stopped by its pid."""

    def __init__(self, module, port, workers, cwd, env=None):
        self.port = port
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                module,
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--access-logfile",
                "/dev/null",
                "--log-level",
                "warning",
            ],
            cwd=cwd,
            # Workers are not recycled mid-run (gunicorn.conf.py's max_requests): they would lose their caches.
            env={**os.environ, "GUNICORN_MAX_REQUESTS": "0", **(env or {})},
        )
        wait_for_port(port)
        wait_for_answer(port)

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=20)


def measure(name, url, args, rows):
    run_wrk(url, 2, args.connections, 2)  # warm up connections, workers and caches
    rate, latency, errors = run_wrk(url, args.seconds, args.connections, 2)
    rows[name] = rate
    print(
        f"{name:<26} {rate:>9.1f} {latency.get('50', '-'):>9} {latency.get('90', '-'):>9}"
        f" {latency.get('99', '-'):>9} {errors:>7}",
        flush=True,
    )


class Checker(threading.Thread):
    """A reader of the front page recording, per response, when it asked, when it got it and what it showed."""

    def __init__(self, port, stop):
        super().__init__(daemon=True)
        self.port, self.stop, self.samples = port, stop, []

    def run(self):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        while not self.stop.is_set():
            asked = time.monotonic()
            connection.request("GET", "/", headers={"Accept-Encoding": "identity"})
            response = connection.getresponse()
            body = response.read()
            self.samples.append((asked, time.monotonic(), response.status, BREAKING.encode() in body))


def publish_while_loaded(port, args):
    """Publish and take down the breaking story every second under wrk load; count stale front pages."""
    from django.db import connection

    from articles.models import Article

    story = Article.objects.get(slug="breaking-bridge")
    changes = []  # (monotonic time the commit and its invalidation were done, visible after it)
    stop = threading.Event()
    checkers = [Checker(port, stop) for _ in range(args.checkers)]
    load = threading.Thread(target=run_wrk, args=(f"http://127.0.0.1:{port}/", args.churn_seconds, args.connections, 2))
    load.start()
    for checker in checkers:
        checker.start()
    started = time.monotonic()
    visible = False
    try:
        while time.monotonic() - started < args.churn_seconds - 1:
            began = time.monotonic()
            chosen = Article.objects.filter(pk=story.pk)
            chosen.unpublish() if visible else chosen.publish()
            visible = not visible
            changes.append((began, time.monotonic(), visible))
            time.sleep(max(0, 1 - (time.monotonic() - began)))
    finally:
        stop.set()
        for checker in checkers:
            checker.join()
        load.join()
        connection.close()
    stale = overlapping = fresh = errors = 0
    for asked, answered, status, shown in (sample for checker in checkers for sample in checker.samples):
        if status != 200:
            errors += 1
            continue
        if any(asked <= done and answered >= began for began, done, _ in changes):
            overlapping += 1  # the request ran while a change was committing: either answer is right
            continue
        before = [state for _, done, state in changes if done < asked]
        expected = before[-1] if before else False
        if shown == expected:
            fresh += 1
        else:
            stale += 1
    return {"changes": len(changes), "right": fresh, "stale": stale, "overlapping": overlapping, "errors": errors}


def in_process_article_ms(path, repeat, cached=False):
    """Median and p90 of wall and CPU time (ms) per article page, uncached or from the page cache (a hit);
    CPU time survives a loaded machine."""
    from django.test import Client, override_settings

    client = Client(HTTP_HOST="127.0.0.1")
    with override_settings(PAGE_CACHE_SECONDS=86400 if cached else 0):
        for _ in range(20):
            client.get(path)
        wall, cpu = [], []
        for _ in range(repeat):
            began, began_cpu = time.perf_counter(), time.process_time()
            response = client.get(path)
            cpu.append((time.process_time() - began_cpu) * 1000)
            wall.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200
            assert response["X-Page-Cache"] == ("hit" if cached else "pass")
    return {
        name: (statistics.median(times), statistics.quantiles(times, n=10)[-1])
        for name, times in (("wall", wall), ("CPU", cpu))
    }


def print_in_process(path, repeat):
    for label, cached in (("uncached", False), ("cached (a hit)", True)):
        for name, (median, p90) in in_process_article_ms(path, repeat, cached).items():
            print(f"in-process {label} article page, {name}: {median:.2f} ms median, {p90:.2f} ms p90 (test client)")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (as the peer benchmark)")
    parser.add_argument("--churn-seconds", type=int, default=20)
    parser.add_argument("--checkers", type=int, default=4)
    parser.add_argument("--port", type=int, default=8123)
    parser.add_argument(
        "--in-process-only",
        action="store_true",
        help="only the in-process cost of an article page, uncached and cached",
    )
    parser.add_argument("--repeat", type=int, default=200, help="article pages timed in process")
    args = parser.parse_args()
    if not args.in_process_only and not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")

    configure_environment()
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    build_corpus(args.articles)
    urls = sample_urls()
    if args.in_process_only:
        print(f"{args.articles} articles on {connection.vendor}")
        print_in_process(urls["article"], args.repeat)
        return
    database = connection.vendor
    connection.close()
    cache = "redis" if settings.REDIS_URL else "local memory"
    print(
        f"{args.articles} articles on {database}, cache {cache} (generations: {settings.PAGE_CACHE_GENERATIONS});"
        f" gunicorn {args.workers} sync workers; wrk -t2 -c{args.connections}, {args.seconds}s per row"
    )
    print(f"{'page':<26} {'req/s':>9} {'p50':>9} {'p90':>9} {'p99':>9} {'errors':>7}")
    rows = {}
    port = args.port
    if (LIMITS_APP / "manage.py").exists():
        floor = Server(
            "limitsproj.wsgi",
            port,
            args.workers,
            LIMITS_APP,
            {"LIMITS_DB": "/tmp/newsroom-bench-limits.sqlite3", "DJANGO_SETTINGS_MODULE": "limitsproj.settings"},
        )
        try:
            measure("floor: django const", f"http://127.0.0.1:{port}/const/", args, rows)
        finally:
            floor.stop()
    else:
        print(f"(no floor: {LIMITS_APP} is missing)")
    for label, seconds in (("uncached", "0"), ("cached", str(settings.PAGE_CACHE_SECONDS or 86400))):
        port += 1
        server = Server("newsroom.wsgi", port, args.workers, ROOT, {"PAGE_CACHE_SECONDS": seconds})
        try:
            for name, path in urls.items():
                measure(f"{label} {name}", f"http://127.0.0.1:{port}{path}", args, rows)
            if label == "cached":
                churn = publish_while_loaded(port, args)
        finally:
            server.stop()
    print(
        f"publish-while-loaded ({args.churn_seconds}s, wrk on / and {args.checkers} checkers):"
        f" {churn['changes']} changes;"
        f" checked responses: {churn['right']} right, {churn['stale']} stale,"
        f" {churn['overlapping']} overlapping a change, {churn['errors']} errors"
    )
    floor_rate = rows.get("floor: django const")
    if floor_rate:
        for name in ("article", "front page", "tag", "person"):
            print(f"cached {name} / floor: {rows[f'cached {name}'] / floor_rate:.0%}", end="; ")
        print()
    print_in_process(urls["article"], args.repeat)


if __name__ == "__main__":
    main()
