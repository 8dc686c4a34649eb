"""The recount from the client's list to the agreed count, everyone on their own screen: the
client opens an acceptance and uploads the shipment list in the portal, the worker counts it on
a phone (typed and scanned codes, a typed number, a change made while the network was gone and
synced once), the discrepancy act is made, the client disputes a line, the warehouse recounts
it, the client agrees and the deal moves on to the invoice. The manager's moves are the
services the board calls."""

from __future__ import annotations

import datetime
import io

import pytest
from django.utils import timezone
from openpyxl import Workbook
from playwright.sync_api import expect
from pypdf import PdfReader

from deals.models import Deal, Task
from deals.services import deal_move
from portal.models import ClientAccount, ClientAction
from tests.browser.conftest import ARTIFACTS
from tests.factories import ContactFactory, UserFactory
from warehouse.models import RecountEvent, RecountLine, RecountOp

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PHONE = {"width": 360, "height": 740}
CLIENT_PASSWORD = "Клиент-пароль-1"
LIST = [  # barcode, article, name, expected
    ("4600000000011", "A-1", "Футболка белая", 10),
    ("4600000000028", "B-2", "Кружка", 5),
    ("4600000000035", "C-3", "Носки", 3),
    ("4600000000042", "D-4", "Шапка", 4),
]


def shipment_list(path) -> str:
    workbook = Workbook()
    workbook.active.append(["Баркод", "Артикул продавца", "Наименование", "Количество"])
    for row in LIST:
        workbook.active.append(list(row))
    workbook.save(path)
    return str(path)


def line(article: str) -> RecountLine:
    return RecountLine.objects.get(article=article)


def synced(phone) -> None:
    expect(phone.locator("#rc-status")).to_have_text("Все изменения сохранены", timeout=15000)


def open_recount(phone, live_server, deal) -> Task:
    task = Task.objects.filter(deal=deal, kind=Task.Kind.WAREHOUSE).latest("pk")
    phone.goto(f"{live_server.url}/warehouse/tasks/{task.pk}/")
    phone.get_by_role("button", name="Начать").click()
    phone.get_by_role("link", name="Пересчет").click()
    synced(phone)
    return task


def count(phone, code: str, *, plus: int = 0, typed: int | None = None) -> None:
    """Type (or scan) a code, then «+1» ``plus`` times or type the number counted."""
    phone.fill("#rc-q", code)
    phone.press("#rc-q", "Enter")
    for _ in range(plus):
        phone.locator("#rc-sheet [data-step=counted][data-by='1']").click()
    if typed is not None:
        phone.fill("#rc-s-counted", str(typed))
        phone.press("#rc-s-counted", "Tab")
    synced(phone)
    phone.get_by_role("button", name="К списку").click()


def move(deal: Deal, transition: str, manager) -> None:
    deal_move(deal=Deal.objects.get(pk=deal.pk), transition=transition, actor=manager)


def test_the_client_s_list_counted_on_a_phone_disputed_and_agreed(
    browser, page, live_server, login, screenshot, manager, worker, tmp_path
):
    contact = ContactFactory(name="Анна Петрова", email="anna@client.example")
    client_user = UserFactory(username="anna@client.example", email="anna@client.example")
    client_user.set_password(CLIENT_PASSWORD)
    client_user.save()
    ClientAccount.objects.create(
        user=client_user, contact=contact, invited_by=manager, activated_at=timezone.now()
    )
    # The company works with this manager: a client's request goes to them.
    previous = Deal.objects.create(
        pipeline="shipment", title="Прошлая отгрузка", company=contact.company, responsible=manager
    )
    assert previous.responsible == manager

    # The client, on a desktop: a new acceptance, then the shipment list.
    page.goto(f"{live_server.url}/client/login/")
    page.fill("#id_username", client_user.username)
    page.fill("#id_password", CLIENT_PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.get_by_role("link", name="+ Новая приемка").click()
    page.fill("#id_arrival_date", (datetime.date.today() + datetime.timedelta(days=1)).isoformat())
    page.fill("#id_boxes", "2")
    page.fill("#id_units", "22")
    page.select_option("#id_delivery_method", "courier")
    page.select_option("#id_acceptance_type", "by_units")
    page.get_by_role("button", name="Отправить заявку").click()
    expect(page.get_by_role("status")).to_contain_text("отправлена вашему менеджеру")
    deal = Deal.objects.get(pipeline="acceptance", company=contact.company)
    assert (deal.stage, deal.responsible) == ("new", manager)
    request_url = f"{live_server.url}/client/requests/{deal.pk}/"
    page.goto(request_url)
    page.set_input_files("#id_file", shipment_list(tmp_path / "поставка.xlsx"))
    page.get_by_role("button", name="Загрузить список").click()
    expect(page.get_by_role("status")).to_contain_text("Список отгрузки загружен, строк: 4.")
    screenshot("story-client-list")

    # The manager sends it to the warehouse: the automation sets the worker's task.
    move(deal, "to_to_warehouse", manager)

    # The worker, on a phone: typed and scanned codes, «+1», a typed number, a defect.
    phone_context = browser.new_context(viewport=PHONE, locale="ru-RU")
    phone = phone_context.new_page()
    phone.on("dialog", lambda dialog: dialog.accept())  # «Завершить пересчет?»
    phone.goto(f"{live_server.url}/accounts/login/")
    phone.fill("input[name=username]", worker.username)
    phone.fill("input[name=password]", "secret-pass-1")
    phone.locator("button[type=submit]").click()
    task = open_recount(phone, live_server, deal)
    expect(phone.locator(".rc-line")).to_have_count(4)
    count(phone, "4600000000011", typed=10)
    # A scan: the page's own handler, as a detection result calls it (headless Chromium on
    # Linux has no BarcodeDetector and no camera).
    phone.evaluate("window.recountScan('4600000000028')")
    phone.locator("#rc-sheet [data-step=counted][data-by='1']").click()
    phone.locator("#rc-sheet [data-step=defective][data-by='1']").click()
    synced(phone)
    phone.get_by_role("button", name="К списку").click()
    count(phone, "C-3", plus=2)  # an article typed works as a code
    count(phone, "4600000000042", typed=4)
    assert [(line(a).counted, line(a).defective) for a in ("A-1", "B-2", "C-3", "D-4")] == [
        (10, 0),
        (1, 1),
        (2, 0),
        (4, 0),
    ]
    phone.screenshot(path=str(ARTIFACTS / "story-phone-counting.png"), full_page=True)

    # The network goes: four more mugs are kept on the phone, then sent once it is back.
    phone_context.set_offline(True)
    phone.fill("#rc-q", "B-2")
    for _ in range(4):
        phone.locator(".rc-line .rc-plus").first.click()
    expect(phone.locator("#rc-status")).to_contain_text("не отправлено: 4")
    phone.screenshot(path=str(ARTIFACTS / "story-phone-offline.png"), full_page=True)
    assert line("B-2").counted == 1
    phone_context.set_offline(False)
    synced(phone)
    assert line("B-2").counted == 5  # 1 + 4: each change applied once
    assert RecountOp.objects.filter(line=line("B-2"), field="counted").count() == 5

    phone.get_by_role("button", name="Завершить пересчет").click()
    expect(phone.locator(".msg.success")).to_contain_text("Пересчет завершен")
    phone.screenshot(path=str(ARTIFACTS / "story-phone-finished.png"), full_page=True)
    event = RecountEvent.objects.get(deal=deal, kind="finished")
    act = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(event.act_file.read())).pages)
    assert "Акт о расхождении" in act and "Носки" in act and "Кружка" in act
    assert Task.objects.get(pk=task.pk).status == Task.Status.DONE

    # The client sees the recount and disputes the socks.
    move(deal, "to_recount_approval", manager)
    page.goto(request_url)
    expect(page.locator(".badge.big")).to_have_text("Пересчет ждет вашего согласования")
    row = page.locator("table.recount tbody tr", has_text="C-3")
    row.locator("input[type=checkbox]").check()
    row.locator("input[type=text]").fill("Носков было 3, проверьте короб 2")
    screenshot("story-client-dispute")
    page.get_by_role("button", name="Оспорить строки").click()
    expect(page.get_by_role("status")).to_contain_text("Оспоренные строки отправлены на склад")
    assert Deal.objects.get(pk=deal.pk).stage == "to_warehouse"

    # A new task; the disputed line is on top of the phone's list, with the comment.
    open_recount(phone, live_server, deal)
    expect(phone.locator(".rc-line").first).to_contain_text("Носки")
    count(phone, "4600000000035", plus=1)
    phone.get_by_role("button", name="Завершить пересчет").click()
    expect(phone.locator(".msg.success")).to_contain_text("Пересчет завершен")
    phone_context.close()

    # The client agrees; the deal goes on to the invoice with the units worked out here:
    # A-1 10 + B-2 (5 − 1 defective) + C-3 3 + D-4 4 = 21.
    move(deal, "to_recount_approval", manager)
    page.goto(request_url)
    page.get_by_role("button", name="Согласовать пересчет").click()
    expect(page.get_by_role("status")).to_contain_text("пересчет согласован")
    screenshot("story-client-agreed")
    agreed = Deal.objects.get(pk=deal.pk)
    assert (agreed.stage, agreed.recount_agreed, agreed.accepted_units) == ("invoice", True, 21)
    assert set(ClientAction.objects.filter(deal=deal).values_list("kind", flat=True)) >= {
        "created",
        "list_uploaded",
        "lines_disputed",
        "recount_agreed",
    }
