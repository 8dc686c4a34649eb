"""The selectors agree with the task permission rules, and keep money out of the pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from deals.pipelines.fields import DEAL_FIELDS
from deals.services.tasks import can_see_task
from fulfillment.roles import Role
from tests.factories import UserFactory
from warehouse import selectors, services

pytestmark = pytest.mark.django_db


def test_visible_tasks_are_exactly_those_can_see_task_allows(
    make_task, manager, other_manager, director, administrator, worker
):
    queue, taken, mine = (
        make_task(responsible=manager),
        make_task(),
        make_task(responsible=other_manager),
    )
    services.work_start(task=taken, worker=UserFactory(role=Role.WAREHOUSE))
    services.work_start(task=mine, worker=worker)
    tasks = [type(queue).objects.select_related("deal").get(pk=t.pk) for t in (queue, taken, mine)]
    for user in (manager, other_manager, director, administrator, worker, UserFactory()):
        visible = set(selectors.warehouse_tasks_visible_to(user).values_list("pk", flat=True))
        assert visible == {t.pk for t in tasks if can_see_task(t, user)}, user


def test_essentials_and_files_never_include_money(task):
    assert not any(DEAL_FIELDS[code].money for code in selectors.ESSENTIAL_FIELDS)
    for code in ("invoice_file", "proposal_file", "amount"):
        assert selectors.deal_worker_file(task.deal, code) is None
    loaded = selectors.warehouse_task_get(user=task.deal.responsible, pk=task.pk).deal
    deferred = loaded.get_deferred_fields()
    assert {code for code, f in DEAL_FIELDS.items() if f.money} <= deferred


def test_manifest_and_service_worker(client):
    manifest = client.get(reverse("warehouse:manifest"))
    assert manifest["Content-Type"] == "application/manifest+json"
    data = manifest.json()
    assert (data["name"], data["short_name"], data["start_url"]) == (
        "Склад · CRM фулфилмента",
        "Склад",
        "/warehouse/",
    )
    assert [icon["sizes"] for icon in data["icons"]] == ["192x192", "512x512", "512x512"]
    worker_js = client.get(reverse("warehouse:service-worker"))
    assert worker_js["Content-Type"] == "application/javascript; charset=utf-8"
    assert b'addEventListener("push"' in worker_js.content
