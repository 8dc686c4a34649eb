"""Counting on the phone: ops applied once, who may count, finishing with the recount file and
the discrepancy act, the card panel and the protected files."""

from __future__ import annotations

import io
import json
import threading
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from deals.models import Deal, Task
from fulfillment.roles import Role
from tests.factories import UserFactory
from tests.warehouse.test_recount_services import WB_ROWS, by_article, op, xlsx
from warehouse import recount, services
from warehouse.models import RecountEvent, RecountLine, RecountOp, RecountPhoto

pytestmark = pytest.mark.django_db


def png() -> bytes:
    """A real picture (a damaged box, 40×30 px) for the photo upload and the act."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 40, 40)).save(buffer, "PNG")
    return buffer.getvalue()


PNG = png()


@pytest.fixture
def listed(task, manager, worker) -> Task:
    recount.shipment_list_load(deal=task.deal, upload=xlsx(WB_ROWS), actor=manager)
    services.work_start(task=task, worker=worker)
    task.refresh_from_db()
    return task


def post_ops(client, task, ops, since=0):
    return client.post(
        reverse("warehouse:recount-sync", args=[task.pk]),
        data=json.dumps({"ops": ops, "since": since}),
        content_type="application/json",
    )


# --- ops ------------------------------------------------------------------------------------


def test_the_same_op_twice_counts_once(client, listed, worker):
    line = by_article(listed.deal)["A-1"]
    client.force_login(worker)
    same = op(line.pk, 3)
    first = post_ops(client, listed, [same]).json()
    again = post_ops(client, listed, [same]).json()
    assert first["applied"] == again["applied"] == [same["op"]]
    # The resend answers the line's current value: 3, not 6.
    assert [row[5] for row in again["lines"] if row[0] == line.pk] == [3]
    assert RecountLine.objects.get(pk=line.pk).counted == 3
    assert RecountOp.objects.filter(op_id=same["op"]).count() == 1


def test_deltas_add_up_and_never_go_below_zero(listed, worker):
    line = by_article(listed.deal)["B-2"]
    recount.recount_sync(
        task=listed,
        worker=worker,
        ops=[op(line.pk, 5), op(line.pk, 2), op(line.pk, -10), op(line.pk, 4, "defective")],
    )
    line.refresh_from_db()
    assert (line.counted, line.defective) == (0, 4)


def test_a_new_sku_and_its_counts_in_one_batch(listed, worker):
    new = {"op": str(uuid.uuid4()), "kind": "new_line", "barcode": "999", "name": "Шарф"}
    plus = {
        "op": str(uuid.uuid4()),
        "kind": "add",
        "ref": new["op"],
        "field": "counted",
        "delta": 2,
    }
    result = recount.recount_sync(task=listed, worker=worker, ops=[new, plus])
    line = RecountLine.objects.get(deal=listed.deal, barcode="999")
    assert result.refs == {new["op"]: line.pk}
    assert (line.unexpected, line.counted, line.expected, line.name) == (True, 2, 0, "Шарф")
    # The same SKU scanned on a second phone is the same line.
    other = {"op": str(uuid.uuid4()), "kind": "new_line", "barcode": "999", "name": ""}
    assert recount.recount_sync(task=listed, worker=worker, ops=[other]).refs == {
        other["op"]: line.pk
    }
    assert RecountLine.objects.filter(deal=listed.deal, barcode="999").count() == 1


def test_a_bad_op_is_rejected_without_blocking_the_rest(listed, worker):
    line = by_article(listed.deal)["A-1"]
    good = op(line.pk, 1)
    bad = {"op": str(uuid.uuid4()), "kind": "add", "line": 10**9, "field": "counted", "delta": 1}
    result = recount.recount_sync(task=listed, worker=worker, ops=[bad, {"x": 1}, good])
    assert result.applied == [good["op"]]
    assert sorted(r["error"] for r in result.rejected) == [
        "Изменение не удалось разобрать.",
        "Этой строки нет в пересчете.",
    ]
    assert RecountLine.objects.get(pk=line.pk).counted == 1


def test_the_same_op_twice_in_one_batch_counts_once(listed, worker):
    line = by_article(listed.deal)["A-1"]
    same = op(line.pk, 2)
    result = recount.recount_sync(task=listed, worker=worker, ops=[same, same])
    assert result.applied == [same["op"], same["op"]]
    assert RecountLine.objects.get(pk=line.pk).counted == 2


def test_since_brings_another_phones_changes(listed, worker):
    lines = by_article(listed.deal)
    version = recount.recount_version(listed.deal)
    recount.recount_sync(task=listed, worker=worker, ops=[op(lines["C-3"].pk, 2)])
    result = recount.recount_sync(task=listed, worker=worker, ops=[], since=version)
    assert [(row[0], row[5]) for row in result.lines] == [(lines["C-3"].pk, 2)]


@pytest.mark.django_db(transaction=True)
def test_concurrent_resends_on_postgresql_count_once(transactional_db, postgres, listed, worker):
    line = by_article(listed.deal)["A-1"]
    same = op(line.pk, 1)
    errors = []
    start = threading.Barrier(4)

    def send():
        try:
            start.wait()  # four connections send the same op at the same instant
            recount.recount_sync(task=listed, worker=worker, ops=[same])
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert RecountLine.objects.get(pk=line.pk).counted == 1


# --- who may count ----------------------------------------------------------------------------


def test_the_worker_opens_the_page_with_the_lines(client, listed, worker):
    client.force_login(worker)
    response = client.get(reverse("warehouse:recount", args=[listed.pk]))
    assert response.status_code == 200
    data = json.loads(response.context["data"] and json.dumps(response.context["data"]))
    assert [row[1] for row in data["lines"]] == ["A-1", "B-2", "C-3"]
    assert "Завершить пересчет" in response.content.decode()


def test_another_worker_a_manager_and_a_client_are_refused(client, listed, manager):
    url = reverse("warehouse:recount", args=[listed.pk])
    sync = reverse("warehouse:recount-sync", args=[listed.pk])
    line = by_article(listed.deal)["A-1"]
    body = json.dumps({"ops": [op(line.pk, 1)]})
    # Another worker does not see a task that is someone else's: 404.
    client.force_login(UserFactory(role=Role.WAREHOUSE))
    assert client.get(url).status_code == 404
    assert client.post(sync, body, content_type="application/json").status_code == 404
    # The deal's manager sees the task but does not count: 403.
    client.force_login(manager)
    assert client.get(url).status_code == 403
    assert client.post(sync, body, content_type="application/json").status_code == 403
    # A user without a staff role (a client): 404.
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302
    assert RecountLine.objects.get(pk=line.pk).counted == 0


def test_a_task_of_another_pipeline_has_no_recount(client, make_task, manager, worker):
    task = make_task("processing", responsible=manager)
    client.force_login(worker)
    assert client.get(reverse("warehouse:recount", args=[task.pk])).status_code == 404


def test_a_photo_of_damage_is_stored_and_downloadable(client, listed, worker, manager):
    line = by_article(listed.deal)["C-3"]
    client.force_login(worker)
    response = client.post(
        reverse("warehouse:recount-photo", args=[listed.pk, line.pk]),
        {"photo": SimpleUploadedFile("damage.png", PNG, content_type="image/png")},
    )
    assert response.status_code == 201 and response.json()["photos"] == 1
    photo = RecountPhoto.objects.get(line=line)
    client.force_login(manager)
    assert client.get(photo.file.url).status_code == 200
    client.force_login(UserFactory(role=Role.MANAGER))
    assert client.get(photo.file.url).status_code == 404


# --- finishing ----------------------------------------------------------------------------------


def test_finish_makes_the_recount_file_and_the_act(client, listed, worker, manager):
    lines = by_article(listed.deal)
    a, b, c = lines["A-1"].pk, lines["B-2"].pk, lines["C-3"].pk
    ops = [op(a, 10), op(b, 4), op(c, 3), op(c, 1, "defective")]
    recount.recount_sync(task=listed, worker=worker, ops=ops)
    RecountPhoto.objects.create(
        line_id=c, uploaded_by=worker, file=SimpleUploadedFile("damage.png", PNG)
    )
    client.force_login(worker)
    response = client.post(reverse("warehouse:recount-finish", args=[listed.pk]))
    assert response.status_code == 302
    listed.refresh_from_db()
    assert listed.status == Task.Status.DONE
    deal = Deal.objects.get(pk=listed.deal_id).as_pipeline()
    event = RecountEvent.objects.get(deal=deal, kind="finished")
    # The result's file is the deal's recount file now, as for any warehouse result.
    assert deal.recount_file.name == event.recount_file.name == listed.result_comment.file.name

    sheet = load_workbook(io.BytesIO(deal.recount_file.read())).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[2][:8] == [
        "Артикул",
        "Баркод",
        "Название",
        "Ожидалось",
        "Пересчитано",
        "Брак",
        "Принято",
        "Расхождение",
    ]
    assert [r[:8] for r in rows[3:6]] == [
        ["A-1", "4600000000011", "Футболка", 10, 10, 0, 10, 0],
        ["B-2", "4600000000028", "Кружка", 5, 4, 0, 4, -1],
        ["C-3", "4600000000035", "Носки", 3, 3, 1, 2, 0],
    ]
    # 10 + 4 + 3 counted of 18, 1 defective: 16 accepted, one short.
    assert rows[-1][:8] == ["Итого", None, None, 18, 17, 1, 16, -1]

    text = " ".join(page.extract_text() for page in PdfReader(event.act_file.open("rb")).pages)
    assert "Акт о расхождении" in text
    assert deal.company.name in text
    assert "B-2" in text and "C-3" in text and "A-1" not in text  # only the lines that differ
    assert "принято на хранение 16 шт." in text
    reader = PdfReader(event.act_file.open("rb"))
    assert sum(len(page.images) for page in reader.pages) == 1  # the photo is embedded

    docs = recount.recount_documents(deal=deal)
    assert docs["act_file"].name == event.act_file.name
    client.force_login(manager)
    assert client.get(event.act_file.url).status_code == 200
    assert client.get(reverse("deals:detail", args=[deal.pk])).status_code == 200


def test_no_act_when_everything_matches(listed, worker):
    lines = by_article(listed.deal)
    ops = [op(lines[k].pk, n) for k, n in (("A-1", 10), ("B-2", 5), ("C-3", 3))]
    recount.recount_sync(task=listed, worker=worker, ops=ops)
    recount.recount_finish(task=listed, worker=worker)
    event = RecountEvent.objects.get(deal=listed.deal, kind="finished")
    assert event.recount_file and not event.act_file


def test_finish_with_nothing_counted_is_refused(listed, worker):
    with pytest.raises(recount.RecountError) as refused:
        recount.recount_finish(task=listed, worker=worker)
    assert refused.value.message == "Еще ничего не пересчитано."
    listed.refresh_from_db()
    assert listed.status == Task.Status.IN_PROGRESS and listed.result_comment is None


# --- the deal card --------------------------------------------------------------------------


def test_the_card_panel_uploads_a_list_and_shows_it(client, task, manager):
    client.force_login(manager)
    response = client.post(
        reverse("warehouse:shipment-list-upload", args=[task.deal_id]),
        {"shipment_list": xlsx(WB_ROWS)},
    )
    assert response.status_code == 302
    page = client.get(reverse("deals:detail", args=[task.deal_id])).content.decode()
    assert "Футболка" in page and "4600000000035" in page
    assert "загрузил(а) список отгрузки: 3 строки, 18 шт." in page
    assert "Строк: 3 · ожидалось 18 · пересчитано 0 · брак 0 · принято 0" in page


def test_the_card_panel_is_not_for_other_managers(client, task, manager, other_manager):
    client.force_login(other_manager)
    response = client.post(
        reverse("warehouse:shipment-list-upload", args=[task.deal_id]),
        {"shipment_list": xlsx(WB_ROWS)},
    )
    assert response.status_code == 404
    assert not RecountLine.objects.exists()


# --- the API ----------------------------------------------------------------------------------


def test_the_api_gets_lines_syncs_once_and_finishes(listed, worker, manager):
    from tests.api.conftest import client_for

    api = client_for(worker)
    state = api.get(f"/api/tasks/{listed.pk}/recount/").json()
    assert [(x["article"], x["expected"], x["counted"]) for x in state["lines"]] == [
        ("A-1", 10, 0),
        ("B-2", 5, 0),
        ("C-3", 3, 0),
    ]
    a = state["lines"][0]["id"]
    ops = {"ops": [op(a, 7)], "since": state["version"]}
    first = api.post(f"/api/tasks/{listed.pk}/recount/sync/", ops, format="json").json()
    again = api.post(f"/api/tasks/{listed.pk}/recount/sync/", ops, format="json").json()
    assert (
        first["lines"]
        == again["lines"]
        == [
            {
                "id": a,
                "article": "A-1",
                "barcode": "4600000000011",
                "name": "Футболка",
                "expected": 10,
                "counted": 7,
                "defective": 0,
                "unexpected": False,
                "dispute_comment": "",
                "photos": 0,
            }
        ]
    )
    assert client_for(manager).get(f"/api/tasks/{listed.pk}/recount/").status_code == 403
    done = api.post(f"/api/tasks/{listed.pk}/recount/finish/")
    assert done.status_code == 200 and done.json()["status"] == "done"
    assert RecountEvent.objects.get(deal=listed.deal, kind="finished").act_file


# --- weight, the dispute on the phone, the bench ------------------------------------------------


def test_a_thousand_lines_page_is_light_and_few_queries(client):
    import gzip

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from warehouse.management.commands.bench_recount import seed
    from warehouse.management.commands.bench_warehouse import PAGE_BUDGET, asset_bytes

    task, worker = seed(1000)
    client.force_login(worker)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(
            reverse("warehouse:recount", args=[task.pk]), HTTP_ACCEPT_ENCODING="gzip"
        )
    assert response["Content-Encoding"] == "gzip"
    html = gzip.decompress(response.content).decode()
    assert len(response.content) + asset_bytes(html) < PAGE_BUDGET
    assert len(queries) <= 12
    assert html.count("Футболка хлопковая") == 1000  # every line, as data, not as markup
    # The scanning library is not part of the page: loaded only when the camera is asked for.
    assert '<script src="/static/warehouse/vendor/' not in html


def test_the_new_task_after_a_dispute_shows_the_disputed_lines_on_top(
    client, listed, worker, manager, django_capture_on_commit_callbacks
):
    lines = by_article(listed.deal)
    recount.recount_sync(
        task=listed, worker=worker, ops=[op(lines[k].pk, 1) for k in ("A-1", "B-2", "C-3")]
    )
    recount.recount_finish(task=listed, worker=worker)
    deal = Deal.objects.get(pk=listed.deal_id)
    from deals.services import deal_move

    with django_capture_on_commit_callbacks(execute=True):
        deal_move(deal=deal, transition="to_recount_approval", actor=manager)
    with django_capture_on_commit_callbacks(execute=True):
        recount.recount_dispute(
            deal=Deal.objects.get(pk=deal.pk), actor=manager, disputes={lines["C-3"].pk: "Их 3"}
        )
    new_task = Task.objects.filter(deal=deal, status=Task.Status.NEW).get()
    client.force_login(worker)
    response = client.get(reverse("warehouse:recount", args=[new_task.pk]))
    rows = response.context["data"]["lines"]
    assert [(row[1], row[8]) for row in rows] == [("C-3", "Их 3"), ("A-1", ""), ("B-2", "")]
    assert "Время не идет" in response.content.decode()  # the new task is not started yet


def test_the_card_timeline_shows_the_list_and_the_finish(client, listed, worker, manager):
    line = by_article(listed.deal)["A-1"]
    recount.recount_sync(task=listed, worker=worker, ops=[op(line.pk, 10)])
    recount.recount_finish(task=listed, worker=worker)
    client.force_login(manager)
    page = client.get(reverse("deals:detail", args=[listed.deal_id])).content.decode()
    assert "загрузил(а) список отгрузки: 3 строки, 18 шт." in page
    assert "завершил(а) пересчет: пересчитано 10 из 18, брак 0" in page
    assert "Акт о расхождении" in page


def test_bench_command_prints_the_figures(listed, capsys):
    from django.core.management import call_command

    call_command("bench_recount", lines=50, runs=2, batch=5)
    out = capsys.readouterr().out
    assert "recount page, 50 lines, 2 runs" in out
    assert "counted total 10 (= 2 × 5)" in out
    assert Deal.objects.filter(title="Бенчмарк пересчета").count() == 0  # rolled back


def test_a_closed_task_has_no_recount_to_change(client, listed, worker):
    line = by_article(listed.deal)["A-1"]
    recount.recount_sync(task=listed, worker=worker, ops=[op(line.pk, 1)])
    recount.recount_finish(task=listed, worker=worker)
    client.force_login(worker)
    response = client.get(reverse("warehouse:recount", args=[listed.pk]))
    assert response.status_code == 302 and response.url.endswith(f"/tasks/{listed.pk}/")
    refused = post_ops(client, listed, [op(line.pk, 1)])
    assert refused.status_code == 400
    assert refused.json() == {"detail": "Задача закрыта: добавить в нее ничего нельзя."}
    assert RecountLine.objects.get(pk=line.pk).counted == 1


def test_a_photo_must_be_a_picture(client, listed, worker):
    line = by_article(listed.deal)["A-1"]
    client.force_login(worker)
    response = client.post(
        reverse("warehouse:recount-photo", args=[listed.pk, line.pk]),
        {"photo": SimpleUploadedFile("act.pdf", b"%PDF-1.4 not a photo")},
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "Фото брака — картинка JPEG, PNG или HEIC."
    assert not RecountPhoto.objects.exists()
