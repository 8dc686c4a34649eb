"""Prometheus metrics at ``/metrics``: requests and their latency per view, the automation
outbox (pending, failed, age of the oldest pending job), notification e-mails waiting, and the
Celery queue lengths.

The business figures are read from the database when Prometheus scrapes (a few indexed
counts), so every web process answers the same. Request latencies are counted in each
process; under gunicorn set ``PROMETHEUS_MULTIPROC_DIR`` to a folder the workers share and
they are summed across them. The page needs ``METRICS_TOKEN`` (``Authorization: Bearer …``);
without it set, there is no page.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Iterator
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Min
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.utils import timezone
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

REQUEST_SECONDS = Histogram(
    "crm_request_duration_seconds",
    "Time to answer a request, by view, method and status.",
    ["view", "method", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
EMAIL_MAX_AGE = timedelta(days=7)  # as the sweep: older unsent e-mails are given up


def observe_request(request: HttpRequest, status: int, seconds: float) -> None:
    match = getattr(request, "resolver_match", None)
    view = match.view_name if match is not None and match.view_name else "unresolved"
    REQUEST_SECONDS.labels(view=view, method=request.method, status=str(status)).observe(seconds)


class BusinessCollector(Collector):
    """What the operator watches besides requests, read at scrape time."""

    def describe(self) -> list:
        # Registering must not read the database (the registry would call ``collect``).
        return []

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from deals.models import AutomationJob
        from fulfillment.models import Notification

        now = timezone.now()
        jobs = GaugeMetricFamily(
            "crm_automation_jobs", "Automation outbox jobs by status.", labels=["status"]
        )
        counts = dict(
            AutomationJob.objects.exclude(status=AutomationJob.Status.DONE)
            .values_list("status")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for status in (AutomationJob.Status.PENDING, AutomationJob.Status.FAILED):
            jobs.add_metric([str(status)], counts.get(status, 0))
        yield jobs

        oldest = AutomationJob.objects.filter(status=AutomationJob.Status.PENDING).aggregate(
            at=Min("created_at")
        )["at"]
        yield GaugeMetricFamily(
            "crm_automation_oldest_pending_seconds",
            "Age of the oldest pending automation job (0 when none waits).",
            value=(now - oldest).total_seconds() if oldest else 0,
        )

        yield GaugeMetricFamily(
            "crm_notification_emails_pending",
            "Notification e-mails not sent yet (to people with an address, up to a week old).",
            value=Notification.objects.filter(
                emailed_at__isnull=True, created_at__gte=now - EMAIL_MAX_AGE
            )
            .exclude(recipient__email="")
            .count(),
        )

        queues = GaugeMetricFamily(
            "crm_celery_queue_length", "Messages waiting in a Celery queue.", labels=["queue"]
        )
        for queue, length in _queue_lengths().items():
            queues.add_metric([queue], length)
        yield queues


def _queue_lengths() -> dict[str, int]:
    """The Redis broker's queue lengths (a Redis list per queue); none in the embedded mode."""
    broker = settings.CELERY_BROKER_URL
    if not broker.startswith(("redis://", "rediss://")):
        return {}
    import redis

    client = redis.Redis.from_url(broker, socket_timeout=2)
    return {queue.name: int(client.llen(queue.name)) for queue in settings.CELERY_TASK_QUEUES}


_business = BusinessCollector()
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    REGISTRY.register(_business)


def _registry() -> CollectorRegistry:
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    registry.register(_business)
    return registry


def metrics_response(request: HttpRequest) -> HttpResponse:
    """The scrape: 404 unless ``METRICS_TOKEN`` is set, 403 without that token."""
    token = settings.METRICS_TOKEN
    if not token:
        return HttpResponseNotFound()
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(given.encode(), token.encode()):
        return HttpResponse(status=403)
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)
