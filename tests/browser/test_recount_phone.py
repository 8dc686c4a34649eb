"""A worker counts an acceptance line by line on a phone (360×740): typed barcode, «+1», a
typed number, a change made offline and synced exactly once, the finish with the act."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook
from playwright.sync_api import expect

from deals.models import Deal, Task
from deals.services import deal_move
from tests.factories import make_deal
from warehouse import recount, services
from warehouse.models import RecountEvent, RecountLine, RecountOp

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PHONE = {"width": 360, "height": 740}


def shipment_list(lines: int) -> SimpleUploadedFile:
    workbook = Workbook()
    workbook.active.append(["Баркод", "Артикул продавца", "Наименование", "Количество"])
    for n in range(1, lines + 1):
        workbook.active.append([f"46000000{n:05d}", f"ART-{n}", f"Товар номер {n}", 10])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("list.xlsx", buffer.getvalue())


def line(article: str) -> RecountLine:
    return RecountLine.objects.get(article=article)


def test_worker_counts_on_a_phone_offline_included(
    page, context, live_server, login, screenshot, manager, worker
):
    deal = make_deal(
        "acceptance",
        "new",
        responsible=manager,
        complete=False,
        arrival_date=datetime.date(2026, 12, 3),
        boxes=3,
        units=200,
        delivery_method="transport_company",
        acceptance_type="by_units",
    )
    deal_move(deal=deal, transition="to_to_warehouse", actor=manager)  # the task, on commit
    task = Task.objects.get(deal=deal, kind=Task.Kind.WAREHOUSE)
    recount.shipment_list_load(deal=deal, upload=shipment_list(20), actor=manager)
    services.work_start(task=task, worker=worker)

    page.set_viewport_size(PHONE)
    page.on("dialog", lambda dialog: dialog.accept())  # «Завершить пересчет?»
    login(worker)
    page.goto(f"{live_server.url}/warehouse/tasks/{task.pk}/")
    page.get_by_role("link", name="Пересчет").click()
    expect(page.locator(".rc-line")).to_have_count(20)
    expect(page.locator("#rc-status")).to_have_text("Все изменения сохранены")
    screenshot("recount-list")

    # A typed barcode and Enter jump to the line; «+1» counts one.
    page.fill("#rc-q", "4600000000003")
    page.press("#rc-q", "Enter")
    expect(page.locator("#rc-s-name")).to_have_text("Товар номер 3")
    page.locator("#rc-sheet").get_by_role("button", name="+1").first.click()
    expect(page.locator("#rc-status")).to_have_text("Все изменения сохранены")
    assert line("ART-3").counted == 1
    screenshot("recount-line-sheet")

    # A typed number: 9 counted, sent as +8 on top of the 1.
    page.fill("#rc-s-counted", "9")
    page.press("#rc-s-counted", "Tab")
    expect(page.locator("#rc-status")).to_have_text("Все изменения сохранены")
    assert line("ART-3").counted == 9
    page.get_by_role("button", name="К списку").click()

    # Filtering as you type; «+1» straight from the list.
    page.fill("#rc-q", "номер 1")
    expect(page.locator(".rc-line")).to_have_count(11)  # 1, 10–19
    page.fill("#rc-q", "ART-7")
    page.locator(".rc-line .rc-plus").first.click()
    expect(page.locator("#rc-status")).to_have_text("Все изменения сохранены")
    assert line("ART-7").counted == 1

    # The network drops: the change is kept on the phone and shown as not sent.
    context.set_offline(True)
    page.locator(".rc-line .rc-plus").first.click()
    page.locator(".rc-line .rc-plus").first.click()
    expect(page.locator("#rc-status")).to_contain_text("не отправлено: 2")
    expect(page.locator(".rc-line .rc-n b").first).to_have_text("3")
    assert line("ART-7").counted == 1
    screenshot("recount-offline")
    context.set_offline(False)
    expect(page.locator("#rc-status")).to_have_text("Все изменения сохранены", timeout=15000)
    assert line("ART-7").counted == 3  # synced exactly once: 1 + 2, no doubling
    assert RecountOp.objects.filter(line=line("ART-7")).count() == 3
    # A reload resends nothing: the queue is empty, the page shows the server's values.
    page.reload()
    page.fill("#rc-q", "ART-7")
    expect(page.locator(".rc-line .rc-n b").first).to_have_text("3")
    assert line("ART-7").counted == 3

    # A scan: the page's own handler, called as a detection result would call it
    # (headless Chromium on Linux has no BarcodeDetector, and no camera).
    page.evaluate("window.recountScan('4600000000005')")
    expect(page.locator("#rc-s-name")).to_have_text("Товар номер 5")
    page.locator("#rc-sheet [data-step=defective][data-by='1']").click()
    page.locator("#rc-sheet [data-step=counted][data-by='1']").click()
    expect(page.locator("#rc-status")).to_have_text("Все изменения сохранены")
    assert (line("ART-5").counted, line("ART-5").defective) == (1, 1)
    page.get_by_role("button", name="К списку").click()

    # A scanned code that is not in the list: offered as a new SKU.
    page.evaluate("window.recountScan('2000000000999')")
    expect(page.locator("#rc-new")).to_be_visible()
    page.fill("#rc-new-name", "Шарф без маркировки")
    screenshot("recount-unexpected")
    page.get_by_role("button", name="Добавить товар не из списка").click()
    expect(page.locator("#rc-s-name")).to_have_text("Шарф без маркировки")
    page.locator("#rc-sheet [data-step=counted][data-by='1']").click()
    expect(page.locator("#rc-status")).to_have_text("Все изменения сохранены")
    new = RecountLine.objects.get(barcode="2000000000999")
    assert (new.unexpected, new.counted) == (True, 1)
    page.get_by_role("button", name="К списку").click()

    # The camera button: no BarcodeDetector here, so the vendored ZXing is loaded then, and
    # only then (CSP allows it: a same-origin static file); with no camera the page says so.
    assert page.evaluate("typeof window.ZXing") == "undefined"
    page.get_by_role("button", name="Сканировать камерой").click()
    expect(page.locator("#rc-cam-msg")).to_have_text("Камера недоступна: введите штрихкод вручную.")
    assert page.evaluate("typeof window.ZXing.BrowserMultiFormatReader") == "function"
    page.get_by_role("button", name="Закрыть камеру").click()

    page.get_by_role("button", name="Завершить пересчет").click()
    expect(page.locator(".msg.success")).to_contain_text("Пересчет завершен")
    screenshot("recount-finished")
    task.refresh_from_db()
    assert task.status == Task.Status.DONE
    event = RecountEvent.objects.get(deal=deal, kind="finished")
    assert event.act_file  # counts differ from the list: the discrepancy act is made
    assert Deal.objects.get(pk=deal.pk).as_pipeline().recount_file.name == event.recount_file.name

    # The manager sees the recount on the deal card: lines, totals, the act, the timeline.
    context.clear_cookies()
    page.set_viewport_size({"width": 1366, "height": 900})
    login(manager)
    page.goto(f"{live_server.url}/deals/{deal.pk}/")
    panel = page.locator("#recount")
    expect(panel).to_contain_text("Акт о расхождении")
    expect(panel).to_contain_text("Шарф без маркировки")
    expect(page.locator("#timeline")).to_contain_text("завершил(а) пересчет")
    panel.scroll_into_view_if_needed()
    screenshot("recount-deal-card")
