"""The director's analytics in Chromium: charts drawn, their numbers beside them, filters
kept in the URL. Screenshots go to test-artifacts/."""

from __future__ import annotations

import re

import pytest
import time_machine
from playwright.sync_api import expect

from tests.factories.history import NOW, build_history

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PERIOD = "date_from=2026-10-01&date_to=2026-11-30"


def test_the_director_reads_the_analytics(page, live_server, login, screenshot, director):
    build_history()
    login(director)
    page.goto(f"{live_server.url}/reports/funnel/?{PERIOD}")
    expect(page.get_by_role("heading", name="Аналитика")).to_be_visible()
    funnel = page.locator("figure.chart svg").first
    expect(funnel.locator("rect.chart-bar")).to_have_count(5)
    expect(funnel).to_contain_text("Согласовать КП с ГД")
    expect(page.locator("table.report").first).to_contain_text("66,7")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    screenshot("reports-funnel")

    page.select_option("#id_responsible", label="Борис Второй")
    page.get_by_role("button", name="Показать").click()
    expect(page).to_have_url(re.compile(r"/reports/funnel/\?.*responsible=\d+"))
    page.get_by_role("link", name="Менеджеры", exact=True).click()
    expect(page).to_have_url(re.compile(r"/reports/managers/\?.*responsible=\d+"))
    expect(page.locator("table.report")).to_contain_text("Борис Второй")
    expect(page.locator("table.report")).not_to_contain_text("Анна Первая")
    page.goto(f"{live_server.url}/reports/managers/?{PERIOD}")
    screenshot("reports-managers")

    with time_machine.travel(NOW, tick=True):
        page.goto(f"{live_server.url}/reports/ageing/")
        expect(page.locator("table.heatmap td.heat-5").first).to_be_visible()
        screenshot("reports-ageing")
    page.goto(f"{live_server.url}/reports/approvals/?{PERIOD}")
    expect(page.locator("figure.chart rect.chart-bar")).to_have_count(2)
    screenshot("reports-approvals")
    page.goto(f"{live_server.url}/reports/warehouse/?{PERIOD}")
    expect(page.locator(".kpis")).to_contain_text("133,3")
    screenshot("reports-warehouse")


def test_a_manager_on_a_phone_sees_the_funnel_fit_the_screen(page, live_server, login, screenshot):
    history = build_history()
    page.set_viewport_size({"width": 390, "height": 844})
    login(history["m1"])
    page.goto(f"{live_server.url}/reports/funnel/?{PERIOD}")
    expect(page.locator("figure.chart svg").first).to_be_visible()
    expect(page.locator("#id_responsible")).to_have_count(0)
    screenshot("reports-funnel-phone")
