"""Production settings: ``check --deploy`` is clean, a placeholder secret key stops the start,
and every page carries a Content Security Policy without inline script."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REAL_LOOKING_SECRET = "q3V9x-7mLr2TzP8kWc4NbY6hJd1FsA0eGu5oKi_XvRt3MwQn8LpZ"


def _manage(tmp_path, *args: str, **overrides: str) -> subprocess.CompletedProcess:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "CELERY_", "SECURE_", "FILES_"))
    }
    env.update(
        {
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": REAL_LOOKING_SECRET,
            "DJANGO_ALLOWED_HOSTS": "crm.example.com",
            "DJANGO_CSRF_TRUSTED_ORIGINS": "https://crm.example.com",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
            "DJANGO_NUM_PROXIES": "1",
            **overrides,
        }
    )
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_in_production_settings(tmp_path):
    result = _manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.parametrize(
    "secret",
    [
        "change-me-to-50-random-characters",
        "django-insecure-" + "x" * 50,
        "short-but-random-Zq81",
    ],
)
def test_a_placeholder_secret_key_stops_the_start(tmp_path, secret):
    result = _manage(tmp_path, "check", DJANGO_SECRET_KEY=secret)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY is a placeholder or too short" in result.stderr


def test_the_env_example_secret_is_refused(tmp_path):
    line = next(
        line
        for line in (ROOT / ".env.example").read_text().splitlines()
        if line.startswith("DJANGO_SECRET_KEY=")
    )
    secret = line.split("=", 1)[1].split("#", 1)[0].strip()

    result = _manage(tmp_path, "check", DJANGO_SECRET_KEY=secret)

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is a placeholder" in result.stderr


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/accounts/login/", "/", "/warehouse/", "/admin/", "/api/docs/"])
def test_pages_carry_a_csp_without_inline_script(client, administrator, url):
    client.force_login(administrator)

    response = client.get(url, follow=True)

    assert response.status_code == 200
    policy = _policy(response)
    assert policy["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy.get("style-src", [])
    assert policy["object-src"] == ["'none'"]


def test_behind_pgbouncer_server_side_cursors_are_off():
    env = {
        **os.environ,
        "DJANGO_DEBUG": "true",
        "DATABASE_URL": "postgres://crm@pgbouncer:6432/crm",
        "DATABASE_PGBOUNCER": "true",
    }
    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', "
        "'fulfillment.settings'); django.setup(); from django.conf import settings; "
        "print(settings.DATABASES['default']['DISABLE_SERVER_SIDE_CURSORS'])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "True"
