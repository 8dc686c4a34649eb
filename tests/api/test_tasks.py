"""Tasks through the API: the director's approval, the warehouse's work with time and result."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from deals.models import Deal, Task
from tests.api.conftest import approval_task, client_for, warehouse_task
from tests.factories import make_deal

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposal(manager):
    return make_deal(
        "calculation", "director_approval", responsible=manager, director_approved_at=None
    )


@pytest.fixture
def recount(manager):
    return make_deal("acceptance", "to_warehouse", responsible=manager, recount_file="")


def test_the_director_approves(director, proposal):
    task = approval_task(proposal)

    response = client_for(director).post(f"/api/tasks/{task.pk}/approve/")

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["can_work"]) == ("done", False)
    proposal.refresh_from_db()
    assert proposal.director_approved_at is not None


def test_a_manager_cannot_approve(manager, proposal):
    task = approval_task(proposal)

    response = client_for(manager).post(f"/api/tasks/{task.pk}/approve/")

    assert response.status_code == 403
    assert response.json() == {"detail": "Согласовывать КП может только генеральный директор."}


def test_a_return_needs_remarks_and_sends_the_deal_back(director, proposal):
    task = approval_task(proposal)
    client = client_for(director)

    refused = client.post(f"/api/tasks/{task.pk}/return/", {"remarks": " "}, format="json")
    returned = client.post(
        f"/api/tasks/{task.pk}/return/", {"remarks": "Пересчитать хранение"}, format="json"
    )

    assert refused.status_code == 400
    assert refused.json() == {"detail": "Напишите замечания: что нужно изменить в КП."}
    assert returned.status_code == 200
    assert (returned.json()["status"], returned.json()["decision_comment"]) == (
        "returned",
        "Пересчитать хранение",
    )
    assert Deal.objects.get(pk=proposal.pk).stage == "proposal"


def test_a_worker_tracks_time_attaches_the_result_and_completes(worker, recount):
    task = warehouse_task(recount)
    client = client_for(worker)

    started = client.post(f"/api/tasks/{task.pk}/start/")
    paused = client.post(f"/api/tasks/{task.pk}/pause/")
    resumed = client.post(f"/api/tasks/{task.pk}/resume/")
    too_early = client.post(f"/api/tasks/{task.pk}/complete/")
    result = client.post(
        f"/api/tasks/{task.pk}/comments/",
        {
            "text": "Пересчет готов",
            "is_result": True,
            "file": SimpleUploadedFile("recount.xlsx", b"PK\x03\x04 recount"),
        },
        format="multipart",
    )
    completed = client.post(f"/api/tasks/{task.pk}/complete/")

    assert [r.status_code for r in (started, paused, resumed)] == [200, 200, 200]
    assert [r.json()["status"] for r in (started, paused, resumed)] == [
        "in_progress",
        "paused",
        "in_progress",
    ]
    assert started.json()["assignee"] == worker.pk
    assert resumed.json()["is_running"] is True
    assert too_early.status_code == 400
    assert too_early.json() == {
        "detail": "Сначала приложите результат: комментарий с файлом и отметкой "
        "«Зафиксировать как результат работы»."
    }
    assert result.status_code == 201
    assert result.json()["is_result"] is True
    assert completed.status_code == 200
    assert (completed.json()["status"], completed.json()["is_running"]) == ("done", False)
    assert completed.json()["result"]["id"] == result.json()["id"]
    recount.refresh_from_db()
    assert recount.recount_file.name.endswith("/recount.xlsx")


def test_a_result_needs_a_file_of_an_accepted_type(worker, recount):
    task = warehouse_task(recount)
    client = client_for(worker)

    no_file = client.post(
        f"/api/tasks/{task.pk}/comments/", {"text": "Готово", "is_result": True}, format="json"
    )
    bad_file = client.post(
        f"/api/tasks/{task.pk}/comments/",
        {"is_result": True, "file": SimpleUploadedFile("recount.exe", b"MZ")},
        format="multipart",
    )

    assert no_file.status_code == 400
    assert no_file.json() == {"detail": "Результат задачи склада — файл: приложите его."}
    assert bad_file.status_code == 400
    assert bad_file.json()["detail"].startswith("Тип файла «recount.exe» не принимается")
    assert not task.comments.exists()


def test_a_manager_cannot_start_warehouse_work(manager, recount):
    task = warehouse_task(recount)

    response = client_for(manager).post(f"/api/tasks/{task.pk}/start/")

    assert response.status_code == 403
    assert response.json() == {"detail": "Это не ваша задача."}


def test_filters_assignee_me_kind_and_status(worker, director, proposal, recount):
    mine = warehouse_task(recount, assignee=worker)
    approval = approval_task(proposal)
    client = client_for(worker)

    def ids(user_client, **query):
        return [t["id"] for t in user_client.get("/api/tasks/", query).json()["results"]]

    assert ids(client, assignee="me") == [mine.pk]
    assert ids(client_for(director), kind="approval") == [approval.pk]
    assert ids(client_for(director), status="new", kind="warehouse") == [mine.pk]
    assert client.get("/api/tasks/", {"assignee": "someone"}).status_code == 400


def test_a_worker_sees_the_deal_without_money(worker, director, manager):
    deal = make_deal("acceptance", "to_warehouse", responsible=manager, recount_file="")
    task = warehouse_task(deal)

    for_worker = client_for(worker).get(f"/api/tasks/{task.pk}/").json()["deal_fields"]
    for_director = client_for(director).get(f"/api/tasks/{task.pk}/").json()["deal_fields"]

    assert for_worker["boxes"] == deal.boxes
    assert "amount" not in for_worker and "invoice_file" not in for_worker
    assert for_director["amount"] == str(deal.amount)


def test_the_task_list_costs_the_same_queries_whatever_the_number_of_tasks(
    director, manager, django_assert_num_queries
):
    client = client_for(director)
    warehouse_task(make_deal("acceptance", "to_warehouse", responsible=manager))

    # token with its user, the roles, the view permission (2), count, page, work sessions
    with django_assert_num_queries(7):
        client.get("/api/tasks/")
    for pipeline in ("processing", "shipment"):
        warehouse_task(make_deal(pipeline, "to_warehouse", responsible=manager))
    with django_assert_num_queries(7):
        response = client.get("/api/tasks/")
    assert response.json()["count"] == 3
    assert Task.objects.count() == 3
