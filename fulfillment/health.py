"""Health probes for the orchestrator: ``/healthz`` (the process answers) and ``/readyz`` (the
database, the cache, the broker and the file storage answer too, with a JSON body naming what
failed); and Prometheus' ``/metrics`` (``fulfillment.metrics``).

They are answered by the first middleware, before host validation, the HTTPS redirect,
sessions and the login limits: a probe comes from inside the network by the container's own
address and must not depend on the site's name, a certificate or a session row.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connections
from django.http import HttpRequest, HttpResponse, JsonResponse

from fulfillment.metrics import metrics_response

BROKER_TIMEOUT_SECONDS = 2.0


def _database() -> str:
    for connection in connections.all():
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    return "ok"


def _cache() -> str:
    key, value = "readyz", uuid.uuid4().hex
    cache.set(key, value, timeout=30)
    if cache.get(key) != value:
        raise RuntimeError("the cache does not keep what it is given")
    return "ok"


def _broker() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "not used: jobs run in the web process"
    from fulfillment.celery import app

    with app.connection_for_write(settings.CELERY_BROKER_URL) as connection:
        connection.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)
    return "ok"


def _storage() -> str:
    if isinstance(default_storage, FileSystemStorage):
        # The folder is made on the first upload: the nearest folder that exists must let it.
        location = Path(default_storage.location)
        existing = next(p for p in (location, *location.parents) if p.exists())
        if not (existing.is_dir() and os.access(existing, os.W_OK)):
            raise RuntimeError(f"the media folder cannot be written: {location}")
        return "ok"
    default_storage.exists("readyz")  # object storage: the bucket answers with these keys
    return "ok"


CHECKS: dict[str, Callable[[], str]] = {
    "database": _database,
    "cache": _cache,
    "broker": _broker,
    "storage": _storage,
}


def readiness() -> tuple[bool, dict[str, str]]:
    """Every check's answer (``ok``, a note, or what failed) and whether all passed."""
    answers, ready = {}, True
    for name, check in CHECKS.items():
        try:
            answers[name] = check()
        except Exception as error:  # a probe reports any failure, never raises
            ready = False
            answers[name] = f"failed: {type(error).__name__}: {error}"
    return ready, answers


class HealthMiddleware:
    """Answers ``/healthz``, ``/readyz`` and ``/metrics``; every other request goes on."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == "/healthz":
            return JsonResponse({"status": "ok"})
        if request.path == "/metrics":
            return metrics_response(request)
        if request.path == "/readyz":
            ready, checks = readiness()
            return JsonResponse(
                {"status": "ok" if ready else "fail", "checks": checks},
                status=200 if ready else 503,
            )
        return self.get_response(request)
