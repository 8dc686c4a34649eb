"""Every endpoint × every role, with the exact status: the same rules as the pages.

The deal and the tasks belong to ``manager``; ``other_manager`` must not reach them (404, no
hint that they exist); the director reaches everything; the warehouse worker reaches only
warehouse tasks and holds no deal permission (403); anonymous callers get 401.
"""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from fulfillment.roles import Role
from tests.api.conftest import approval_task, client_for, warehouse_task
from tests.factories import CompanyFactory, ContactFactory, UserFactory, make_deal
from warehouse.models import WorkSession

pytestmark = pytest.mark.django_db

ROLES = ("manager", "other_manager", "director", "worker", "anonymous")


@pytest.fixture
def world(manager, director, worker):
    deal = make_deal("calculation", "new", responsible=manager)
    acceptance = make_deal("acceptance", "to_warehouse", responsible=manager, recount_file="")
    proposal = make_deal(
        "calculation", "director_approval", responsible=manager, director_approved_at=None
    )
    task = warehouse_task(acceptance)
    # An earlier stretch of the worker's on the task, which stays in the queue.
    started = timezone.now() - datetime.timedelta(hours=1)
    session = WorkSession.objects.create(
        task=task, worker=worker, started_at=started, stopped_at=timezone.now()
    )
    return {
        "deal": deal,
        "company": deal.company,
        "contact": deal.contact,
        "approval": approval_task(proposal),
        "warehouse": task,
        "session": session,
        "proposal_file": proposal.proposal_file.name,
    }


def _user(request, role):
    return None if role == "anonymous" else request.getfixturevalue(role)


# (method, path template, body, expected status per role in ROLES order)
READS = [
    ("get", "/api/companies/", (200, 200, 200, 403, 401)),
    ("get", "/api/companies/{company}/", (200, 200, 200, 403, 401)),
    ("get", "/api/contacts/", (200, 200, 200, 403, 401)),
    ("get", "/api/contacts/{contact}/", (200, 200, 200, 403, 401)),
    ("get", "/api/deals/", (200, 200, 200, 403, 401)),
    ("get", "/api/deals/{deal}/", (200, 404, 200, 403, 401)),
    ("get", "/api/deals/{deal}/comments/", (200, 404, 200, 403, 401)),
    ("get", "/api/deals/{deal}/history/", (200, 404, 200, 403, 401)),
    ("get", "/api/pipelines/", (200, 200, 200, 200, 401)),
    ("get", "/api/pipelines/calculation/", (200, 200, 200, 200, 401)),
    ("get", "/api/pipelines/calculation/fields/", (200, 200, 200, 200, 401)),
    ("get", "/api/pipelines/calculation/failure-reasons/", (200, 200, 200, 200, 401)),
    ("get", "/api/tasks/", (200, 200, 200, 200, 401)),
    ("get", "/api/tasks/{approval}/", (200, 404, 200, 404, 401)),
    ("get", "/api/tasks/{warehouse}/", (200, 404, 200, 200, 401)),
    ("get", "/api/tasks/{approval}/comments/", (200, 404, 200, 404, 401)),
    ("get", "/api/tasks/{warehouse}/comments/", (200, 404, 200, 200, 401)),
    ("get", "/api/files/{proposal_file}", (200, 404, 200, 404, 401)),
    ("get", "/api/work-sessions/", (200, 200, 200, 200, 401)),
    ("get", "/api/work-sessions/{session}/", (200, 404, 200, 200, 401)),
    ("get", "/api/reports/task-time/", (200, 200, 200, 403, 401)),
    ("get", "/api/notifications/", (200, 200, 200, 200, 401)),
    ("get", "/api/notifications/unread-count/", (200, 200, 200, 200, 401)),
]


@pytest.mark.parametrize(("method", "path", "expected"), READS, ids=[r[1] for r in READS])
@pytest.mark.parametrize("role_index", range(len(ROLES)), ids=ROLES)
def test_reads(request, world, method, path, expected, role_index):
    ids = {name: getattr(obj, "pk", obj) for name, obj in world.items()}
    client = client_for(_user(request, ROLES[role_index]))
    response = getattr(client, method)(path.format(**ids))
    assert response.status_code == expected[role_index], response.content


def _writes(world):
    company, contact = world["company"], world["contact"]
    return [
        ("post", "/api/companies/", {"name": "ООО «Новый»"}, (201, 201, 201, 403, 401)),
        (
            "patch",
            f"/api/companies/{company.pk}/",
            {"phone": "+7 495 000-00-00"},
            (200, 200, 200, 403, 401),
        ),
        (
            "post",
            "/api/contacts/",
            {"company": company.pk, "name": "Анна", "email": "anna@example.com"},
            (201, 201, 201, 403, 401),
        ),
        (
            "patch",
            f"/api/contacts/{contact.pk}/",
            {"position": "Закупщик"},
            (200, 200, 200, 403, 401),
        ),
        (
            "post",
            "/api/deals/",
            {"pipeline": "calculation", "title": "Новая заявка", "company": company.pk},
            (201, 201, 201, 403, 401),
        ),
        (
            "patch",
            f"/api/deals/{world['deal'].pk}/",
            {"comment": "Позвонить в среду", "contact": contact.pk},
            (200, 404, 200, 403, 401),
        ),
        (
            "post",
            f"/api/deals/{world['deal'].pk}/comments/",
            {"text": "Клиент ждет КП"},
            (201, 404, 201, 403, 401),
        ),
        (
            "post",
            f"/api/deals/{world['deal'].pk}/transition/",
            {"transition": "to_proposal"},
            (200, 404, 200, 403, 401),
        ),
        (
            "post",
            f"/api/tasks/{world['approval'].pk}/comments/",
            {"text": "Посмотрите скидку"},
            (201, 404, 201, 404, 401),
        ),
        (
            "post",
            f"/api/tasks/{world['approval'].pk}/approve/",
            {},
            (403, 404, 200, 404, 401),
        ),
        (
            "post",
            f"/api/tasks/{world['approval'].pk}/return/",
            {"remarks": "Пересчитать хранение"},
            (403, 404, 200, 404, 401),
        ),
        (
            "post",
            f"/api/tasks/{world['warehouse'].pk}/start/",
            {},
            (403, 404, 403, 200, 401),
        ),
        (
            "post",
            f"/api/tasks/{world['warehouse'].pk}/comments/",
            {"text": "Коробки пришли"},
            (201, 404, 201, 201, 401),
        ),
        (
            "post",
            f"/api/work-sessions/{world['session'].pk}/close/",
            {},
            (403, 404, 200, 200, 401),
        ),
        ("post", "/api/notifications/read/", {}, (200, 200, 200, 200, 401)),
    ]


WRITE_IDS = [
    "company-create",
    "company-update",
    "contact-create",
    "contact-update",
    "deal-create",
    "deal-update",
    "deal-comment",
    "deal-transition",
    "approval-comment",
    "approval-approve",
    "approval-return",
    "warehouse-start",
    "warehouse-comment",
    "session-close",
    "notifications-read",
]


@pytest.mark.parametrize("write", range(len(WRITE_IDS)), ids=WRITE_IDS)
@pytest.mark.parametrize("role_index", range(len(ROLES)), ids=ROLES)
def test_writes(request, world, write, role_index):
    method, path, body, expected = _writes(world)[write]
    client = client_for(_user(request, ROLES[role_index]))
    response = getattr(client, method)(path, body, format="json")
    assert response.status_code == expected[role_index], response.content


def test_a_warehouse_task_of_the_queue_is_hidden_from_a_worker_it_is_not_assigned_to(
    worker, manager
):
    colleague = UserFactory(role=Role.WAREHOUSE)
    deal = make_deal("shipment", "to_warehouse", responsible=manager, packing_list_file="")
    task = warehouse_task(deal, assignee=colleague)

    assert client_for(worker).get(f"/api/tasks/{task.pk}/").status_code == 404
    assert client_for(colleague).get(f"/api/tasks/{task.pk}/").status_code == 200
    assert client_for(worker).get("/api/tasks/").json()["count"] == 0


def test_lists_hold_only_what_the_user_may_see(manager, other_manager, director):
    mine = make_deal("calculation", "new", responsible=manager)
    theirs = make_deal("calculation", "new", responsible=other_manager)

    def ids(user):
        return [d["id"] for d in client_for(user).get("/api/deals/").json()["results"]]

    assert ids(manager) == [mine.pk]
    assert ids(other_manager) == [theirs.pk]
    assert sorted(ids(director)) == sorted([mine.pk, theirs.pk])


def test_companies_and_contacts_are_shared_by_sales(manager, other_manager):
    company = CompanyFactory()
    ContactFactory(company=company)

    response = client_for(other_manager).get("/api/contacts/", {"company": company.pk})

    assert response.status_code == 200
    assert response.json()["count"] == 1
