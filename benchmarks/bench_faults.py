"""How readers fare when Redis or PostgreSQL is in trouble, under gunicorn (gunicorn.conf.py, production settings).

Puts the loopback fault proxy of the tests (tests/faults.py) in front of PostgreSQL and Redis, loads the demo
newsroom into the given database, and times reader requests (article page and front page) with everything up,
Redis dropped, Redis hung, PostgreSQL hung and PostgreSQL back. Prints one line per state.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/nr_bench REDIS_URL=redis://127.0.0.1:6379/5 \\
        .venv/bin/python benchmarks/bench_faults.py

The database is migrated, emptied and filled with the demo content: use one of your own, never a shared one.
"""

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from tests.faults import FaultProxy  # noqa: E402


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(port, path, timeout=60):
    started = time.monotonic()
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        client.request("GET", path, headers={"Host": "127.0.0.1"})
        response = client.getresponse()
        response.read()
        return response.status, time.monotonic() - started
    except OSError:
        return "no reply", time.monotonic() - started
    finally:
        client.close()


def measure(label, port, paths, requests):
    results = [get(port, paths[number % len(paths)]) for number in range(requests)]
    seconds = [elapsed for _, elapsed in results]
    statuses = {}
    for status, _ in results:
        statuses[status] = statuses.get(status, 0) + 1
    print(
        f"{label:<22} {requests:>3} requests  statuses {statuses}  "
        f"median {statistics.median(seconds) * 1000:7.1f} ms  max {max(seconds) * 1000:7.1f} ms"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=20, help="requests per state (default 20)")
    args = parser.parse_args()
    database, redis = urlsplit(os.environ["DATABASE_URL"]), urlsplit(os.environ["REDIS_URL"])
    scratch = Path(tempfile.mkdtemp(prefix="bench-faults-"))
    base_env = {**os.environ, "DJANGO_SECRET_KEY": "bench-" + "x" * 50, "MEDIA_ROOT": str(scratch / "media")}
    base_env.pop("DJANGO_DEBUG", None)
    manage = [sys.executable, "manage.py"]
    setup_env = {**base_env, "DJANGO_DEBUG": "1"}
    subprocess.run([*manage, "migrate", "-v0"], cwd=PROJECT, env=setup_env, check=True)
    subprocess.run([*manage, "flush", "--noinput", "-v0"], cwd=PROJECT, env=setup_env, check=True)
    subprocess.run([*manage, "load_demo", "-v0"], cwd=PROJECT, env=setup_env, check=True, capture_output=True)
    static = scratch / "static"
    subprocess.run(
        [*manage, "collectstatic", "--noinput", "-v0"], cwd=PROJECT, env={**base_env, "STATIC_ROOT": str(static)}
    )
    pg_proxy = FaultProxy(database.hostname, database.port or 5432)
    redis_proxy = FaultProxy(redis.hostname, redis.port or 6379)
    port = free_port()
    env = {
        **base_env,
        "DATABASE_URL": database._replace(netloc=f"{database.username}@{pg_proxy.address}").geturl(),
        "REDIS_URL": redis._replace(netloc=redis_proxy.address).geturl(),
        "STATIC_ROOT": str(static),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py"],
        cwd=PROJECT,
        env=env,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            if get(port, "/healthz", timeout=1)[0] == 200:
                break
            time.sleep(0.2)
        setup_django(setup_env)
        paths = reader_paths()
        get(port, paths[0])
        measure("all up", port, paths, args.requests)
        redis_proxy.drop()
        measure("Redis dropped", port, paths, args.requests)
        redis_proxy.hang()
        measure("Redis hung", port, paths, args.requests)
        redis_proxy.up()
        time.sleep(5.5)  # the cache's retry window
        measure("Redis back", port, paths, args.requests)
        pg_proxy.hang()
        measure("PostgreSQL hung", port, paths, max(4, args.requests // 4))
        print(f"{'  /readyz':<22} {get(port, '/readyz')}")
        pg_proxy.up()
        measure("PostgreSQL back", port, paths, args.requests)
    finally:
        server.terminate()
        server.wait()
        pg_proxy.close()
        redis_proxy.close()


def setup_django(env):
    os.environ.update({key: env[key] for key in ("DATABASE_URL", "DJANGO_DEBUG", "DJANGO_SECRET_KEY", "MEDIA_ROOT")})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    import django

    django.setup()


def reader_paths():
    from articles.models import Article

    story = Article.objects.published().order_by("-published_at").first()
    return [story.get_absolute_url(), "/"]


if __name__ == "__main__":
    main()
