"""The orchestrator's probes: ``/healthz`` while the process answers, ``/readyz`` while the
database, the cache, the broker and the file storage answer too, naming what failed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db


def _probe(path: str, **headers):
    # The probe comes by the container's address, over plain HTTP, with no session.
    response = Client(**headers).get(path, HTTP_HOST="10.0.0.7:8000")
    return response.status_code, json.loads(response.content)


def test_health_answers_whatever_the_site_s_name_and_scheme(settings):
    settings.ALLOWED_HOSTS = ["crm.example.com"]
    settings.SECURE_SSL_REDIRECT = True

    assert _probe("/healthz") == (200, {"status": "ok"})


def test_ready_when_everything_answers(settings):
    settings.ALLOWED_HOSTS = ["crm.example.com"]
    settings.SECURE_SSL_REDIRECT = True

    status, body = _probe("/readyz")

    assert status == 200
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["cache"] == "ok"
    assert body["checks"]["storage"] == "ok"
    assert body["checks"]["broker"].startswith("not used")  # the embedded mode's eager jobs


def test_not_ready_names_what_failed(settings, tmp_path):
    (tmp_path / "a-file").write_text("not a folder")
    settings.MEDIA_ROOT = str(tmp_path / "a-file" / "media")
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens there

    status, body = _probe("/readyz")

    assert status == 503
    assert body["status"] == "fail"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["storage"].startswith("failed:")
    assert body["checks"]["broker"].startswith("failed:")


def test_ready_with_the_broker_the_workers_use(settings, redis_url):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = redis_url

    status, body = _probe("/readyz")

    assert (status, body["checks"]["broker"]) == (200, "ok")


def test_compose_starts_nginx_once_the_web_app_is_ready():
    compose = yaml.safe_load(
        (Path(__file__).resolve().parents[2] / "docker-compose.yml").read_text()
    )
    web, nginx = compose["services"]["web"], compose["services"]["nginx"]

    assert "http://127.0.0.1:8000/readyz" in " ".join(web["healthcheck"]["test"])
    assert nginx["depends_on"]["web"] == {"condition": "service_healthy"}
    # The gunicorn workers sum their request metrics in one folder.
    assert "export PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus" in web["command"]


def test_compose_migrates_once_then_starts_a_worker_per_queue_as_a_plain_user():
    root = Path(__file__).resolve().parents[2]
    services = yaml.safe_load((root / "docker-compose.yml").read_text())["services"]
    dockerfile = (root / "Dockerfile").read_text()

    # The release step runs the migrations once; nothing else does.
    assert services["migrate"]["command"] == "python manage.py migrate --noinput"
    others = [name for name, service in services.items() if name != "migrate"]
    assert not any("migrate" in str(services[name].get("command", "")) for name in others)
    for name in ("web", "worker-automation", "worker-email", "worker-push"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
    # Every queue the settings route to has its worker.
    consumed = {
        queue
        for name, service in services.items()
        if name.startswith("worker-")
        for queue in service["command"].split(" -Q ")[1].split()[0].split(",")
    }
    assert consumed == {q.name for q in settings.CELERY_TASK_QUEUES}
    assert "\nUSER crm\n" in dockerfile
