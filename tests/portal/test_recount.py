"""The recount in the portal, through the warehouse's own services: the client uploads the
shipment list, sees the counted lines with photos and totals, disputes lines with a comment
(the acceptance goes back to the warehouse with those lines on top) and agrees the recount
(the acceptance moves on by itself); every action is on the staff's timeline and tells the
manager; a client never reaches another company's recount."""

from __future__ import annotations

import io
import re
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from deals.models import Deal, StageChange, Task
from deals.services import deal_move
from fulfillment.files import user_may_download
from fulfillment.models import Notification
from portal.models import ClientAction
from tests.factories import make_deal
from tests.portal.conftest import make_client
from warehouse import recount, services
from warehouse.models import RecountLine

pytestmark = pytest.mark.django_db

ROWS = [
    ["Баркод", "Артикул продавца", "Наименование", "Количество"],
    ["4600000000011", "A-1", "Футболка", 10],
    ["4600000000028", "B-2", "Кружка", 5],
    ["4600000000035", "C-3", "Носки", 3],
]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def xlsx(rows=ROWS, name: str = "поставка.xlsx") -> SimpleUploadedFile:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def op(line: int, delta: int, field: str = "counted") -> dict:
    return {"op": str(uuid.uuid4()), "kind": "add", "line": line, "field": field, "delta": delta}


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def warehouse_task(deal: Deal) -> Task:
    return Task.objects.filter(deal=deal, kind=Task.Kind.WAREHOUSE).latest("pk")


@pytest.fixture
def at_warehouse(company, contact, manager, django_capture_on_commit_callbacks) -> Deal:
    deal = make_deal("acceptance", "new", company=company, contact=contact, responsible=manager)
    with django_capture_on_commit_callbacks(execute=True):
        deal_move(deal=deal, transition="to_to_warehouse", actor=manager)
    return Deal.objects.get(pk=deal.pk)


def count_and_finish(deal: Deal, worker, ops_of) -> None:
    """The worker counts on the phone (``ops_of(lines)``) and finishes the recount."""
    task = warehouse_task(deal)
    lines = {line.article: line.pk for line in recount.recount_lines(deal=deal)}
    if not task.work_sessions.filter(stopped_at__isnull=True).exists():
        services.work_start(task=task, worker=worker)
    recount.recount_sync(task=task, worker=worker, ops=ops_of(lines))
    recount.recount_finish(task=task, worker=worker)


@pytest.fixture
def in_approval(
    at_warehouse, client_session, manager, worker, django_capture_on_commit_callbacks
) -> Deal:
    """The client's list loaded from the page; counted 9 + 1 defective / 6 / 3 with a photo;
    finished; the manager moved the deal to «Согласовать с клиентом данные пересчета»."""
    client_session.post(reverse("portal:list-upload", args=[at_warehouse.pk]), {"file": xlsx()})
    task = warehouse_task(at_warehouse)
    lines = {line.article: line.pk for line in recount.recount_lines(deal=at_warehouse)}
    services.work_start(task=task, worker=worker)
    recount.recount_photo_add(
        task=task, worker=worker, line_id=lines["A-1"], upload=SimpleUploadedFile("a.png", PNG)
    )
    count_and_finish(
        at_warehouse,
        worker,
        lambda x: [op(x["A-1"], 9), op(x["A-1"], 1, "defective"), op(x["B-2"], 6), op(x["C-3"], 3)],
    )
    with django_capture_on_commit_callbacks(execute=True):
        deal_move(
            deal=Deal.objects.get(pk=at_warehouse.pk),
            transition="to_recount_approval",
            actor=manager,
        )
    return Deal.objects.get(pk=at_warehouse.pk)


def test_the_client_uploads_the_shipment_list(client_session, at_warehouse, account, manager):
    response = client_session.post(
        reverse("portal:list-upload", args=[at_warehouse.pk]), {"file": xlsx()}, follow=True
    )
    page = text_of(response)
    assert "Список отгрузки загружен, строк: 3." in page
    # Nothing counted yet: the expected goods, not a table of zeros read as shortages.
    assert "Ожидаемый товар" in page and "Расхождение" not in page
    assert [(x.article, x.expected) for x in recount.recount_lines(deal=at_warehouse)] == [
        ("A-1", 10),
        ("B-2", 5),
        ("C-3", 3),
    ]
    action = ClientAction.objects.get(deal=at_warehouse)
    assert (action.kind, action.actor, action.details) == (
        "list_uploaded",
        account.user,
        "поставка.xlsx: 3",
    )
    note = Notification.objects.get(recipient=manager, event="client_list_uploaded")
    assert "строк: 3" in note.text


def test_a_bad_list_is_refused_row_by_row_and_nothing_is_loaded(client_session, at_warehouse):
    rows = [ROWS[0], ["", "", "Без кода", 2], ["111", "A-1", "Футболка", "много"]]
    response = client_session.post(
        reverse("portal:list-upload", args=[at_warehouse.pk]), {"file": xlsx(rows)}, follow=True
    )
    page = text_of(response)
    assert "Строка 2" in page and "Строка 3" in page
    assert not RecountLine.objects.filter(deal=at_warehouse).exists()
    assert not ClientAction.objects.exists()


def test_the_list_cannot_be_uploaded_once_the_recount_waits_for_approval(
    client_session, in_approval
):
    before = list(RecountLine.objects.filter(deal=in_approval).values_list("pk", flat=True))
    response = client_session.post(
        reverse("portal:list-upload", args=[in_approval.pk]), {"file": xlsx()}, follow=True
    )
    assert "На текущем этапе заявки («Пересчет ждет вашего согласования»)" in text_of(response)
    assert list(RecountLine.objects.filter(deal=in_approval).values_list("pk", flat=True)) == before


def test_the_recount_page_shows_lines_totals_photos_and_the_decision(
    client_session, in_approval, client_user
):
    page = text_of(client_session.get(reverse("portal:request", args=[in_approval.pk])))
    assert "Пересчет ждет вашего согласования" in page
    # 10 + 5 + 3 expected; 9 + 6 + 3 counted; 1 defective; (9 − 1) + 6 + 3 accepted.
    assert "Ожидалось: <b>18</b>" in page and "Пересчитано: <b>18</b>" in page
    assert "Брак: <b>1</b>" in page and "Принято: <b>17</b>" in page
    assert "Согласовать пересчет" in page and "Оспорить строки" in page
    photo = RecountLine.objects.get(deal=in_approval, article="A-1").photos.get()
    photo_url = reverse("portal:recount-photo", args=[in_approval.pk, photo.pk])
    assert photo_url in page
    assert b"".join(client_session.get(photo_url).streaming_content) == PNG
    assert user_may_download(client_user, photo.file.name)
    act_url = reverse("portal:recount-file", args=[in_approval.pk, "act"])
    assert act_url in page  # counts differ: the discrepancy act was made
    assert b"".join(client_session.get(act_url).streaming_content).startswith(b"%PDF")
    recount_url = reverse("portal:recount-file", args=[in_approval.pk, "recount"])
    assert client_session.get(recount_url).status_code == 200


def test_the_client_disputes_a_line_then_agrees_the_new_recount(
    client_session, in_approval, account, manager, worker, django_capture_on_commit_callbacks
):
    c3 = RecountLine.objects.get(deal=in_approval, article="C-3")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_session.post(
            reverse("portal:recount-dispute", args=[in_approval.pk]),
            {"line": [str(c3.pk)], f"comment-{c3.pk}": "Носков было 5"},
            follow=True,
        )
    assert "Оспоренные строки отправлены на склад" in text_of(response)
    deal = Deal.objects.get(pk=in_approval.pk)
    assert deal.stage == "to_warehouse"
    back = StageChange.objects.filter(deal=deal).latest("created_at", "pk")
    assert (back.transition, back.actor) == ("return_to_to_warehouse", account.user)
    assert next(x.article for x in recount.recount_lines(deal=deal)) == "C-3"  # on top
    action = ClientAction.objects.get(deal=deal, kind="lines_disputed")
    assert action.details == "C-3 (Носки): Носков было 5"
    assert Notification.objects.filter(recipient=manager, event="client_lines_disputed").exists()
    assert warehouse_task(deal).status == Task.Status.NEW  # a new task for the warehouse

    count_and_finish(deal, worker, lambda x: [op(x["C-3"], 2)])
    with django_capture_on_commit_callbacks(execute=True):
        deal_move(
            deal=Deal.objects.get(pk=deal.pk), transition="to_recount_approval", actor=manager
        )
    response = client_session.post(reverse("portal:recount-agree", args=[deal.pk]), follow=True)

    assert "Спасибо: пересчет согласован." in text_of(response)
    deal = Deal.objects.get(pk=deal.pk)
    # (9 − 1) + 6 + (3 + 2) = 19 units go to storage.
    assert (deal.stage, deal.recount_agreed, deal.accepted_units) == ("invoice", True, 19)
    moved = StageChange.objects.filter(deal=deal).latest("created_at", "pk")
    assert (moved.transition, moved.actor) == ("to_invoice", account.user)
    assert ClientAction.objects.filter(deal=deal, kind="recount_agreed").exists()
    assert Notification.objects.filter(recipient=manager, event="client_recount_agreed").exists()


def test_a_dispute_needs_a_comment_on_each_line(client_session, in_approval):
    c3 = RecountLine.objects.get(deal=in_approval, article="C-3")
    response = client_session.post(
        reverse("portal:recount-dispute", args=[in_approval.pk]),
        {"line": [str(c3.pk)], f"comment-{c3.pk}": " "},
        follow=True,
    )
    assert "Напишите комментарий к каждой оспариваемой строке." in text_of(response)
    assert Deal.objects.get(pk=in_approval.pk).stage == "recount_approval"


def test_agreeing_outside_the_approval_stage_is_refused(client_session, at_warehouse):
    response = client_session.post(
        reverse("portal:recount-agree", args=[at_warehouse.pk]), follow=True
    )
    assert "На текущем этапе заявки" in text_of(response)
    assert Deal.objects.get(pk=at_warehouse.pk).stage == "to_warehouse"


def test_another_companys_client_reaches_no_recount(client, in_approval):
    from tests.factories import ContactFactory

    stranger = make_client(ContactFactory())
    client.force_login(stranger.user)
    photo = RecountLine.objects.get(deal=in_approval, article="A-1").photos.get()
    for url in (
        reverse("portal:request", args=[in_approval.pk]),
        reverse("portal:recount-photo", args=[in_approval.pk, photo.pk]),
        reverse("portal:recount-file", args=[in_approval.pk, "act"]),
    ):
        assert client.get(url).status_code == 404
    assert client.post(reverse("portal:recount-agree", args=[in_approval.pk])).status_code == 404
    assert not user_may_download(stranger.user, photo.file.name)
    assert Deal.objects.get(pk=in_approval.pk).stage == "recount_approval"
