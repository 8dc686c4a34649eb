"""The warehouse through the API beyond the task actions: work sessions (a forgotten one
closed, as on the task page) and the task time report (as on its page)."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.utils import timezone

from deals.models import Task
from fulfillment.roles import Role
from tests.api.conftest import client_for, warehouse_task
from tests.factories import UserFactory, make_deal
from warehouse import services
from warehouse.models import WorkSession

pytestmark = pytest.mark.django_db

MORNING = datetime.datetime(2026, 11, 20, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def task(manager, worker):
    deal = make_deal("acceptance", "to_warehouse", responsible=manager, recount_file="")
    return warehouse_task(deal, assignee=worker)


@pytest.fixture
def forgotten(task, worker):
    """A session the worker left running since the morning."""
    with time_machine.travel(MORNING, tick=False):
        return services.work_start(task=task, worker=worker)


def test_sessions_of_a_task_with_their_time(worker, forgotten):
    with time_machine.travel(MORNING + datetime.timedelta(hours=2), tick=False):
        body = client_for(worker).get("/api/work-sessions/", {"task": forgotten.task_id}).json()

    assert body["count"] == 1
    session = body["results"][0]
    assert (session["id"], session["worker"], session["is_running"], session["seconds"]) == (
        forgotten.pk,
        worker.pk,
        True,
        7200,
    )
    assert session["can_close"] is True


def test_the_director_closes_a_forgotten_session(director, worker, forgotten):
    response = client_for(director).post(f"/api/work-sessions/{forgotten.pk}/close/")

    assert response.status_code == 200, response.content
    assert (response.json()["is_running"], response.json()["stopped_by"]) == (False, director.pk)
    forgotten.refresh_from_db()
    assert forgotten.stopped_at is not None
    assert Task.objects.get(pk=forgotten.task_id).status == Task.Status.PAUSED
    running = client_for(worker).get("/api/work-sessions/", {"running": "true"}).json()
    assert running["count"] == 0


def test_a_manager_sees_the_session_on_their_deal_but_does_not_close_it(manager, forgotten):
    client = client_for(manager)

    listed = client.get("/api/work-sessions/").json()
    refused = client.post(f"/api/work-sessions/{forgotten.pk}/close/")

    assert [s["id"] for s in listed["results"]] == [forgotten.pk]
    assert listed["results"][0]["can_close"] is False
    assert refused.status_code == 403
    assert refused.json() == {
        "detail": "Закрыть идущий учет времени может только сам сотрудник, ГД или администратор."
    }
    assert WorkSession.objects.get(pk=forgotten.pk).is_running


def test_sessions_of_other_peoples_tasks_are_out_of_reach(forgotten, other_manager):
    colleague = client_for(UserFactory(role=Role.WAREHOUSE))
    stranger = client_for(other_manager)

    assert colleague.get("/api/work-sessions/").json()["count"] == 0
    assert colleague.post(f"/api/work-sessions/{forgotten.pk}/close/").status_code == 404
    assert stranger.get(f"/api/work-sessions/{forgotten.pk}/").status_code == 404


def test_sessions_by_worker(worker, director, forgotten, manager):
    other = UserFactory(role=Role.WAREHOUSE)
    deal = make_deal("shipment", "to_warehouse", responsible=manager, packing_list_file="")
    theirs = services.work_start(task=warehouse_task(deal, assignee=other), worker=other)

    mine = client_for(worker).get("/api/work-sessions/", {"worker": "me"}).json()
    by_id = client_for(director).get("/api/work-sessions/", {"worker": other.pk}).json()

    assert [s["id"] for s in mine["results"]] == [forgotten.pk]
    assert [s["id"] for s in by_id["results"]] == [theirs.pk]


def test_the_task_time_report(director, worker, task):
    with time_machine.travel(MORNING, tick=False):
        services.work_start(task=task, worker=worker)
    with time_machine.travel(MORNING + datetime.timedelta(minutes=90), tick=False):
        services.work_pause(task=task, worker=worker)
        response = client_for(director).get(
            "/api/reports/task-time/",
            {"date_from": "2026-11-20", "date_to": "2026-11-20", "group": "worker"},
        )

    assert response.status_code == 200, response.content
    assert response.json() == {
        "group": "worker",
        "columns": ["Сотрудник", "Задач", "Отрезков"],
        "rows": [{"values": [worker.get_full_name() or worker.username, 1, 1], "seconds": 5400}],
        "total_seconds": 5400,
        "truncated": False,
    }


def test_the_report_by_task_gives_dates_as_iso(director, worker, task):
    with time_machine.travel(MORNING, tick=False):
        services.work_start(task=task, worker=worker)
        response = client_for(director).get(
            "/api/reports/task-time/", {"date_from": "2026-11-20", "date_to": "2026-11-20"}
        )

    row = response.json()["rows"][0]["values"]
    assert row[0] == task.title
    assert row[4] == timezone.localtime(task.created_at).isoformat()


def test_a_bad_report_filter_is_a_400_with_the_fields(director):
    response = client_for(director).get(
        "/api/reports/task-time/", {"date_from": "2026-12-02", "date_to": "2026-12-01"}
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {"date_to": ["Период кончается раньше, чем начинается."]}


def test_warehouse_staff_get_no_report(worker):
    assert client_for(worker).get("/api/reports/task-time/").status_code == 403
