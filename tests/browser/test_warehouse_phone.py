"""A warehouse worker does a whole acceptance recount from a phone (390×844)."""

from __future__ import annotations

import datetime
import re

import pytest
from playwright.sync_api import expect

from deals.models import Deal, Task
from deals.services import deal_move
from fulfillment.models import Notification
from tests.factories import make_deal

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PHONE = {"width": 390, "height": 844}


def test_worker_recounts_an_acceptance_on_a_phone(
    page, live_server, login, screenshot, manager, worker, tmp_path
):
    deal = make_deal(
        "acceptance",
        "new",
        responsible=manager,
        complete=False,
        arrival_date=datetime.date(2026, 12, 3),
        boxes=12,
        units=480,
        delivery_method="transport_company",
        acceptance_type="by_units",
        amount=173_919,
    )
    deal_move(deal=deal, transition="to_to_warehouse", actor=manager)  # the task, on commit
    task = Task.objects.get(deal=deal, kind=Task.Kind.WAREHOUSE)
    recount = tmp_path / "пересчет.csv"
    recount.write_text("Артикул;Количество\nA-1;480\n", encoding="utf-8")

    page.set_viewport_size(PHONE)
    login(worker)
    page.goto(f"{live_server.url}/warehouse/")
    card = page.locator(".card").first
    assert "12" in card.inner_text() and "480" in card.inner_text()
    # No money anywhere: neither in the text nor in the markup (the amount is chosen so that no
    # date, time or id on the page can contain its digits by chance).
    assert not re.search(r"173(?:\W|&nbsp;|&#160;)?919", page.content())
    screenshot("warehouse-my-tasks-phone")

    card.click()
    page.get_by_role("button", name="Начать").click()
    assert page.get_by_role("status").first.inner_text() == "Время пошло."
    assert page.get_by_role("button", name="Пауза").is_visible()
    screenshot("warehouse-task-running-phone")

    page.fill("#id_text", "Пересчитали: 480 шт., 12 коробов")
    page.set_input_files("#id_file", str(recount))
    page.check("#id_is_result")
    page.get_by_role("button", name="Отправить").click()
    assert page.locator(".panel.result").is_visible()
    screenshot("warehouse-task-result-phone")

    page.get_by_role("button", name="Завершить").click()
    assert page.get_by_role("status").first.inner_text() == (
        "Задача завершена. Менеджер получил уведомление."
    )
    screenshot("warehouse-task-done-phone")
    task.refresh_from_db()
    assert task.status == Task.Status.DONE
    assert Deal.objects.get(pk=deal.pk).recount_file.name.endswith("пересчет.csv")
    # The page fits the phone: nothing wider than the viewport.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_unread_badge_updates_without_a_reload(page, live_server, login, screenshot, worker):
    Notification.objects.create(recipient=worker, event="test", text="Новая задача склада: А")
    page.set_viewport_size(PHONE)
    login(worker)
    page.goto(f"{live_server.url}/notifications/")
    badge = page.locator("[data-unread]")
    expect(badge).to_have_text("1")
    Notification.objects.create(
        recipient=worker, event="test", text="Новая задача склада: Б", url="/warehouse/"
    )
    # What the 30-second poll does, without waiting 30 seconds: the phone wakes the page up.
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    expect(badge).to_have_text("2")
    screenshot("notifications-phone")
    page.get_by_role("button", name="Отметить все прочитанными").click()
    expect(badge).to_be_hidden()
