import os
import subprocess
import sys

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
