"""A client in the portal, on a desktop and on a 360 px phone: signs in, opens an acceptance,
uploads the shipment list (an XLSX made here with openpyxl), disputes a recount line with a
comment, agrees the recount done again, and the deal moves on. No CSP violation anywhere."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from deals.models import Deal
from fulfillment.roles import Role
from portal.models import ClientAccount, ClientAction
from tests.factories import ContactFactory, UserFactory, make_deal

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PHONE = {"width": 360, "height": 780}
PASSWORD = "Клиент-пароль-1"


def _watch_csp(page) -> list[str]:
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return violations


def _client(manager):
    contact = ContactFactory(name="Анна Петрова", email="anna@client.example")
    make_deal("shipment", "won", company=contact.company, contact=contact, responsible=manager)
    user = UserFactory(username="anna@client.example", email="anna@client.example")
    user.set_password(PASSWORD)
    user.save()
    ClientAccount.objects.create(
        user=user, contact=contact, invited_by=manager, activated_at=timezone.now()
    )
    return user


def _sign_in(page, live_server, user) -> None:
    page.goto(f"{live_server.url}/client/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_load_state()


def _fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_a_client_signs_in_and_opens_an_acceptance(page, live_server, screenshot, screen):
    manager = UserFactory(role=Role.MANAGER)
    user = _client(manager)
    violations = _watch_csp(page)
    if screen == "phone":
        page.set_viewport_size(PHONE)

    page.goto(f"{live_server.url}/client/login/")
    screenshot(f"portal-login-{screen}")
    _sign_in(page, live_server, user)
    expect(page.get_by_role("heading", name="Ваши заявки")).to_be_visible()
    expect(page.locator(".request")).to_have_count(1)
    screenshot(f"portal-home-{screen}")

    page.get_by_role("link", name="+ Новая приемка").click()
    arrival = datetime.date.today() + datetime.timedelta(days=5)
    page.fill("#id_arrival_date", arrival.isoformat())
    page.fill("#id_boxes", "6")
    page.fill("#id_units", "240")
    page.select_option("#id_delivery_method", "courier")
    page.select_option("#id_acceptance_type", "by_units")
    page.fill("#id_goods_description", "Футболки хлопковые, три размера")
    screenshot(f"portal-new-acceptance-{screen}")
    page.get_by_role("button", name="Отправить заявку").click()

    expect(page.get_by_role("status")).to_contain_text("отправлена вашему менеджеру")
    deal = Deal.objects.get(pipeline="acceptance")
    assert (deal.responsible, deal.created_by, deal.boxes) == (manager, user, 6)
    assert ClientAction.objects.filter(deal=deal, kind="created").exists()
    expect(page.locator(".badge.big")).to_have_text("Заявка получена")
    screenshot(f"portal-request-{screen}")
    _fits(page, PHONE["width"] if screen == "phone" else 1366)
    assert violations == []


def _xlsx(path) -> str:
    from openpyxl import Workbook

    workbook = Workbook()
    for row in (
        ["Баркод", "Артикул продавца", "Наименование", "Количество"],
        ["4600000000011", "A-1", "Футболка белая", 10],
        ["4600000000028", "B-2", "Кружка", 5],
        ["4600000000035", "C-3", "Носки", 3],
    ):
        workbook.active.append(row)
    workbook.save(path)
    return str(path)


def _count_and_finish(deal, worker, counts: dict[str, tuple[int, int]]) -> None:
    """The worker's phone work, through the warehouse's services: counted / defective per
    article, then «Завершить пересчет»."""
    import uuid

    from deals.models import Task
    from warehouse import recount, services

    task = Task.objects.filter(deal=deal, kind=Task.Kind.WAREHOUSE).latest("pk")
    if not task.work_sessions.filter(stopped_at__isnull=True).exists():
        services.work_start(task=task, worker=worker)
    lines = {line.article: line.pk for line in recount.recount_lines(deal=deal)}
    ops = []
    for article, (counted, defective) in counts.items():
        for field, delta in (("counted", counted), ("defective", defective)):
            if delta:
                ops.append(
                    {
                        "op": str(uuid.uuid4()),
                        "kind": "add",
                        "line": lines[article],
                        "field": field,
                        "delta": delta,
                    }
                )
    recount.recount_sync(task=task, worker=worker, ops=ops)
    recount.recount_finish(task=task, worker=worker)


def _png() -> bytes:
    """A small real PNG (a red square): a photo of damaged goods."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    size = 24
    raw = b"".join(b"\x00" + b"\xc0\x30\x30" * size for _ in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def _photo(deal, worker, article: str) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from deals.models import Task
    from warehouse import recount, services

    task = Task.objects.filter(deal=deal, kind=Task.Kind.WAREHOUSE).latest("pk")
    services.work_start(task=task, worker=worker)
    line = next(x for x in recount.recount_lines(deal=deal) if x.article == article)
    recount.recount_photo_add(
        task=task, worker=worker, line_id=line.pk, upload=SimpleUploadedFile("брак.png", _png())
    )


def _to_approval(deal, manager) -> None:
    from deals.services import deal_move

    deal_move(deal=Deal.objects.get(pk=deal.pk), transition="to_recount_approval", actor=manager)


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_a_client_uploads_the_list_disputes_a_line_then_agrees(
    page, live_server, screenshot, screen, tmp_path
):
    from deals.services import deal_move

    manager = UserFactory(role=Role.MANAGER)
    worker = UserFactory(role=Role.WAREHOUSE)
    user = _client(manager)
    account = ClientAccount.objects.get(user=user)
    deal = make_deal(
        "acceptance",
        "new",
        company=account.contact.company,
        contact=account.contact,
        responsible=manager,
        complete=False,
        arrival_date=datetime.date.today(),
        boxes=2,
        units=18,
        delivery_method="courier",
        acceptance_type="by_units",
    )
    deal_move(deal=deal, transition="to_to_warehouse", actor=manager)  # the task, on commit
    violations = _watch_csp(page)
    width = PHONE["width"] if screen == "phone" else 1366
    if screen == "phone":
        page.set_viewport_size(PHONE)
    _sign_in(page, live_server, user)
    url = f"{live_server.url}/client/requests/{deal.pk}/"

    page.goto(url)
    page.set_input_files("#id_file", _xlsx(tmp_path / "поставка.xlsx"))
    page.get_by_role("button", name="Загрузить список").click()
    expect(page.get_by_role("status")).to_contain_text("Список отгрузки загружен, строк: 3.")
    screenshot(f"portal-list-uploaded-{screen}")

    _photo(deal, worker, "A-1")
    _count_and_finish(deal, worker, {"A-1": (9, 1), "B-2": (5, 0), "C-3": (2, 0)})
    _to_approval(deal, manager)
    page.goto(url)
    expect(page.locator(".badge.big")).to_have_text("Пересчет ждет вашего согласования")
    expect(page.locator("table.recount tbody tr")).to_have_count(3)
    photo = page.locator("a.photo img").first
    photo.scroll_into_view_if_needed()
    page.wait_for_function(
        "() => { const i = document.querySelector('a.photo img'); return i && i.complete; }"
    )
    assert photo.evaluate("img => img.naturalWidth") == 24  # the photo itself, served
    screenshot(f"portal-recount-{screen}")
    _fits(page, width)

    row = page.locator("table.recount tbody tr", has_text="C-3")
    row.locator("input[type=checkbox]").check()
    row.locator("input[type=text]").fill("Носков было 3, проверьте короб 2")
    screenshot(f"portal-dispute-{screen}")
    page.get_by_role("button", name="Оспорить строки").click()
    expect(page.get_by_role("status")).to_contain_text("Оспоренные строки отправлены на склад")
    assert Deal.objects.get(pk=deal.pk).stage == "to_warehouse"
    assert ClientAction.objects.filter(deal=deal, kind="lines_disputed").exists()
    screenshot(f"portal-disputed-{screen}")

    _count_and_finish(deal, worker, {"C-3": (1, 0)})
    _to_approval(deal, manager)
    page.goto(url)
    expect(page.locator("table.recount tbody tr").first).to_contain_text("C-3")  # on top
    expect(page.locator(".dispute-comment").first).to_contain_text("Носков было 3")
    page.get_by_role("button", name="Согласовать пересчет").click()
    expect(page.get_by_role("status")).to_contain_text("пересчет согласован")
    expect(page.locator(".badge.big")).to_have_text("Готовим счет")
    screenshot(f"portal-agreed-{screen}")
    moved = Deal.objects.get(pk=deal.pk)
    # (9 − 1) + 5 + (2 + 1) = 16 units accepted.
    assert (moved.stage, moved.recount_agreed, moved.accepted_units) == ("invoice", True, 16)
    _fits(page, width)
    assert violations == []


def test_a_manager_invites_a_contact_from_the_deal_card(page, live_server, login, screenshot):
    from django.core import mail

    manager = UserFactory(role=Role.MANAGER)
    contact = ContactFactory(name="Ольга Смирнова", email="olga@client.example")
    deal = make_deal("acceptance", company=contact.company, contact=contact, responsible=manager)
    violations = _watch_csp(page)
    login(manager)
    page.goto(f"{live_server.url}/deals/{deal.pk}/")
    panel = page.locator("#portal-access")
    expect(panel).to_contain_text("нет доступа")
    panel.get_by_role("button", name="Пригласить").click()
    expect(page.locator("#portal-access")).to_contain_text("пароль еще не установлен")
    screenshot("portal-staff-panel")
    account = ClientAccount.objects.get(contact=contact)
    assert account.user.email == "olga@client.example"
    assert [m.to for m in mail.outbox] == [["olga@client.example"]]
    assert violations == []
