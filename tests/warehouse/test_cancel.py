"""A deal that leaves the warehouse stage while a worker's clock runs cancels the task and
stops the clock at that moment."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from deals.models import Deal, LossReason, Task
from deals.services import deal_move
from warehouse import services
from warehouse.models import WorkSession
from warehouse.reports import work_report

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.UTC)


def fail(deal: Deal, actor) -> None:
    reason = LossReason.objects.filter(pipeline="").first()
    deal_move(deal=deal, transition="fail", actor=actor, reason=reason, comment="Клиент передумал")


def move_on(deal: Deal, actor) -> None:
    Deal.objects.filter(pk=deal.pk).update(recount_file="deals/recount.xlsx")
    deal_move(deal=Deal.objects.get(pk=deal.pk), transition="to_recount_approval", actor=actor)


@pytest.mark.parametrize("leave", [fail, move_on], ids=["failed", "moved_on"])
def test_leaving_the_stage_stops_the_running_clock(leave, make_task, manager, worker):
    task, other = make_task(responsible=manager), make_task(responsible=manager)
    with time_machine.travel(START, tick=False) as clock:
        session = services.work_start(task=task, worker=worker)
        clock.shift(datetime.timedelta(minutes=40))
        leave(task.deal, manager)
        cancelled_at = timezone.now()
        clock.shift(datetime.timedelta(hours=5))
        task.refresh_from_db()
        session.refresh_from_db()
        assert task.status == Task.Status.CANCELLED
        assert session.stopped_at == task.completed_at == cancelled_at
        assert session.stopped_by == manager
        assert services.task_seconds(task) == 40 * 60
        # The report counts the 40 minutes, not the five hours since.
        _filter, report = work_report(
            user=manager, data={"date_from": "2026-12-01", "date_to": "2026-12-01"}
        )
        assert report.total_seconds == 40 * 60
        # The worker is free to take the next task.
        services.work_start(task=other, worker=worker)
    assert WorkSession.objects.filter(worker=worker, stopped_at__isnull=True).get().task == other


def test_the_phone_shows_no_running_clock_after_the_deal_failed(client, make_task, manager, worker):
    task = make_task(responsible=manager)
    services.work_start(task=task, worker=worker)
    fail(task.deal, manager)
    client.force_login(worker)
    assert client.get(reverse("warehouse:tasks")).context["running"] is None


def test_a_paused_task_keeps_its_sessions_as_they_were(make_task, manager, worker):
    task = make_task(responsible=manager)
    with time_machine.travel(START, tick=False) as clock:
        services.work_start(task=task, worker=worker)
        clock.shift(datetime.timedelta(minutes=10))
        paused = services.work_pause(task=task, worker=worker)
        clock.shift(datetime.timedelta(minutes=10))
        fail(task.deal, manager)
    assert WorkSession.objects.get() == paused
    assert WorkSession.objects.get().stopped_at == START + datetime.timedelta(minutes=10)
    assert WorkSession.objects.get().stopped_by == worker


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_closing_a_session_while_a_move_cancels_its_task_does_not_deadlock(
    postgres, make_task, manager, worker, director
):
    """The move holds the task and then stops its sessions; «close the session» waits for
    the task instead of holding the session and waiting for the task (a deadlock)."""
    import threading
    import time

    from django.db import connection, transaction

    task = make_task(responsible=manager)
    session = services.work_start(task=task, worker=worker)
    task_locked, errors = threading.Event(), []

    def move() -> None:
        try:
            with transaction.atomic():
                Task.objects.select_for_update().get(pk=task.pk)
                task_locked.set()
                time.sleep(0.5)  # the close starts meanwhile
                fail(Deal.objects.get(pk=task.deal_id), manager)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    def close() -> None:
        task_locked.wait()
        try:
            services.session_close(session=session, actor=director)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=move), threading.Thread(target=close)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    session.refresh_from_db()
    assert session.stopped_by == manager  # the move stopped it; the close found it stopped
    assert Task.objects.get(pk=task.pk).status == Task.Status.CANCELLED
