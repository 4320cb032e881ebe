"""Cache and database trouble, simulated through the loopback fault proxy (tests/faults.py).

Redis down or hung: readers, editors and imports carry on without the cache, within its timeouts.
PostgreSQL hung: readers get the site's error page within seconds and the site recovers by itself
(tests/test_database_faults.py drives gunicorn for that).
"""

import json
import logging
import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache, caches
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from articles.models import Article
from tests.factories import make_article
from tests.test_admin import article_form
from tests.test_import import SAMPLE

pytestmark = pytest.mark.django_db

# Over all the reader pages below, what a broken cache may add: one socket timeout (0.25 s) before the
# backend stops asking, plus room for a loaded machine. Without the degrading backend every page fails.
OUTAGE_ALLOWANCE_SECONDS = 1.5


def reader_urls(newsroom):
    articles, people = newsroom
    story = next(article for article in articles.values() if article.is_published)
    tag = story.tags.first()
    person = next(person for person in people.values() if person.articles.published().exists())
    return [
        reverse("articles:front_page"),
        story.get_absolute_url(),
        reverse("articles:tags"),
        reverse("articles:tag", args=[tag.slug]),
        reverse("articles:tag_feed", args=[tag.slug]),
        reverse("articles:people"),
        person.get_absolute_url(),
        reverse("articles:person_feed", args=[person.slug]),
        reverse("articles:search") + "?q=harbour",
        reverse("articles:latest_feed"),
        reverse("articles:latest_atom_feed"),
        reverse("articles:sitemap"),
        reverse("articles:news_sitemap"),
        reverse("articles:corrections"),
        reverse("articles:robots_txt"),
    ]


def fetch_all(urls):
    reader = Client()
    started = time.monotonic()
    responses = {url: reader.get(url) for url in urls}
    return responses, time.monotonic() - started


@pytest.mark.parametrize("fault", ["drop", "hang"])
def test_reader_pages_answer_without_redis_within_its_timeout(newsroom, redis_proxy, fault):
    urls = reader_urls(newsroom)
    # The same pages with the cache answering from memory: the normal time on this machine, now.
    healthy, normal_seconds = fetch_all(urls)
    getattr(redis_proxy, fault)()
    responses, outage_seconds = fetch_all(urls)

    for url, response in responses.items():
        assert response.status_code == 200, url
        # The very page readers get with a working cache, not a degraded one.
        assert response.content == healthy[url].content, url
    assert outage_seconds < normal_seconds + OUTAGE_ALLOWANCE_SECONDS
    # Without the cache every page still knows when the next scheduled story goes live.
    assert responses[urls[0]]["Cache-Control"] == healthy[urls[0]]["Cache-Control"]
    assert caches["default"].errors >= 1


def test_the_cache_is_used_again_once_redis_is_back(redis_proxy, settings):
    if not settings.REDIS_URL:
        pytest.skip("needs a Redis to come back to (REDIS_URL)")
    settings.CACHES["default"]["OPTIONS"]["retry_after"] = 0.2
    settings.CACHES = {**settings.CACHES}
    redis_proxy.drop()
    cache.set("greeting", "hello")
    assert cache.get("greeting", "missing") == "missing"
    redis_proxy.up()
    # Back within a retry window or two (a connection reset by the outage may fail once more).
    deadline = time.monotonic() + 3
    while cache.get("greeting") != "hello" and time.monotonic() < deadline:
        time.sleep(0.1)
        cache.set("greeting", "hello")
    assert cache.get("greeting") == "hello"
    assert caches["default"].ping()


def test_a_broken_cache_answers_every_operation_as_an_empty_cache(redis_proxy):
    redis_proxy.drop()
    assert cache.get("key") is None
    assert cache.get("key", "fallback") == "fallback"
    assert cache.get_or_set("key", "computed") == "computed"
    assert cache.add("key", 1) is False
    assert cache.set("key", 1) is None
    assert cache.get_many(["a", "b"]) == {}
    assert cache.set_many({"a": 1, "b": 2}) == ["a", "b"]
    assert cache.delete("key") is False
    assert cache.has_key("key") is False
    assert cache.touch("key") is False
    with pytest.raises(ValueError, match="not found"):
        cache.incr("counter")
    with pytest.raises(ValueError, match="not found"):
        cache.decr("counter")
    assert caches["default"].ping() is False


def test_an_outage_is_logged_once_per_interval_and_counted(redis_proxy, caplog):
    redis_proxy.hang()
    backend = caches["default"]
    backend.retry_after = 0  # ask Redis every time, so every call fails
    with caplog.at_level(logging.WARNING, logger="newsroom.cache"):
        started = time.monotonic()
        for _ in range(4):
            assert cache.get("key", "fallback") == "fallback"
        elapsed = time.monotonic() - started
    assert backend.errors == 4
    assert len([record for record in caplog.records if record.name == "newsroom.cache"]) == 1
    assert "Cache unavailable" in caplog.text
    # Each hung call is cut off by the socket timeout (0.25 s), not left to hang.
    assert elapsed < 4 * 0.25 + 1.5


def test_with_a_hung_redis_later_calls_skip_it_until_the_retry_window_passes(redis_proxy):
    redis_proxy.hang()
    backend = caches["default"]
    started = time.monotonic()
    for _ in range(20):
        cache.get("key")
    assert time.monotonic() - started < 0.25 + 1.0
    assert backend.errors == 1
    assert backend.skipped == 19


def test_editor_saves_a_story_with_redis_down(client, redis_proxy):
    client.force_login(User.objects.create_superuser("chief", "chief@example.com", "pw"))
    redis_proxy.drop()
    response = client.post(reverse("admin:articles_article_add"), article_form())
    assert response.status_code == 302, response.content[:2000]
    article = Article.objects.get(slug="harbour-bridge-reopens")
    assert set(article.tags.names()) == {"Harbour", "Transport"}
    assert article.is_published
    assert Client().get(article.get_absolute_url()).status_code == 200


def test_import_runs_with_redis_down(redis_proxy, capsys):
    make_article("An older story")
    redis_proxy.drop()
    call_command("import_articles", str(SAMPLE))
    assert Article.objects.count() == 2
    assert "created" in capsys.readouterr().out.lower()


def test_gunicorn_worker_timeout_stays_above_what_a_request_may_wait():
    # In a process of its own: settings give web processes their limits (tests and commands get none).
    script = (
        "import json, runpy; from newsroom import settings as s; c = runpy.run_path('gunicorn.conf.py'); "
        "print(json.dumps([c['timeout'], s.REQUEST_WAIT_BOUND, s.DATABASE_STATEMENT_TIMEOUT, s.DATABASE_READ_TIMEOUT]))"
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DATABASE_", "CACHE_", "GUNICORN_"))}
    output = subprocess.run(
        [sys.executable, "-c", script], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, check=True
    ).stdout
    timeout, bound, statement_timeout, read_timeout = json.loads(output.splitlines()[-1])
    assert (statement_timeout, read_timeout) == (3, 4)
    assert bound < 5  # the error page within 5 s of a dead database
    assert timeout > 2 * bound
