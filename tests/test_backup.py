"""Back up a populated site with the README's commands, restore it into an empty database and media folder,
and check that every page, picture and derived index is as it was (tests/site_snapshot.py)."""

import json
import os
import shutil
import subprocess
import sys
import uuid

import pytest
from django.conf import settings
from django.db import connection

PROJECT = settings.BASE_DIR
PG = connection.vendor == "postgresql"


def site_env(database_url, media):
    env = {
        **os.environ,
        "DJANGO_DEBUG": "1",
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": str(media),
    }
    env.pop("REDIS_URL", None)  # each site its own local cache
    return env


def manage(env, *args):
    subprocess.run([sys.executable, "manage.py", *args], cwd=PROJECT, env=env, check=True, capture_output=True)


def shell(command, cwd, env=None):
    result = subprocess.run(command, shell=True, cwd=cwd, env=env, capture_output=True, text=True)  # noqa: S602
    assert result.returncode == 0, f"{command}\n{result.stderr}"


def snapshot(env):
    output = subprocess.run(
        [sys.executable, "-m", "tests.site_snapshot"], cwd=PROJECT, env=env, check=True, capture_output=True, text=True
    ).stdout
    return json.loads(output)


def populate(env):
    manage(env, "migrate", "-v0")
    manage(env, "load_demo", "-v0")
    before = snapshot(env)
    assert len(before["pages"]) > 20 and before["pictures"]
    assert all(status == 200 for status, _ in before["pages"].values())
    assert all(status == 200 for status, _ in before["pictures"].values())
    return before


def check_restored(before, env):
    after = snapshot(env)
    assert after["pages"] == before["pages"]
    assert after["pictures"] == before["pictures"]
    assert after["rows"] == before["rows"]
    # The restored derived data is what a from-scratch rebuild gives.
    manage(env, "rebuild_indexes")
    assert snapshot(env) == before


@pytest.mark.django_db
def test_sqlite_site_backed_up_and_restored_into_an_empty_database_and_media_folder(tmp_path):
    site, restored = tmp_path / "site", tmp_path / "restored"
    site.mkdir()
    restored.mkdir()
    env = site_env(f"sqlite:///{site / 'db.sqlite3'}", site / "media")
    before = populate(env)

    # README, "Backup and restore": SQLite, then media.
    python = sys.executable
    shell(
        f"{python} -c \"import sqlite3; sqlite3.connect('db.sqlite3').backup(sqlite3.connect('backup.sqlite3'))\"", site
    )
    shell('tar -C "${MEDIA_ROOT:-media}" -czf media.tar.gz .', site, env)
    shutil.move(site / "backup.sqlite3", restored / "backup.sqlite3")
    shutil.move(site / "media.tar.gz", restored / "media.tar.gz")
    shutil.rmtree(site)  # the machine is gone

    restored_env = site_env(f"sqlite:///{restored / 'db.sqlite3'}", restored / "media")
    assert not (restored / "db.sqlite3").exists() and not (restored / "media").exists()
    shell("rm -f db.sqlite3-wal db.sqlite3-shm && cp backup.sqlite3 db.sqlite3", restored)
    shell('mkdir -p "${MEDIA_ROOT:-media}" && tar -C "${MEDIA_ROOT:-media}" -xzf media.tar.gz', restored, restored_env)
    check_restored(before, restored_env)


@pytest.mark.skipif(not PG, reason="pg_dump and pg_restore: the PostgreSQL run")
@pytest.mark.django_db
def test_postgresql_site_backed_up_and_restored_into_an_empty_database_and_media_folder(tmp_path):
    base = connection.settings_dict
    host, port, user = base["HOST"] or "127.0.0.1", base["PORT"] or 5432, base["USER"] or "postgres"
    names = [f"{base['NAME']}_backup_{uuid.uuid4().hex[:8]}_{side}" for side in ("site", "restored")]
    url = {name: f"postgres://{user}@{host}:{port}/{name}" for name in names}
    for name in names:
        shell(f"createdb --host={host} --port={port} --username={user} {name}", tmp_path)
    try:
        env = site_env(url[names[0]], tmp_path / "media")
        before = populate(env)

        # README, "Backup and restore": PostgreSQL, then media.
        shell('pg_dump --format=custom --no-owner --no-privileges --file=newsroom.dump "$DATABASE_URL"', tmp_path, env)
        shell('tar -C "${MEDIA_ROOT:-media}" -czf media.tar.gz .', tmp_path, env)
        restored_env = site_env(url[names[1]], tmp_path / "restored-media")
        shell(
            'pg_restore --no-owner --no-privileges --exit-on-error --dbname="$DATABASE_URL" newsroom.dump',
            tmp_path,
            restored_env,
        )
        shell(
            'mkdir -p "${MEDIA_ROOT:-media}" && tar -C "${MEDIA_ROOT:-media}" -xzf media.tar.gz', tmp_path, restored_env
        )
        check_restored(before, restored_env)
    finally:
        for name in names:
            subprocess.run(
                ["dropdb", "--if-exists", "--force", f"--host={host}", f"--port={port}", f"--username={user}", name],
                capture_output=True,
            )
