"""PostgreSQL hung or gone, seen by readers of a production-configured gunicorn (gunicorn.conf.py).

The database is reached through the loopback fault proxy (tests/faults.py): hung, readers get the site's
error page within 5 s (not an empty reply after gunicorn's worker timeout); back, the site recovers
without a restart; `/readyz` says 503 meanwhile and `/healthz` stays 200.
"""

import http.client
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.factories import make_article

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's timeouts; SQLite is in-process"),
]

ERROR_PAGE_BOUND_SECONDS = 5
PROJECT = Path(settings.BASE_DIR)


@pytest.fixture(scope="session")
def production_static(tmp_path_factory):
    """Static files collected as production serves them (hashed names, whitenoise's manifest)."""
    root = tmp_path_factory.mktemp("staticfiles")
    env = {**os.environ, "DJANGO_SECRET_KEY": "collect", "STATIC_ROOT": str(root)}
    env.pop("DJANGO_DEBUG", None)
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=PROJECT, env=env, check=True)
    return root


@pytest.fixture
def gunicorn_through(production_static, tmp_path, fault_proxy):
    """Start gunicorn (our config, production settings) on the test database through a fault proxy."""
    database = connection.settings_dict
    proxy = fault_proxy(database["HOST"] or "127.0.0.1", int(database["PORT"] or 5432))
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}@127.0.0.1:{proxy.port}/{database['NAME']}",
        "DJANGO_SECRET_KEY": "fault-test-key-" + "x" * 40,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "STATIC_ROOT": str(production_static),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
    }
    for name in ("DJANGO_DEBUG", "REDIS_URL"):
        env.pop(name, None)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py"],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_until_listening(port, server)
        yield proxy, port
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def free_port():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_listening(port, server, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {server.stderr.read().decode()[-2000:]}")
        try:
            get(port, "/healthz", timeout=1)
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def get(port, path, timeout=30):
    """(status, headers, body, seconds) of one plain HTTP GET."""
    started = time.monotonic()
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        client.request("GET", path, headers={"Host": "127.0.0.1"})
        response = client.getresponse()
        body = response.read()
        return response.status, dict(response.getheaders()), body, time.monotonic() - started
    finally:
        client.close()


def test_hung_database_gives_readers_the_error_page_in_seconds_and_the_site_recovers(gunicorn_through):
    proxy, port = gunicorn_through
    story = make_article("Harbour bridge reopens after repairs")
    path = story.get_absolute_url()
    # Both workers warm, with a persistent connection each (CONN_MAX_AGE).
    for _ in range(4):
        status, _, body, _ = get(port, path)
        assert status == 200 and b"Harbour bridge reopens" in body

    proxy.hang()
    for _ in range(4):  # both workers: reused connections first, then new ones that are never answered
        status, headers, body, seconds = get(port, path)
        assert status == 500
        assert b"Something went wrong on our side" in body
        assert seconds < ERROR_PAGE_BOUND_SECONDS, f"error page after {seconds:.1f} s"
        # A CDN must not keep the outage page.
        assert "no-store" in headers.get("Cache-Control", "")
    status, _, body, seconds = get(port, "/readyz")
    assert status == 503 and b'"database": false' in body
    assert seconds < ERROR_PAGE_BOUND_SECONDS
    assert get(port, "/healthz")[0] == 200

    proxy.up()
    status, _, body, _ = get(port, path)
    assert status == 200 and b"Harbour bridge reopens" in body
    assert get(port, "/readyz")[0] == 200


def test_dropped_database_gives_the_error_page_at_once_and_recovers(gunicorn_through):
    proxy, port = gunicorn_through
    story = make_article("Ferry timetable changes for winter")
    assert get(port, story.get_absolute_url())[0] == 200
    proxy.drop()
    status, headers, body, seconds = get(port, story.get_absolute_url())
    assert status == 500 and b"Something went wrong on our side" in body
    assert seconds < ERROR_PAGE_BOUND_SECONDS
    proxy.up()
    assert get(port, story.get_absolute_url())[0] == 200
