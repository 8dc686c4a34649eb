"""The outbox: a move records its automation jobs in its own transaction, they run once,
a failure leaves nothing half-done, a broker outage loses nothing."""

import contextlib
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from celery.exceptions import Retry
from django.utils import timezone

from deals import automation, services
from deals.exceptions import MissingFieldsError
from deals.models import AutomationJob, Deal, Handoff, Task
from deals.tasks import run_automation_job
from tests.factories import CompanyFactory, make_deal

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _only_the_contract_check_on_won(monkeypatch):
    """These tests follow the one job of the contract check; the documents app's action on
    the same stage (the won КП's prices become agreed prices) is tested in tests/documents."""
    monkeypatch.delitem(automation._ACTIONS, "calculation.won.agreed_prices", raising=False)


def test_a_move_records_one_job_per_action_and_sends_it_only_after_commit(
    manager, django_capture_on_commit_callbacks
):
    deal = make_deal("calculation", "client_approval", responsible=manager)
    with mock.patch.object(run_automation_job, "delay") as delay:
        with django_capture_on_commit_callbacks() as callbacks:
            change = services.deal_move(deal=deal, transition="to_won", actor=manager)
            assert delay.call_count == 0  # not before commit
        job = AutomationJob.objects.get()
        assert (job.stage_change, job.action, job.status) == (
            change,
            "calculation.won.contract_check",
            "pending",
        )
        for callback in callbacks:
            callback()
    delay.assert_called_once_with(job.pk)


def test_a_refused_move_records_and_sends_nothing(manager, django_capture_on_commit_callbacks):
    deal = make_deal("acceptance", "new", responsible=manager, boxes=None)
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(MissingFieldsError):
        services.deal_move(deal=deal, transition="to_to_warehouse", actor=manager)
    assert callbacks == []
    assert not AutomationJob.objects.exists()


def _pending_won_job(manager):
    company = CompanyFactory(has_contract=True, contract_number="1", contract_date="2026-01-01")
    deal = make_deal("calculation", "client_approval", responsible=manager, company=company)
    with mock.patch.object(run_automation_job, "delay"):
        services.deal_move(deal=deal, transition="to_won", actor=manager)
    return AutomationJob.objects.get(deal=deal)


def test_a_job_delivered_twice_does_its_work_once(manager):
    job = _pending_won_job(manager)
    assert automation.job_run(job.pk) is True
    assert automation.job_run(job.pk) is False
    assert Deal.objects.filter(pipeline="acceptance").count() == 1
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("done", 1)


def test_a_failing_handler_leaves_nothing_half_done_and_the_job_pending(manager, monkeypatch):
    job = _pending_won_job(manager)
    real = automation._ACTIONS[job.action]

    def half_then_crash(deal, change):
        real.handler(deal, change)  # opens the acceptance request …
        raise ConnectionError("lost the database mid-way")  # … then dies

    monkeypatch.setitem(
        automation._ACTIONS,
        job.action,
        automation.EntryAction(job.action, real.pipeline, real.stage, half_then_crash),
    )
    with pytest.raises(ConnectionError):
        automation.job_run(job.pk)
    assert automation.job_record_failure(job.pk, ConnectionError("lost")) is not None

    assert not Handoff.objects.exists() and not Deal.objects.filter(pipeline="acceptance").exists()
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("pending", 1)
    assert job.last_error == "ConnectionError: lost"

    monkeypatch.setitem(automation._ACTIONS, job.action, real)
    assert automation.job_run(job.pk) is True
    assert Deal.objects.filter(pipeline="acceptance").count() == 1


def test_out_of_retries_the_job_is_marked_failed_for_the_admin(manager, settings):
    settings.AUTOMATION_MAX_ATTEMPTS = 2
    job = _pending_won_job(manager)
    assert automation.job_record_failure(job.pk, RuntimeError("boom")) is not None
    assert automation.job_record_failure(job.pk, RuntimeError("boom")) is None
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("failed", 2)


def test_broker_outage_loses_nothing_the_sweep_sends_again(
    manager, caplog, django_capture_on_commit_callbacks
):
    company = CompanyFactory(has_contract=True, contract_number="1", contract_date="2026-01-01")
    deal = make_deal("calculation", "client_approval", responsible=manager, company=company)
    with (
        mock.patch.object(run_automation_job, "delay", side_effect=OSError("broker down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.deal_move(deal=deal, transition="to_won", actor=manager)  # sent on commit
    assert Deal.objects.get(pk=deal.pk).stage == "won"  # the move committed
    assert "the sweep will retry" in caplog.text
    job = AutomationJob.objects.get(deal=deal)
    assert job.status == "pending"

    with mock.patch.object(
        run_automation_job, "delay", side_effect=lambda job_id: automation.job_run(job_id)
    ) as delay:
        assert automation.jobs_sweep() == 1  # not sent: due at once
    delay.assert_called_once_with(job.pk)
    assert Deal.objects.filter(pipeline="acceptance").count() == 1
    assert automation.jobs_sweep() == 0


def test_the_sweep_leaves_a_sent_job_to_its_delivery_until_the_lease_runs_out(manager, settings):
    job = _pending_won_job(manager)
    with mock.patch.object(run_automation_job, "delay") as delay:
        assert automation.jobs_sweep() == 0
        later = timezone.now() + timedelta(seconds=settings.AUTOMATION_LEASE_SECONDS + 1)
        with time_machine.travel(later, tick=False):
            assert automation.jobs_sweep() == 1
            assert automation.jobs_sweep() == 0  # sent again: in flight once more
    delay.assert_called_once_with(job.pk)


def test_the_celery_task_counts_a_failure_and_schedules_a_retry(manager, monkeypatch):
    job = _pending_won_job(manager)
    monkeypatch.setattr(automation, "job_run", mock.Mock(side_effect=OSError("db")))
    with (
        mock.patch.object(run_automation_job, "retry", side_effect=Retry()) as retry,
        pytest.raises(Retry),
    ):
        run_automation_job.apply(args=[job.pk], throw=True)
    job.refresh_from_db()
    assert (job.status, job.attempts, job.last_error) == ("pending", 1, "OSError: db")
    countdown = retry.call_args.kwargs["countdown"]
    assert 5 <= countdown <= 10  # the first step of the backoff, jittered


def test_retry_delays_grow_exponentially_with_jitter_up_to_the_cap(settings):
    settings.AUTOMATION_RETRY_BASE_SECONDS = 10
    settings.AUTOMATION_RETRY_MAX_SECONDS = 300
    for attempt, step in [(1, 10), (2, 20), (3, 40), (4, 80), (5, 160), (6, 300), (12, 300)]:
        delays = [automation.retry_delay(attempt) for _ in range(200)]
        assert all(step / 2 <= delay <= step for delay in delays), attempt
        assert len({round(delay, 6) for delay in delays}) > 100  # jittered, not in step


def test_a_handler_that_always_fails_makes_exactly_the_attempts_then_stays_failed(
    manager, settings, monkeypatch, django_capture_on_commit_callbacks
):
    """Whoever starts the chain (the move, a retry, the sweep), the attempts are the job's:
    it fails for good after AUTOMATION_MAX_ATTEMPTS, and no sweep revives it."""
    settings.AUTOMATION_MAX_ATTEMPTS = 3
    job = _pending_won_job(manager)
    calls = []

    def always_fails(deal, change):
        calls.append(1)
        raise ConnectionError("the service is down")

    real = automation._ACTIONS[job.action]
    monkeypatch.setitem(
        automation._ACTIONS,
        job.action,
        automation.EntryAction(job.action, real.pipeline, real.stage, always_fails),
    )
    now = timezone.now()
    with mock.patch.object(run_automation_job, "retry", side_effect=Retry()):
        for hour in range(24):  # a day of sweeps, each with every retry due
            with time_machine.travel(now + timedelta(hours=hour), tick=False):
                for job_id in AutomationJob.objects.filter(
                    pk=job.pk, status="pending", next_run_at__lte=timezone.now()
                ).values_list("pk", flat=True):
                    with contextlib.suppress(Retry, ConnectionError):
                        run_automation_job.apply(args=[job_id], throw=True)
                with mock.patch.object(run_automation_job, "delay") as delay:
                    automation.jobs_sweep()
                for call in delay.call_args_list:
                    with contextlib.suppress(Retry, ConnectionError):
                        run_automation_job.apply(args=call.args, throw=True)

    job.refresh_from_db()
    assert len(calls) == 3
    assert (job.status, job.attempts) == ("failed", 3)

    # «Запустить снова»: an administrator gives it a new set of attempts, and it runs.
    monkeypatch.setitem(automation._ACTIONS, job.action, real)
    with (
        mock.patch.object(run_automation_job, "delay", side_effect=automation.job_run),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert automation.jobs_rerun([job.pk]) == 1
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("done", 1)


def test_tasks_are_created_once_per_stage_entry(manager):
    deal = make_deal("shipment", "new", responsible=manager)
    with mock.patch.object(run_automation_job, "delay"):
        services.deal_move(deal=deal, transition="to_to_warehouse", actor=manager)
    job = AutomationJob.objects.get(deal=deal)
    # A crash after the task was created but before the job was marked done: the rerun must
    # find the task by its natural key instead of making a second one.
    action = automation._ACTIONS[job.action]
    action.handler(Deal.objects.get(pk=deal.pk), job.stage_change)
    automation.job_run(job.pk)
    assert Task.objects.filter(deal=deal).count() == 1
