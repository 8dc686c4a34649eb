"""A manager follows the warehouse's work: the task opens from the deal card in the CRM's own
layout, with its time, and leads back to the deal. Screenshots go to test-artifacts/."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from deals.models import Task
from deals.services import deal_move
from tests.factories import make_deal
from warehouse import services

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_manager_opens_the_warehouse_task_from_the_deal_and_comes_back(
    page, live_server, login, screenshot, manager, worker
):
    deal = make_deal("acceptance", "new", responsible=manager, boxes=12)
    deal_move(deal=deal, transition="to_to_warehouse", actor=manager)
    task = Task.objects.get(deal=deal, kind=Task.Kind.WAREHOUSE)
    services.work_start(task=task, worker=worker)
    page.set_viewport_size({"width": 1440, "height": 900})
    login(manager)

    page.goto(f"{live_server.url}/deals/{deal.pk}/")
    page.get_by_role("link", name=task.title).click()

    expect(page.locator("h1")).to_have_text(deal.company.name)
    expect(page.locator(".topbar .menu").first).to_be_visible()  # the CRM's layout
    expect(page.locator("[data-clock][data-running]")).to_have_text(re.compile(r"0:00:\d\d"))
    assert page.locator(".actions").count() == 0  # following, not working on it
    screenshot("manager-desktop-warehouse-task")
    page.get_by_role("link", name=f"← Сделка №{deal.pk} «{deal.title}»").click()
    expect(page).to_have_url(f"{live_server.url}/deals/{deal.pk}/")
