"""Automation end to end with a real Celery worker process, Redis and PostgreSQL: handoffs
happen, duplicates do nothing, outages and crashes lose nothing, bursts double nothing."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
from django.conf import settings
from django.db import connection, connections, transaction
from django.utils import timezone

from deals import automation, services
from deals.models import AutomationJob, Company, Deal, Handoff
from deals.tasks import run_automation_job
from fulfillment.celery import app as celery_app
from fulfillment.celery_worker import WorkerProcess, wait_for
from tests.factories import CompanyFactory, make_deal

# The contract check and the handoff it makes are what these tests follow; a won request's
# other job (the КП's prices kept as the client's) runs beside it.
CONTRACT_CHECK = "calculation.won.contract_check"

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DEAD_BROKER = "redis://127.0.0.1:1/0"


QUEUE = "celery"


def _use_broker(url: str | None) -> None:
    """Point this process's Celery producer at ``url`` (None: back to eager in-process)."""
    celery_app.close()  # drop pooled connections to the previous broker …
    celery_app.amqp._producer_pool = None  # … and the producers bound to them (Celery ≥ 5.7)
    celery_app.conf.broker_url = url or "memory://"
    celery_app.conf.task_always_eager = url is None


@pytest.fixture
def broker(postgres, redis_url):
    # Nothing left from an earlier run on any queue the worker takes.
    redis.Redis.from_url(redis_url).delete(*(q.name for q in settings.CELERY_TASK_QUEUES))
    _use_broker(redis_url)
    yield redis_url
    _use_broker(None)


def _worker(broker: str, concurrency: int = 2) -> WorkerProcess:
    return WorkerProcess(broker, concurrency=concurrency, queue=QUEUE).start()


@pytest.fixture
def worker(broker):
    process = _worker(broker)
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
        f"{deal.company.name}: заявка на приемку товара",
    )
    # The КП came along, though this worker's storage never had the file.
    assert acceptance.proposal_file.name == deal.proposal_file.name
    wait_for(
        lambda: AutomationJob.objects.filter(action=CONTRACT_CHECK, status="done").count() == 1,
        10,
        what="the job to be marked done",
    )


def test_the_same_message_delivered_again_creates_nothing_twice(worker, manager):
    deal = make_deal(
        "calculation", "client_approval", responsible=manager, company=_contracted_company()
    )
    services.deal_move(deal=deal, transition="to_won", actor=manager)
    job = AutomationJob.objects.get(deal=deal, action=CONTRACT_CHECK)
    for _ in range(3):  # redelivery, a resend by the sweep, a manual retry
        run_automation_job.delay(job.pk)

    wait_for(
        lambda: redis.Redis.from_url(worker.broker_url).llen("automation") == 0,
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
    assert AutomationJob.objects.get(deal=deal, action=CONTRACT_CHECK).status == "pending"
    assert _acceptances_of([deal.pk]) == 0

    _use_broker(worker.broker_url)  # the broker is back; celery beat runs the sweep
    assert automation.jobs_sweep() == AutomationJob.objects.filter(deal=deal).count() == 2
    wait_for(lambda: _acceptances_of([deal.pk]) == 1, 30, what="the late handoff")


def test_a_worker_killed_mid_handoff_leaves_nothing_half_done(broker, manager):
    # A company without a contract: the handoff opens a contract deal, then marks the won
    # request as waiting on it. Holding the request's row stops the worker between the two,
    # inside its transaction.
    deal = make_deal("calculation", "client_approval", responsible=manager)
    services.deal_move(deal=deal, transition="to_won", actor=manager)  # queued, no worker yet
    locked, release = threading.Event(), threading.Event()

    def hold_the_request() -> None:
        with transaction.atomic():
            Deal.objects.select_for_update().get(pk=deal.pk)
            locked.set()
            release.wait(30)
        connections.close_all()

    holder = threading.Thread(target=hold_the_request)
    holder.start()
    first = None
    try:
        locked.wait(10)
        first = _worker(broker)
        wait_for(
            lambda: _backends_blocked_in("UPDATE") == 1,
            30,
            what="the worker to block in the middle of the handoff",
        )
        first.kill()
    finally:
        release.set()
        holder.join(10)
        if first:
            first.kill()
    wait_for(lambda: _backends_blocked_in("UPDATE") == 0, 30, what="the dead worker's session")

    assert not Deal.objects.filter(pipeline="contract").exists()
    assert not Handoff.objects.exists()
    assert AutomationJob.objects.get(deal=deal, action=CONTRACT_CHECK).status == "pending"

    # The dead worker's delivery is not swept while its lease runs, then it is.
    assert automation.jobs_sweep() == 0
    AutomationJob.objects.filter(deal=deal).update(next_run_at=timezone.now())
    second = _worker(broker)
    try:
        assert automation.jobs_sweep() == 1
        wait_for(
            lambda: Deal.objects.filter(pipeline="contract").exists(),
            30,
            what="the handoff after the restart",
        )
    finally:
        second.stop()
    assert Handoff.objects.filter(source=deal).count() == 1
    assert Deal.objects.get(pk=deal.pk).awaiting_contract == Deal.objects.get(pipeline="contract")


def _backends_blocked_in(statement: str) -> int:
    """Other sessions of the test database waiting for a row lock in ``statement``."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock' AND query LIKE %s",
            [f"{statement}%"],
        )
        return cursor.fetchone()[0]


def test_a_burst_of_500_won_deals_makes_exactly_500_follow_ups(broker, manager):
    process = _worker(broker, concurrency=4)
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
        checks = AutomationJob.objects.filter(action=CONTRACT_CHECK, status="done")
        wait_for(
            lambda: (
                checks.count() == 500 and not AutomationJob.objects.exclude(status="done").exists()
            ),
            60,
            what="every job done",
        )
    finally:
        process.stop()
    assert Handoff.objects.filter(source__in=ids).count() == 500
    assert Deal.objects.filter(pipeline="acceptance").count() == 500
    assert Deal.objects.filter(pipeline="contract").count() == 0
