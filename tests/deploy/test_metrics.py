"""Prometheus metrics: requests and latency per view, the automation outbox, e-mails waiting
and the Celery queue, only for whoever has the token."""

from __future__ import annotations

import datetime

import pytest
import redis
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from kombu import Queue

from deals.models import AutomationJob, StageChange
from fulfillment.models import Notification
from tests.factories import make_deal

pytestmark = pytest.mark.django_db

TOKEN = "scrape-secret"


def _scrape(**headers):
    return Client().get("/metrics", HTTP_HOST="10.0.0.7:8000", **headers)


def _value(text: str, sample: str) -> float:
    line = next(line for line in text.splitlines() if line.startswith(sample + " "))
    return float(line.rsplit(" ", 1)[1])


def test_there_is_no_page_without_a_token_and_no_figures_for_a_wrong_one(settings):
    settings.METRICS_TOKEN = ""
    assert _scrape().status_code == 404
    settings.METRICS_TOKEN = TOKEN
    assert _scrape(HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert _scrape().status_code == 403


def test_the_scrape_counts_requests_the_outbox_and_waiting_e_mails(settings, client, manager):
    settings.METRICS_TOKEN = TOKEN
    client.force_login(manager)
    client.get(reverse("deals:tasks"))
    deal = make_deal("calculation", "proposal", responsible=manager)
    change = StageChange.objects.create(deal=deal, to_stage="director_approval")
    AutomationJob.objects.create(
        deal=deal,
        stage_change=change,
        action="create_approval_task",
        created_at=timezone.now() - datetime.timedelta(minutes=5),
    )
    AutomationJob.objects.create(
        deal=deal, stage_change=change, action="notify", status=AutomationJob.Status.FAILED
    )
    Notification.objects.create(recipient=manager, event="x", text="Письмо")

    response = _scrape(HTTP_AUTHORIZATION=f"Bearer {TOKEN}")

    text = response.content.decode()
    assert response.status_code == 200
    assert (
        'crm_request_duration_seconds_count{method="GET",status="200",view="deals:tasks"}' in text
    )
    assert _value(text, 'crm_automation_jobs{status="pending"}') == 1
    assert _value(text, 'crm_automation_jobs{status="failed"}') == 1
    assert 299 < _value(text, "crm_automation_oldest_pending_seconds") < 400
    assert _value(text, "crm_notification_emails_pending") == 1


def test_the_celery_queue_is_measured_on_the_redis_broker(settings, redis_url):
    settings.METRICS_TOKEN = TOKEN
    settings.CELERY_BROKER_URL = redis_url
    settings.CELERY_TASK_QUEUES = [Queue("metrics-test-queue"), Queue("metrics-test-empty")]
    broker = redis.Redis.from_url(redis_url)
    broker.delete("metrics-test-queue")
    broker.rpush("metrics-test-queue", "a", "b", "c")
    try:
        text = _scrape(HTTP_AUTHORIZATION=f"Bearer {TOKEN}").content.decode()
    finally:
        broker.delete("metrics-test-queue")

    assert _value(text, 'crm_celery_queue_length{queue="metrics-test-queue"}') == 3
    assert _value(text, 'crm_celery_queue_length{queue="metrics-test-empty"}') == 0
