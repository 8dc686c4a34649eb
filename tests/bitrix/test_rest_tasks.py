"""``tasks.task.*`` over the webhook: an integration gives, lists, changes and closes tasks on
deals as it did in Bitrix24; the tasks are assignments the deal card shows."""

from __future__ import annotations

import datetime
import json

import pytest
from django.utils import timezone

from bitrix.webhooks import webhook_create
from deals.models import StageChange, Task
from deals.services.tasks import tasks_cancel_of_stage
from fulfillment.models import Notification
from tests.factories import make_deal

pytestmark = pytest.mark.django_db


def _hook(user) -> str:
    _webhook, url = webhook_create(user=user)
    return url.removeprefix("http://127.0.0.1:8000")


def _call(client, url: str, params: dict, status: int = 200) -> dict:
    response = client.post(url, params, content_type="application/json")
    assert response.status_code == status, response.content
    return json.loads(response.content)


def test_a_task_given_on_a_deal_comes_back_as_bitrix24_writes_it(client, manager, director):
    deal = make_deal("calculation", "new", responsible=manager)
    hook = _hook(director)

    body = _call(
        client,
        f"{hook}tasks.task.add",
        {
            "fields": {
                "TITLE": "Позвонить клиенту",
                "DESCRIPTION": "Уточнить объем",
                "RESPONSIBLE_ID": manager.pk,
                "DEADLINE": "2026-12-10T18:00:00+03:00",
                "UF_CRM_TASK": [f"D_{deal.pk}"],
            }
        },
    )

    task = Task.objects.get()
    assert (task.kind, task.deal, task.assignee, task.created_by, task.stage) == (
        Task.Kind.ASSIGNMENT,
        deal,
        manager,
        director,
        "",
    )
    assert task.deadline == datetime.datetime(2026, 12, 10, 15, 0, tzinfo=datetime.UTC)
    written = body["result"]["task"]
    assert written["id"] == str(task.pk)
    assert written["title"] == "Позвонить клиенту"
    assert written["responsibleId"] == str(manager.pk)
    assert written["createdBy"] == str(director.pk)
    assert written["status"] == "2"
    assert written["ufCrmTask"] == [f"D_{deal.pk}"]
    assert written["deadline"].startswith("2026-12-10T18:00:00")
    # The manager is told, with a link to the deal's open tasks.
    told = Notification.objects.get(recipient=manager, event="assignment_given")
    assert "Позвонить клиенту" in told.text
    assert told.url == f"/deals/{deal.pk}/#tasks-title"

    got = _call(client, f"{hook}tasks.task.get", {"taskId": task.pk, "select": ["ID", "TITLE"]})
    assert got["result"] == {"task": {"id": str(task.pk), "title": "Позвонить клиенту"}}


def test_a_task_without_a_deal_or_for_someone_blind_to_it_is_refused(
    client, manager, other_manager
):
    deal = make_deal("calculation", "new", responsible=manager)
    hook = _hook(manager)

    no_deal = _call(client, f"{hook}tasks.task.add", {"fields": {"TITLE": "X"}}, status=400)
    blind = _call(
        client,
        f"{hook}tasks.task.add",
        {
            "fields": {
                "TITLE": "X",
                "RESPONSIBLE_ID": other_manager.pk,
                "UF_CRM_TASK": f"D_{deal.pk}",
            }
        },
        status=400,
    )
    untitled = _call(
        client, f"{hook}tasks.task.add", {"fields": {"UF_CRM_TASK": [f"D_{deal.pk}"]}}, status=400
    )
    bad_deadline = _call(
        client,
        f"{hook}tasks.task.add",
        {"fields": {"TITLE": "X", "DEADLINE": "завтра", "UF_CRM_TASK": [f"D_{deal.pk}"]}},
        status=400,
    )

    assert "UF_CRM_TASK" in no_deal["error_description"]
    assert (other_manager.get_full_name() or other_manager.username) in blind["error_description"]
    assert untitled["error_description"]
    assert "DEADLINE" in bad_deadline["error_description"]
    assert not Task.objects.exists()


def test_a_manager_lists_only_the_tasks_they_may_see_page_by_page(
    client, manager, other_manager, director
):
    mine = make_deal("calculation", "new", responsible=manager)
    theirs = make_deal("calculation", "new", responsible=other_manager)
    director_hook = _hook(director)
    for number in range(55):
        _call(
            client,
            f"{director_hook}tasks.task.add",
            {
                "fields": {
                    "TITLE": f"Задача {number}",
                    "UF_CRM_TASK": [f"D_{mine.pk}"],
                    "RESPONSIBLE_ID": manager.pk,
                }
            },
        )
    _call(
        client,
        f"{director_hook}tasks.task.add",
        {"fields": {"TITLE": "Чужая", "UF_CRM_TASK": [f"D_{theirs.pk}"]}},
    )
    hook = _hook(manager)

    first = _call(client, f"{hook}tasks.task.list", {"order": {"ID": "asc"}})
    second = _call(client, f"{hook}tasks.task.list", {"order": {"ID": "asc"}, "start": 50})
    filtered = _call(
        client,
        f"{hook}tasks.task.list",
        {"filter": {"UF_CRM_TASK": f"D_{mine.pk}", "%TITLE": "Задача 5"}, "select": ["TITLE"]},
    )
    stranger = _call(
        client, f"{hook}tasks.task.get", {"taskId": Task.objects.get(title="Чужая").pk}, 400
    )

    assert (first["total"], first["next"], len(first["result"]["tasks"])) == (55, 50, 50)
    assert "next" not in second and len(second["result"]["tasks"]) == 5
    titles = {t["title"] for page in (first, second) for t in page["result"]["tasks"]}
    assert "Чужая" not in titles
    assert sorted(t["title"] for t in filtered["result"]["tasks"]) == [
        "Задача 5",
        "Задача 50",
        "Задача 51",
        "Задача 52",
        "Задача 53",
        "Задача 54",
    ]
    assert set(filtered["result"]["tasks"][0]) == {"id", "title"}
    assert stranger["error_description"]


def test_the_assignee_closes_a_task_and_an_approval_is_not_changed_through_here(
    client, manager, director
):
    deal = make_deal("calculation", "new", responsible=manager)
    hook = _hook(manager)
    task_id = _call(
        client,
        f"{hook}tasks.task.add",
        {"fields": {"TITLE": "Проверить оплату", "UF_CRM_TASK": [f"D_{deal.pk}"]}},
    )["result"]["task"]["id"]

    moved = _call(
        client,
        f"{hook}tasks.task.update",
        {"taskId": task_id, "fields": {"DEADLINE": "10.12.2026 12:00", "TITLE": "Оплата"}},
    )
    closed = _call(client, f"{hook}tasks.task.update", {"taskId": task_id, "fields": {"STATUS": 5}})
    done = _call(
        client, f"{hook}tasks.task.list", {"filter": {"STATUS": 5}, "select": ["ID", "STATUS"]}
    )

    assert moved["result"]["task"]["title"] == "Оплата"
    assert moved["result"]["task"]["deadline"].startswith("2026-12-10T12:00:00")
    task = Task.objects.get(pk=task_id)
    assert (task.status, task.completed_by) == (Task.Status.DONE, manager)
    assert closed["result"]["task"]["closedBy"] == str(manager.pk)
    assert done["result"]["tasks"] == [{"id": str(task_id), "status": "5"}]

    approval = _approval(deal)
    refused = _call(
        client,
        f"{_hook(director)}tasks.task.update",
        {"taskId": approval.pk, "fields": {"STATUS": 5}},
        status=400,
    )
    assert refused["error_description"]
    approval.refresh_from_db()
    assert approval.status == Task.Status.NEW


def _approval(deal) -> Task:
    change = StageChange.objects.create(deal=deal, from_stage="new", to_stage="approval")
    return Task.objects.create(
        kind=Task.Kind.APPROVAL, deal=deal, stage_change=change, stage="approval", title="КП"
    )


def test_tasks_in_a_batch_refer_to_each_other(client, manager):
    deal = make_deal("calculation", "new", responsible=manager)
    hook = _hook(manager)
    cmd = {
        "new": f"tasks.task.add?fields[TITLE]=Из пакета&fields[UF_CRM_TASK][]=D_{deal.pk}",
        "got": "tasks.task.get?taskId=$result[new][task][id]",
        "all": "tasks.task.list?filter[RESPONSIBLE_ID]=" + str(manager.pk),
    }

    body = _call(client, f"{hook}batch", {"cmd": cmd})

    result = body["result"]
    assert result["result_error"] == []
    assert result["result"]["got"]["task"]["title"] == "Из пакета"
    assert result["result"]["all"]["tasks"][0]["title"] == "Из пакета"
    assert result["result_total"] == {"all": 1}


def test_a_moved_deal_keeps_its_assignment_open(client, manager):
    deal = make_deal("calculation", "new", responsible=manager)
    _call(
        client,
        f"{_hook(manager)}tasks.task.add",
        {
            "fields": {
                "TITLE": "Позвонить",
                "UF_CRM_TASK": [f"D_{deal.pk}"],
                "DEADLINE": (timezone.now() + datetime.timedelta(days=1)).isoformat(),
            }
        },
    )
    tasks_cancel_of_stage(deal=deal, stage="new", actor=manager)

    assert Task.objects.get().status == Task.Status.NEW
