"""The task time report: per task, worker, pipeline and period; filters; CSV and XLSX."""

from __future__ import annotations

import datetime
import io

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from fulfillment.roles import Role
from tests.factories import UserFactory
from warehouse import services
from warehouse.models import WorkSession

pytestmark = pytest.mark.django_db

MSK = datetime.timezone(datetime.timedelta(hours=3))
DAY1 = datetime.datetime(2026, 11, 30, 9, 0, tzinfo=MSK)
DAY2 = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=MSK)


def work(task, worker, start: datetime.datetime, minutes: int) -> None:
    with time_machine.travel(start, tick=False) as clock:
        services.work_start(task=task, worker=worker)
        clock.shift(datetime.timedelta(minutes=minutes))
        services.work_pause(task=task, worker=worker)


@pytest.fixture
def worked(make_task, manager, worker):
    """Two acceptance tasks and a shipment task, worked on over two days by two workers."""
    other = UserFactory(role=Role.WAREHOUSE, first_name="Пётр", last_name="Складской")
    acceptance, shipment = make_task(responsible=manager), make_task("shipment")
    second = make_task(responsible=manager)
    work(acceptance, worker, DAY1, 60)
    work(acceptance, worker, DAY2, 30)
    work(shipment, other, DAY2, 45)
    work(second, worker, DAY2 + datetime.timedelta(hours=2), 15)
    return {"acceptance": acceptance, "shipment": shipment, "second": second, "other": other}


NOW = datetime.datetime(2026, 12, 5, 12, 0, tzinfo=MSK)


def get_report(client, user, now=NOW, **params):
    if user is not None:
        client.force_login(user)
    params.setdefault("date_from", "2026-11-30")
    params.setdefault("date_to", "2026-12-01")
    with time_machine.travel(now, tick=False):
        return client.get(reverse("warehouse:report"), params)


def test_per_task(client, director, worked):
    report = get_report(client, director).context["report"]
    by_title = {row[0]: row[-1] for row in report.rows}
    assert by_title[worked["acceptance"].title] == 90 * 60
    assert report.total_seconds == (90 + 45 + 15) * 60
    assert report.columns[:3] == ["Задача", "Клиент", "Воронка"]


def test_per_worker(client, director, worked, worker):
    report = get_report(client, director, group="worker").context["report"]
    assert report.rows == [  # by last name: «Пользователь…», then «Складской»
        [worker.get_full_name(), 2, 3, 105 * 60],
        ["Пётр Складской", 1, 1, 45 * 60],
    ]


def test_per_pipeline(client, director, worked):
    report = get_report(client, director, group="pipeline").context["report"]
    assert report.rows == [
        ["Заявка на приемку товара", 2, 1, 3, 105 * 60],
        ["Заявка на отгрузку", 1, 1, 1, 45 * 60],
    ]


def test_per_day_and_a_period_filter(client, director, worked):
    report = get_report(client, director, group="day").context["report"]
    assert [(row[0], row[-1]) for row in report.rows] == [
        ("30.11.2026", 60 * 60),
        ("01.12.2026", 90 * 60),
    ]
    only_day2 = get_report(client, director, date_from="2026-12-01").context["report"]
    assert only_day2.total_seconds == 90 * 60


def test_a_session_over_the_period_edge_counts_only_inside(client, director, task, worker):
    work(task, worker, datetime.datetime(2026, 11, 30, 23, 0, tzinfo=MSK), 120)
    report = get_report(client, director, date_from="2026-12-01").context["report"]
    assert report.total_seconds == 60 * 60


def test_filters_by_worker_and_pipeline(client, director, worked):
    other = worked["other"]
    assert get_report(client, director, worker=other.pk).context["report"].total_seconds == 45 * 60
    shipment = get_report(client, director, pipeline="shipment").context["report"]
    assert [row[0] for row in shipment.rows] == [worked["shipment"].title]


def test_a_manager_sees_the_time_of_their_deals_only(client, manager, worked):
    report = get_report(client, manager).context["report"]
    assert {row[0] for row in report.rows} == {
        worked["acceptance"].title,
        worked["second"].title,
    }


def test_warehouse_staff_may_not_see_the_report(client, worker):
    assert get_report(client, worker).status_code == 403


def test_a_bad_filter_is_a_400_with_a_message(client, director):
    response = get_report(client, director, date_from="вчера")
    assert response.status_code == 400
    assert response.context["filter"].form.errors["date_from"] == ["Введите правильную дату."]


def test_csv_export_opens_in_russian_excel(client, director, worked):
    response = get_report(client, director, group="worker", format="csv")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="task-time-worker.csv"'
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeffСотрудник;Задач;Отрезков;Время, ч:мм;Часы\r\n")
    assert "Пётр Складской;1;1;0:45;0,75\r\n" in text
    assert text.endswith("Итого;;;2:30;2,50\r\n")


def test_xlsx_export(client, director, worked):
    response = get_report(client, director, format="xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Задача", "Клиент", "Воронка")
    assert rows[0][-2:] == ("Время, ч:мм", "Часы")
    assert rows[-1][0] == "Итого" and rows[-1][-2] == "2:30"
    assert len(rows) == 1 + 3 + 1


def test_a_formula_typed_in_a_title_is_exported_as_text(client, director, task, worker):
    type(task).objects.filter(pk=task.pk).update(title="=HYPERLINK(1)")
    work(task, worker, DAY2, 10)
    text = get_report(client, director, format="csv").content.decode("utf-8")
    assert "\n'=HYPERLINK(1);" in text


def test_the_report_takes_a_fixed_number_of_queries(
    client, director, make_task, worker, django_assert_max_num_queries
):
    for index in range(3):
        work(make_task(), worker, DAY2 + datetime.timedelta(minutes=index * 20), 10)
    client.force_login(director)
    with django_assert_max_num_queries(9) as few:
        get_report(client, None)
    with_three = len(few)
    for index in range(27):
        work(make_task(), worker, DAY1 + datetime.timedelta(minutes=index * 20), 10)
    with django_assert_max_num_queries(with_three):
        response = get_report(client, None)
    assert len(response.context["report"].rows) == 30


def test_a_running_session_counts_up_to_now(client, director, task, worker):
    with time_machine.travel(DAY2, tick=False) as clock:
        services.work_start(task=task, worker=worker)
        clock.shift(datetime.timedelta(minutes=20))
        report = get_report(client, director, now=timezone.now()).context["report"]
    assert report.total_seconds == 20 * 60
    assert WorkSession.objects.get().is_running


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        (
            {"date_from": "2026-12-02", "date_to": "2026-12-01"},
            "date_to",
            "Период кончается раньше, чем начинается.",
        ),
        ({"date_from": "0001-01-01"}, "date_from", "Выберите дату между 2000 и 2100."),
    ],
)
def test_a_period_out_of_order_or_range_is_refused(client, director, params, field, message):
    response = get_report(client, director, **params)

    assert response.status_code == 400
    assert response.context["filter"].form.errors[field] == [message]
