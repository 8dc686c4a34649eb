"""The reminder goes once when a stage deadline passes, through the automation outbox; the
morning digest goes once per person and working day."""

from __future__ import annotations

import datetime
import threading

import pytest
import time_machine
from django.db import connection

from deadlines.models import OverdueDigest, StageDeadline
from deadlines.services import REMINDER_ACTION, digests_send, reminders_sweep
from deals import services
from deals.automation import job_run
from deals.models import AutomationJob, Deal
from fulfillment.models import Notification
from tests.deadlines.conftest import msk
from tests.factories import UserFactory, ensure_reference_data, make_deal
from tests.factories.deadlines import StageDeadlineFactory, deal_entered

pytestmark = pytest.mark.django_db

FRIDAY = msk(2026, 12, 4, 15, 0)
MONDAY_AFTER = msk(2026, 12, 7, 15, 1)  # one working day after FRIDAY, and a minute


def _sweep(at, django_capture_on_commit_callbacks) -> int:
    """A beat sweep at ``at``, its jobs run by the (eager) worker on commit."""
    with time_machine.travel(at, tick=False), django_capture_on_commit_callbacks(execute=True):
        return reminders_sweep()


def _reminders():
    return Notification.objects.filter(event="stage_deadline_passed")


def test_the_reminder_goes_once_when_the_deadline_passes(
    manager, django_capture_on_commit_callbacks
):
    StageDeadlineFactory(pipeline="calculation", stage="proposal")
    deal = deal_entered("calculation", "proposal", at=FRIDAY, responsible=manager)

    assert _sweep(msk(2026, 12, 7, 14, 59), django_capture_on_commit_callbacks) == 0
    assert not _reminders().exists()  # Saturday and Sunday did not count

    assert _sweep(MONDAY_AFTER, django_capture_on_commit_callbacks) == 1
    assert _sweep(MONDAY_AFTER, django_capture_on_commit_callbacks) == 0
    assert _sweep(msk(2026, 12, 9, 9, 0), django_capture_on_commit_callbacks) == 0

    reminder = _reminders().get()
    assert reminder.recipient == manager
    assert reminder.text == (
        f"Просрочено с 07.12.2026 15:00: «{deal.title}» на стадии «Сформировать КП»"
    )
    assert reminder.url == f"/deals/{deal.pk}/"
    job = AutomationJob.objects.get(deal=deal)
    assert (job.action, job.status) == (REMINDER_ACTION, AutomationJob.Status.DONE)


def test_the_director_is_reminded_of_an_approval_too(
    manager, director, django_capture_on_commit_callbacks
):
    StageDeadlineFactory(pipeline="calculation", stage="director_approval")
    deal_entered("calculation", "director_approval", at=FRIDAY, responsible=manager)
    _sweep(MONDAY_AFTER, django_capture_on_commit_callbacks)
    assert sorted(n.recipient_id for n in _reminders()) == sorted([manager.pk, director.pk])


def test_a_deal_that_left_the_stage_in_time_is_never_reminded(
    manager, django_capture_on_commit_callbacks
):
    StageDeadlineFactory(pipeline="calculation", stage="new")
    deal = deal_entered("calculation", "new", at=FRIDAY, responsible=manager)
    with time_machine.travel(msk(2026, 12, 7, 10, 0), tick=False):
        services.deal_move(deal=deal, transition="to_proposal", actor=manager)
    assert _sweep(msk(2026, 12, 10, 10, 0), django_capture_on_commit_callbacks) == 0
    assert not _reminders().exists()


def test_a_deal_that_leaves_before_its_reminder_runs_is_not_reminded(
    manager, django_capture_on_commit_callbacks
):
    """The sweep recorded the reminder, the deal moved on before a worker ran it."""
    StageDeadlineFactory(pipeline="calculation", stage="new")
    deal = deal_entered("calculation", "new", at=FRIDAY, responsible=manager)
    with time_machine.travel(MONDAY_AFTER, tick=False):
        with django_capture_on_commit_callbacks(execute=False):
            assert reminders_sweep() == 1
        services.deal_move(deal=deal, transition="to_proposal", actor=manager)
        job = AutomationJob.objects.get(action=REMINDER_ACTION)
        assert job_run(job.pk) is True
    assert not _reminders().exists()


def test_a_deal_entering_the_stage_again_is_reminded_again(
    manager, django_capture_on_commit_callbacks
):
    StageDeadlineFactory(pipeline="calculation", stage="proposal", amount=1)
    deal = deal_entered("calculation", "proposal", at=FRIDAY, responsible=manager)
    _sweep(MONDAY_AFTER, django_capture_on_commit_callbacks)
    with time_machine.travel(msk(2026, 12, 8, 10, 0), tick=False):
        services.deal_move(deal=deal, transition="to_director_approval", actor=manager)
        deal = Deal.objects.get(pk=deal.pk)
        services.deal_move(
            deal=deal, transition="return_to_proposal", actor=manager, comment="Правки клиента"
        )
    assert _sweep(msk(2026, 12, 9, 9, 0), django_capture_on_commit_callbacks) == 0
    assert _sweep(msk(2026, 12, 9, 10, 1), django_capture_on_commit_callbacks) == 1
    assert _reminders().count() == 2


def test_a_deal_counting_from_its_arrival_date(manager, django_capture_on_commit_callbacks):
    StageDeadlineFactory(
        pipeline="acceptance",
        stage="to_warehouse",
        base=StageDeadline.Base.ARRIVAL_DATE,
        unit=StageDeadline.Unit.DAYS,
        amount=1,
    )
    deal_entered(
        "acceptance",
        "to_warehouse",
        at=FRIDAY,
        responsible=manager,
        arrival_date=datetime.date(2026, 12, 7),
    )
    assert _sweep(msk(2026, 12, 8, 23, 59), django_capture_on_commit_callbacks) == 0
    assert _sweep(msk(2026, 12, 9, 0, 0), django_capture_on_commit_callbacks) == 1


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_sweeps_racing_send_one_reminder(postgres):
    ensure_reference_data()
    manager = UserFactory(role="Менеджер")
    StageDeadlineFactory(pipeline="calculation", stage="proposal")
    deals = [
        deal_entered("calculation", "proposal", at=FRIDAY, responsible=manager) for _ in range(20)
    ]
    barrier = threading.Barrier(2)
    counts: list[object] = []

    def sweep() -> None:
        try:
            barrier.wait()
            counts.append(reminders_sweep())
        except Exception as error:  # the test reports it
            counts.append(error)
        finally:
            connection.close()

    with time_machine.travel(MONDAY_AFTER, tick=False):
        threads = [threading.Thread(target=sweep) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    assert all(isinstance(c, int) for c in counts), counts
    assert sum(counts) == len(deals)
    assert AutomationJob.objects.filter(action=REMINDER_ACTION).count() == len(deals)
    # Each deal's responsible is told once (the eager worker ran each job on its commit).
    assert _reminders().count() == len(deals)
    assert {n.url for n in _reminders()} == {f"/deals/{d.pk}/" for d in deals}


# --- the morning digest -------------------------------------------------------------------------


def _digests():
    return Notification.objects.filter(event="overdue_digest")


def test_the_digest_lists_each_persons_overdue_deals_once_a_day(
    manager, other_manager, director, django_capture_on_commit_callbacks
):
    StageDeadlineFactory(pipeline="calculation", stage="proposal")
    StageDeadlineFactory(pipeline="calculation", stage="director_approval")
    deal_entered(
        "calculation", "proposal", at=msk(2026, 12, 1, 10, 0), responsible=manager, title="Альфа"
    )
    deal_entered(
        "calculation",
        "director_approval",
        at=msk(2026, 12, 2, 10, 0),
        responsible=manager,
        title="Бета",
    )
    deal_entered(  # in time
        "calculation", "proposal", at=msk(2026, 12, 4, 10, 0), responsible=other_manager
    )
    morning = msk(2026, 12, 4, 8, 0)
    with time_machine.travel(morning, tick=False):
        assert digests_send() == 2
        assert digests_send() == 0  # the same day again: nothing

    by_person = {n.recipient_id: n for n in _digests()}
    assert set(by_person) == {manager.pk, director.pk}
    assert by_person[manager.pk].text == (
        "Просроченные сделки: 2. «Альфа» (Сформировать КП, с 02.12 10:00); "
        "«Бета» (Согласовать КП с ГД, с 03.12 10:00)"
    )
    assert by_person[director.pk].text == (
        "Просроченные сделки: 1. «Бета» (Согласовать КП с ГД, с 03.12 10:00)"
    )
    assert by_person[manager.pk].url == "/overdue/"
    assert OverdueDigest.objects.count() == 2

    with time_machine.travel(msk(2026, 12, 7, 8, 0), tick=False):  # Monday
        assert digests_send() == 2
    assert _digests().count() == 4


def test_no_digest_on_a_day_off(manager):
    StageDeadlineFactory(pipeline="calculation", stage="proposal")
    deal_entered("calculation", "proposal", at=msk(2026, 12, 1, 10, 0), responsible=manager)
    for day_off in (msk(2026, 12, 5, 8, 0), msk(2026, 12, 31, 8, 0)):  # Saturday, a day off
        with time_machine.travel(day_off, tick=False):
            assert digests_send() == 0
    assert not _digests().exists()


def test_a_deal_without_stage_history_is_left_alone(manager, django_capture_on_commit_callbacks):
    """Deals written in bulk without their history row have no entry to hang a reminder on;
    the page still marks them."""
    StageDeadlineFactory(pipeline="calculation", stage="proposal")
    make_deal("calculation", "proposal", responsible=manager, stage_entered_at=FRIDAY)
    assert _sweep(MONDAY_AFTER, django_capture_on_commit_callbacks) == 0
    assert not AutomationJob.objects.exists()
