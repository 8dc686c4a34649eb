"""Each role keeps its own layout on the pages both sides use (notifications, the time report),
and the time report uses a desktop's width. Screenshots go to test-artifacts/."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from deals.models import Task
from deals.services import deal_move
from tests.factories import CompanyFactory, make_deal
from warehouse import services

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


def _overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.fixture
def worked_task(manager, worker):
    company = CompanyFactory(name="ООО «Северная торговая компания полного цикла и хранения»")
    deal = make_deal("acceptance", "new", responsible=manager, company=company)
    deal_move(deal=deal, transition="to_to_warehouse", actor=manager)
    task = Task.objects.get(deal=deal, kind=Task.Kind.WAREHOUSE)
    services.work_start(task=task, worker=worker)
    services.work_pause(task=task, worker=worker)
    return task


@pytest.mark.parametrize("role", ["manager", "director"])
def test_sales_roles_see_the_crm_layout_on_shared_pages(
    request, role, page, live_server, login, screenshot, worked_task
):
    user = request.getfixturevalue(role)
    page.set_viewport_size(DESKTOP)
    login(user)

    for path in ("/notifications/", "/warehouse/report/"):
        page.goto(f"{live_server.url}{path}")
        expect(page.locator(".topbar .menu").first).to_be_visible()
        assert page.locator("header.bar").count() == 0  # not the warehouse's «Склад» bar
        assert _overflow(page) == 0

    table = page.locator("table.report")
    expect(table).to_contain_text("Северная торговая компания")
    box = table.bounding_box()
    assert box["x"] + box["width"] <= DESKTOP["width"]  # every column on the screen
    name_cell = page.locator("table.report tbody tr td").first
    screenshot(f"{role}-desktop-time-report")
    assert name_cell.bounding_box()["height"] < 100  # at most three lines, not six or seven
    screenshot(f"{role}-desktop-time-report")


def test_warehouse_staff_keep_the_phone_layout_for_notifications(
    page, live_server, login, screenshot, worker
):
    page.set_viewport_size(PHONE)
    login(worker)

    page.goto(f"{live_server.url}/notifications/")

    expect(page.locator("header.bar .brand")).to_have_text("Склад")
    assert page.locator(".topbar").count() == 0
    assert _overflow(page) == 0
    screenshot("warehouse-phone-notifications")


@pytest.mark.parametrize("pipeline", ["acceptance", "processing", "shipment"])
def test_a_seven_stage_board_fits_a_desktop_with_narrower_closed_columns(
    pipeline, page, live_server, login, screenshot, manager
):
    for stage in ("new", "invoice", "won", "lost"):
        make_deal(pipeline, stage, responsible=manager)
    page.set_viewport_size(DESKTOP)
    login(manager)

    page.goto(f"{live_server.url}/pipelines/{pipeline}/")

    columns = page.locator(".board .column")
    expect(columns).to_have_count(7)
    boxes = [columns.nth(i).bounding_box() for i in range(7)]
    assert boxes[-1]["x"] + boxes[-1]["width"] <= DESKTOP["width"]  # «Отказ» is not cut off
    assert boxes[-1]["width"] < boxes[0]["width"]
    assert _overflow(page) == 0
    if pipeline == "acceptance":
        screenshot("manager-desktop-acceptance-board")


def test_a_card_opens_in_a_side_panel_and_a_column_adds_a_deal(
    page, live_server, login, screenshot, manager
):
    deal = make_deal("calculation", "proposal", responsible=manager, title="Посуда для кафе")
    page.set_viewport_size(DESKTOP)
    login(manager)
    page.goto(f"{live_server.url}/pipelines/calculation/")

    page.get_by_role("link", name="Посуда для кафе").click()

    panel = page.locator("#side-panel")
    expect(panel.get_by_role("link", name="Открыть карточку")).to_be_visible()
    expect(panel).to_contain_text("Сформировать КП")
    assert page.url == f"{live_server.url}/pipelines/calculation/"  # still on the board
    screenshot("manager-desktop-board-side-panel")
    page.keyboard.press("Escape")
    expect(panel).to_be_empty()

    page.locator('.column[data-stage="proposal"] .quick-add').click()
    expect(page).to_have_url(f"{live_server.url}/pipelines/calculation/new/?stage=proposal")
    assert page.locator("#id_stage").input_value() == "proposal"
    assert deal.pk


def test_a_partly_filled_move_dialog_keeps_its_summary_on_top_and_goes_to_what_is_left(
    page, live_server, login, manager
):
    deal = make_deal("calculation", "new", responsible=manager, complete=False)
    page.set_viewport_size(DESKTOP)
    login(manager)
    page.goto(f"{live_server.url}/deals/{deal.pk}/")
    page.get_by_role("button", name="Далее: «Сформировать КП»").click()
    dialog = page.locator("dialog[open]")
    expect(dialog.locator(".is-missing")).to_have_count(6)

    dialog.get_by_label("Описание товара").fill("Посуда")
    dialog.get_by_label("Количество SKU").fill("12")
    dialog.get_by_role("button", name="Сохранить и перейти").click()

    dialog = page.locator("dialog[open]")
    summary = dialog.locator(".move-form > p.error[role=alert]")
    expect(summary).to_contain_text("Заполните обязательные поля")
    expect(summary).to_be_visible()
    expect(dialog.locator(".is-missing").first).to_be_visible()
    above = page.evaluate(
        """() => {
            const dialog = document.querySelector("dialog[open]");
            const summary = dialog.querySelector(".move-form > p.error[role=alert]");
            const first = dialog.querySelector(".is-missing");
            return summary.getBoundingClientRect().top < first.getBoundingClientRect().top;
        }"""
    )
    assert above  # the summary stays on top of what is left to fill
    # The first field still to fill is where the cursor goes (once the dialog is shown).
    page.wait_for_function(
        "document.activeElement && document.activeElement.closest('.is-missing') !== null",
        timeout=5000,
    )
    assert dialog.get_by_label("Описание товара").input_value() == "Посуда"
