"""The analytics pages and their XLSX: what people see is the reports' figures, filtered by
the URL, and only for those allowed."""

from __future__ import annotations

import io

import pytest
import time_machine
from openpyxl import load_workbook

from tests.factories.history import NOW

PERIOD = "date_from=2026-10-01&date_to=2026-11-30"


def page(client, user, url):
    client.force_login(user)
    return client.get(url)


@pytest.mark.parametrize("slug", ["funnel", "managers", "ageing", "approvals", "warehouse"])
def test_every_report_page_draws_its_charts_and_tables(client, history, director, slug):
    response = page(client, director, f"/reports/{slug}/?{PERIOD}")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html or "heatmap" in html
    assert '<table class="report">' in html


def test_the_funnel_page_shows_the_figures_of_the_period(client, history, director):
    html = page(
        client, director, f"/reports/funnel/?{PERIOD}&pipeline=calculation"
    ).content.decode()
    assert "Согласовать КП с ГД" in html
    assert "66,7\u00a0%" in html  # director approval → client approval: 2 of 3
    assert "Дорого" in html
    assert "130\u00a0000" in html  # won in the period


def test_the_xlsx_has_the_tables_of_the_page(client, history, director):
    response = page(client, director, f"/reports/funnel/?{PERIOD}&pipeline=calculation&format=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Стадии", "Причины отказа", "Выигрыши по месяцам"]
    stages = list(book["Стадии"].iter_rows(values_only=True))
    assert stages[1][:6] == ("Новая заявка на просчет заказа", 4, 3, 0, 0.75, 0.25)
    assert [
        row[1:] for row in book["Выигрыши по месяцам"].iter_rows(min_row=2, values_only=True)
    ] == [
        (1, 100_000),
        (1, 30_000),
    ]


def test_a_manager_sees_their_own_figures_and_no_manager_filter(client, history):
    html = page(client, history["m1"], f"/reports/managers/?{PERIOD}").content.decode()
    assert "Анна Первая" in html
    assert "Борис Второй" not in html
    assert 'name="responsible"' not in html


def test_the_ageing_lists_the_oldest_deals_with_links(client, history, director):
    with time_machine.travel(NOW, tick=False):
        html = page(client, director, "/reports/ageing/?pipeline=calculation").content.decode()
    assert f'href="/deals/{history["deals"][2].pk}/"' in html
    assert "heat-5" in html


def test_warehouse_staff_have_no_analytics(client, worker):
    assert page(client, worker, "/reports/funnel/").status_code == 403


def test_a_period_that_ends_before_it_starts_is_refused_in_russian(client, director):
    response = page(client, director, "/reports/managers/?date_from=2026-11-01&date_to=2026-10-01")
    assert response.status_code == 400
    assert "Период кончается раньше, чем начинается" in response.content.decode()


def test_an_unknown_report_is_not_found(client, director):
    assert page(client, director, "/reports/nothing/").status_code == 404
