"""Automation end to end with a real Celery worker process, Redis and PostgreSQL: handoffs
happen, duplicates do nothing, outages and crashes lose nothing, bursts double nothing."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
from django.conf import settings
from django.db import connection, connections, transaction

from deals import automation, services
from deals.models import AutomationJob, Company, Deal, Handoff
from deals.tasks import run_automation_job
from fulfillment.celery import app as celery_app
from tests.automation.worker import WorkerProcess, wait_for
from tests.conftest import require_service
from tests.factories import CompanyFactory, make_deal

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DEAD_BROKER = "redis://127.0.0.1:1/0"


def _redis_available() -> bool:
    if not settings.REDIS_URL:
        return False
    try:
        return bool(redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping())
    except redis.RedisError:
        return False


def _use_broker(url: str | None) -> None:
    """Point this process's Celery producer at ``url`` (None: back to eager in-process)."""
    celery_app.close()  # drop pooled connections to the previous broker
    celery_app.conf.broker_url = url or "memory://"
    celery_app.conf.task_always_eager = url is None


@pytest.fixture
def broker(postgres):
    require_service(_redis_available(), "Redis (REDIS_URL)")
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.delete("celery")  # nothing left over from an earlier run
    _use_broker(settings.REDIS_URL)
    yield settings.REDIS_URL
    _use_broker(None)


@pytest.fixture
def worker(broker):
    process = WorkerProcess(broker).start()
    yield process
    process.stop()


def _contracted_company() -> Company:
    return CompanyFactory(has_contract=True, contract_number="ФФ-1", contract_date="2026-01-10")


def _acceptances_of(deal_ids) -> int:
    return Deal.objects.filter(pipeline="acceptance", source_deal__in=deal_ids).count()


def test_a_won_calculation_is_handed_over_by_the_worker(worker, manager):
    deal = make_deal(
        "calculation", "client_approval", responsible=manager, company=_contracted_company()
    )
    services.deal_move(deal=deal, transition="to_won", actor=manager)

    wait_for(lambda: _acceptances_of([deal.pk]) == 1, 30, what="the acceptance request")
    acceptance = Deal.objects.get(pipeline="acceptance")
    assert (acceptance.company_id, acceptance.responsible, acceptance.title) == (
        deal.company_id,
        manager,
        deal.title,
    )
    wait_for(
        lambda: AutomationJob.objects.filter(status="done").count() == 1,
        10,
        what="the job to be marked done",
    )


def test_the_same_message_delivered_again_creates_nothing_twice(worker, manager):
    deal = make_deal(
        "calculation", "client_approval", responsible=manager, company=_contracted_company()
    )
    services.deal_move(deal=deal, transition="to_won", actor=manager)
    job = AutomationJob.objects.get(deal=deal)
    for _ in range(3):  # redelivery, a resend by the sweep, a manual retry
        run_automation_job.delay(job.pk)

    wait_for(
        lambda: redis.Redis.from_url(worker.broker_url).llen("celery") == 0,
        30,
        what="the queue to drain",
    )
    wait_for(
        lambda: not any((celery_app.control.inspect(timeout=1).active() or {}).values()),
        30,
        what="the worker to finish",
    )
    assert _acceptances_of([deal.pk]) == 1
    assert Handoff.objects.count() == 1
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("done", 1)


def test_with_the_broker_down_the_move_commits_and_the_sweep_hands_over_later(worker, manager):
    deal = make_deal(
        "calculation", "client_approval", responsible=manager, company=_contracted_company()
    )
    _use_broker(DEAD_BROKER)
    services.deal_move(deal=deal, transition="to_won", actor=manager)
    assert Deal.objects.get(pk=deal.pk).stage == "won"
    assert AutomationJob.objects.get(deal=deal).status == "pending"
    assert _acceptances_of([deal.pk]) == 0

    _use_broker(worker.broker_url)  # the broker is back; celery beat runs the sweep
    assert automation.jobs_sweep(older_than_seconds=0) == 1
    wait_for(lambda: _acceptances_of([deal.pk]) == 1, 30, what="the late handoff")


def test_a_worker_killed_mid_handoff_leaves_nothing_half_done(broker, manager):
    company = _contracted_company()
    deal = make_deal("calculation", "client_approval", responsible=manager, company=company)
    first = WorkerProcess(broker).start()
    locked, release = threading.Event(), threading.Event()

    def hold_company_lock() -> None:
        # The handoff locks the company row; holding it here stops the worker mid-handoff,
        # inside its transaction, with the job row locked.
        with transaction.atomic():
            Company.objects.select_for_update().get(pk=company.pk)
            locked.set()
            release.wait(30)
        connections.close_all()

    holder = threading.Thread(target=hold_company_lock)
    holder.start()
    try:
        locked.wait(10)
        services.deal_move(deal=deal, transition="to_won", actor=manager)
        wait_for(
            lambda: _backends_waiting_for_a_lock() == 1,
            30,
            what="the worker to block inside the handoff",
        )
        first.kill()
    finally:
        release.set()
        holder.join(10)
    wait_for(lambda: _backends_waiting_for_a_lock() == 0, 30, what="the dead worker's session")

    assert _acceptances_of([deal.pk]) == 0
    assert AutomationJob.objects.get(deal=deal).status == "pending"

    second = WorkerProcess(broker).start()
    try:
        assert automation.jobs_sweep(older_than_seconds=0) == 1
        wait_for(lambda: _acceptances_of([deal.pk]) == 1, 30, what="the handoff after restart")
    finally:
        second.stop()
    assert Handoff.objects.filter(source=deal).count() == 1


def _backends_waiting_for_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def test_a_burst_of_500_won_deals_makes_exactly_500_follow_ups(broker, manager):
    process = WorkerProcess(broker, concurrency=4).start()
    try:
        company = _contracted_company()
        deals = [
            make_deal(
                "calculation",
                "client_approval",
                responsible=manager,
                company=company,
                complete=True,
            )
            for _ in range(500)
        ]

        def win(deal) -> None:
            try:
                services.deal_move(deal=deal, transition="to_won", actor=manager)
            finally:
                connection.close()

        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(win, deals))

        ids = [d.pk for d in deals]
        wait_for(lambda: _acceptances_of(ids) == 500, 180, what="500 acceptance requests")
        wait_for(
            lambda: AutomationJob.objects.filter(status="done").count() == 500,
            30,
            what="every job done",
        )
    finally:
        process.stop()
    assert Handoff.objects.filter(source__in=ids).count() == 500
    assert Deal.objects.filter(pipeline="acceptance").count() == 500
    assert Deal.objects.filter(pipeline="contract").count() == 0
