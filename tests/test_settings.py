import os
import subprocess
import sys

import pytest
from django.conf import settings


def run_python(code, **env):
    environment = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, env=environment, capture_output=True, text=True
    )


def test_the_site_refuses_to_serve_without_a_secret_key():
    result = run_python("import newsroom.wsgi")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_maintenance_commands_run_without_a_secret_key():
    result = run_python("import django; django.setup(); print('ready')", DJANGO_SETTINGS_MODULE="newsroom.settings")
    assert result.stdout.strip() == "ready"


def test_production_settings_pass_the_deployment_checklist():
    result = run_python(
        "import django; from django.core.management import call_command; django.setup();"
        " call_command('check', deploy=True, fail_level='WARNING')",
        DJANGO_SETTINGS_MODULE="newsroom.settings",
        DJANGO_SECRET_KEY="a-long-random-production-key-" + "x" * 40,
        DJANGO_ALLOWED_HOSTS="news.example.com",
    )
    assert result.returncode == 0, result.stderr


def test_postgresql_connections_come_from_a_pool_with_the_same_deadlines_when_asked():
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        pytest.skip("PostgreSQL only (the suite's PostgreSQL run)")
    result = run_python(
        "import django; django.setup(); from django.db import connection;"
        " cursor = connection.cursor(); cursor.execute('select 1');"
        " print(type(connection.pool).__name__, type(connection.connection).__name__,"
        " connection.connection.read_timeout, connection.settings_dict['CONN_MAX_AGE'],"
        " connection.pool.max_size)",
        DJANGO_SETTINGS_MODULE="newsroom.settings",
        DATABASE_URL=database_url,
        DATABASE_POOL="1",
        DATABASE_POOL_MAX_SIZE="3",
        DATABASE_STATEMENT_TIMEOUT="3",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["ConnectionPool", "DeadlineConnection", "4.0", "0", "3"]
