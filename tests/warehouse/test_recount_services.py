"""The recount services the warehouse and the client portal share (warehouse.recount):
loading the shipment list, the lines, agreeing and disputing."""

from __future__ import annotations

import io
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from deals.models import Deal, StageChange, Task
from deals.services import deal_move
from fulfillment.exceptions import ApplicationError, PermissionDeniedError
from warehouse import recount, services
from warehouse.models import RecountEvent, RecountLine

pytestmark = pytest.mark.django_db


def xlsx(rows: list[list[object]], name: str = "list.xlsx") -> SimpleUploadedFile:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def csv_file(text: str, encoding: str = "utf-8", name: str = "list.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding))


WB_ROWS = [
    ["Баркод", "Артикул продавца", "Наименование", "Количество"],
    [4600000000011, "A-1", "Футболка", 10],
    ["4600000000028", "B-2", "Кружка", 5],
    ["4600000000035", "C-3", "Носки", 3],
]


def op(line: int, delta: int, field: str = "counted") -> dict:
    return {"op": str(uuid.uuid4()), "kind": "add", "line": line, "field": field, "delta": delta}


def by_article(deal: Deal) -> dict[str, RecountLine]:
    return {line.article: line for line in recount.recount_lines(deal=deal)}


# --- the shipment list ---------------------------------------------------------------------


def test_xlsx_with_marketplace_columns_is_loaded(task, manager):
    count = recount.shipment_list_load(deal=task.deal, upload=xlsx(WB_ROWS), actor=manager)
    assert count == 3
    lines = recount.recount_lines(deal=task.deal)
    assert [(x.article, x.barcode, x.name, x.expected) for x in lines] == [
        ("A-1", "4600000000011", "Футболка", 10),  # a number in Excel comes back as digits
        ("B-2", "4600000000028", "Кружка", 5),
        ("C-3", "4600000000035", "Носки", 3),
    ]
    event = RecountEvent.objects.get(deal=task.deal)
    assert (event.kind, event.lines, event.expected, event.actor) == ("list_loaded", 3, 18, manager)


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("vendorCode;barcode;name;quantity\nA-1;111;Футболка;10\nB-2;222;Кружка;5\n", "cp1251"),
        (
            "\ufeffofferId,Штрихкод,Название,Кол-во\nA-1,111,Футболка,10\nB-2,222,Кружка,5\n",
            "utf-8",
        ),
        ("offer_id,ШК,Название,Кол-во\r\nA-1,111,Футболка,10\r\nB-2,222,Кружка,5\r\n", "utf-8"),
        (
            "Артикул;Баркод;Наименование;Кол-во, шт.\nA-1;111;Футболка;10\nB-2;222;Кружка;5\n",
            "cp1251",
        ),
    ],
)
def test_csv_in_each_encoding_and_separator(task, manager, text, encoding):
    if text.startswith("\ufeffofferId"):
        text = text.replace("offerId", "offer_id")
    upload = csv_file(text, encoding)
    assert recount.shipment_list_load(deal=task.deal, upload=upload, actor=manager) == 2
    assert [
        (x.article, x.barcode, x.name, x.expected) for x in recount.recount_lines(deal=task.deal)
    ] == [("A-1", "111", "Футболка", 10), ("B-2", "222", "Кружка", 5)]


def test_title_rows_above_the_header_are_skipped(task, manager):
    rows = [["Поставка № 77 от 01.12.2026"], [], *WB_ROWS]
    assert recount.shipment_list_load(deal=task.deal, upload=xlsx(rows), actor=manager) == 3


def test_bad_rows_are_all_reported_and_nothing_is_loaded(task, manager):
    recount.shipment_list_load(deal=task.deal, upload=xlsx(WB_ROWS), actor=manager)
    bad = [
        ["Артикул", "Баркод", "Наименование", "Количество"],
        ["A-1", "111", "Футболка", 10],
        ["", "", "Без кода", 3],
        ["B-2", "222", "Кружка", "пять"],
        ["C-3", "111", "Повтор", 2],
        ["D-4", "444", "Ноль", 0],
        ["E-5", "555", "Пусто", None],
    ]
    with pytest.raises(recount.ShipmentListError) as refused:
        recount.shipment_list_load(deal=task.deal, upload=xlsx(bad), actor=manager)
    assert refused.value.message.splitlines() == [
        "Список отгрузки не загружен, исправьте строки:",
        "Строка 3: нет ни артикула, ни баркода",
        "Строка 4: количество «пять» — не целое число больше нуля",
        "Строка 5: повторяет строку 2",
        "Строка 6: количество «0» — не целое число больше нуля",
        "Строка 7: нет количества",
    ]
    assert [r["row"] for r in refused.value.extra["rows"]] == [3, 4, 5, 6, 7]
    # The earlier list stands untouched.
    assert sorted(by_article(task.deal)) == ["A-1", "B-2", "C-3"]
    assert RecountEvent.objects.filter(deal=task.deal).count() == 1


def test_a_file_without_the_columns_is_refused(task, manager):
    with pytest.raises(recount.ShipmentListError) as refused:
        recount.shipment_list_load(deal=task.deal, upload=csv_file("a;b\n1;2\n"), actor=manager)
    assert "Количество" in refused.value.message
    assert not RecountLine.objects.exists()


def test_replacing_the_list_is_refused_once_counting_started(task, manager, worker):
    recount.shipment_list_load(deal=task.deal, upload=xlsx(WB_ROWS), actor=manager)
    line = by_article(task.deal)["A-1"]
    recount.recount_sync(task=task, worker=worker, ops=[op(line.pk, 1)])
    with pytest.raises(recount.RecountError) as refused:
        recount.shipment_list_load(deal=task.deal, upload=xlsx(WB_ROWS), actor=manager)
    assert refused.value.message == "Пересчет начат: список отгрузки больше нельзя заменить."
    assert by_article(task.deal)["A-1"].counted == 1


def test_only_who_may_edit_the_deal_loads_a_list(task, other_manager, worker):
    for actor in (other_manager, worker):
        with pytest.raises(PermissionDeniedError):
            recount.shipment_list_load(deal=task.deal, upload=xlsx(WB_ROWS), actor=actor)
    # The portal checks its client itself.
    assert (
        recount.shipment_list_load(
            deal=task.deal, upload=xlsx(WB_ROWS), actor=worker, check_permission=False
        )
        == 3
    )


# --- agree and dispute ---------------------------------------------------------------------


@pytest.fixture
def in_approval(task, manager, worker, django_capture_on_commit_callbacks) -> Deal:
    """A recount of three lines counted 9+1 defective / 6 / 3 all defective, finished on the
    phone, the deal moved to «Согласовать с клиентом данные пересчета»."""
    recount.shipment_list_load(deal=task.deal, upload=xlsx(WB_ROWS), actor=manager)
    lines = by_article(task.deal)
    services.work_start(task=task, worker=worker)
    a, b, c = lines["A-1"].pk, lines["B-2"].pk, lines["C-3"].pk
    ops = [op(a, 9), op(a, 1, "defective"), op(b, 6), op(c, 3), op(c, 3, "defective")]
    recount.recount_sync(task=task, worker=worker, ops=ops)
    recount.recount_finish(task=task, worker=worker)
    deal = Deal.objects.get(pk=task.deal_id)
    with django_capture_on_commit_callbacks(execute=True):
        deal_move(deal=deal, transition="to_recount_approval", actor=manager)
    return Deal.objects.get(pk=deal.pk).as_pipeline()


def test_agree_sets_accepted_units_and_moves_on(in_approval, manager):
    deal = recount.recount_agree(deal=in_approval, actor=manager)
    deal.refresh_from_db()
    # (9 − 1) + (6 − 0) + (3 − 3) = 14 units go to storage.
    assert (deal.stage, deal.recount_agreed, deal.accepted_units) == ("invoice", True, 14)
    assert StageChange.objects.filter(deal=deal, transition="to_invoice", actor=manager).exists()


def test_agree_by_a_client_user_without_a_staff_role(in_approval):
    from tests.factories import UserFactory

    client_user = UserFactory()
    with pytest.raises(PermissionDeniedError):
        recount.recount_agree(deal=in_approval, actor=client_user)
    deal = recount.recount_agree(deal=in_approval, actor=client_user, check_permission=False)
    assert Deal.objects.get(pk=deal.pk).stage == "invoice"


def test_agree_outside_recount_approval_is_refused(task, manager):
    with pytest.raises(recount.RecountError) as refused:
        recount.recount_agree(deal=task.deal, actor=manager)
    assert refused.value.message == (
        "Пересчет согласуют на этапе «Согласовать с клиентом данные пересчета»."
    )


def test_dispute_returns_to_the_warehouse_with_the_lines_on_top(
    in_approval, manager, django_capture_on_commit_callbacks
):
    lines = by_article(in_approval)
    with django_capture_on_commit_callbacks(execute=True):
        recount.recount_dispute(
            deal=in_approval,
            actor=manager,
            disputes={lines["C-3"].pk: "Носки целые, брака нет", lines["B-2"].pk: "Было 5"},
        )
    deal = Deal.objects.get(pk=in_approval.pk)
    assert deal.stage == "to_warehouse"
    change = StageChange.objects.filter(deal=deal).latest("created_at", "pk")
    assert change.transition == "return_to_to_warehouse"
    assert change.comment == (
        "Клиент оспаривает пересчет: C-3: Носки целые, брака нет; B-2: Было 5"
    )
    tasks = Task.objects.filter(deal=deal, kind=Task.Kind.WAREHOUSE).order_by("pk")
    assert [t.status for t in tasks] == [Task.Status.DONE, Task.Status.NEW]
    assert "Носки целые, брака нет" in tasks[1].description
    ordered = recount.recount_lines(deal=deal)
    assert [(x.article, x.dispute_comment) for x in ordered] == [
        ("B-2", "Было 5"),
        ("C-3", "Носки целые, брака нет"),
        ("A-1", ""),
    ]


def test_dispute_needs_a_comment_on_a_line_of_this_deal(in_approval, manager, make_task):
    with pytest.raises(recount.RecountError):
        recount.recount_dispute(deal=in_approval, actor=manager, disputes={})
    other = make_task(responsible=manager)
    recount.shipment_list_load(deal=other.deal, upload=xlsx(WB_ROWS), actor=manager)
    foreign = RecountLine.objects.filter(deal=other.deal).first()
    with pytest.raises(recount.RecountError) as refused:
        recount.recount_dispute(deal=in_approval, actor=manager, disputes={foreign.pk: "нет"})
    assert refused.value.message == f"Строка {foreign.pk} не из этого пересчета."
    assert Deal.objects.get(pk=in_approval.pk).stage == "recount_approval"


def test_errors_are_application_errors():
    assert issubclass(recount.ShipmentListError, ApplicationError)
    assert issubclass(recount.RecountError, ApplicationError)


def test_a_line_typed_by_hand(task, manager, client):
    from django.urls import reverse

    client.force_login(manager)
    client.post(
        reverse("warehouse:recount-line-add", args=[task.deal_id]),
        {"article": "Z-9", "barcode": "", "name": "Варежки", "expected": "7"},
    )
    line = RecountLine.objects.get(deal=task.deal)
    assert (line.article, line.barcode, line.name, line.expected) == ("Z-9", "", "Варежки", 7)
    with pytest.raises(recount.ShipmentListError) as refused:
        recount.recount_line_add(deal=task.deal, actor=manager, article="Z-9", expected=1)
    assert refused.value.message == "Такой товар в списке уже есть."
    with pytest.raises(recount.ShipmentListError) as refused:
        recount.recount_line_add(deal=task.deal, actor=manager, expected="два")
    assert refused.value.message == (
        "Нет ни артикула, ни баркода; количество «два» — не целое число больше нуля."
    )
    assert RecountLine.objects.filter(deal=task.deal).count() == 1
