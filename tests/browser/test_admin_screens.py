"""The administrator's main screens in the business's words: the admin site and the import
from Bitrix24. Screenshots go to test-artifacts/."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.factories import make_deal

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_the_administrator_s_screens(page, live_server, login, screenshot, administrator, manager):
    make_deal("calculation", "proposal", responsible=manager)
    page.set_viewport_size({"width": 1440, "height": 900})
    login(administrator)

    page.goto(f"{live_server.url}/admin/")
    expect(page.locator("#site-name")).to_have_text("CRM фулфилмента: администрирование")
    expect(page.get_by_role("link", name="Заявки на просчет заказа").first).to_be_visible()
    screenshot("admin-desktop-index")

    page.goto(f"{live_server.url}/admin/deals/calculationdeal/")
    expect(page.locator("#result_list")).to_contain_text("Сформировать КП")
    expect(page.locator("#changelist-filter")).to_contain_text("Сформировать КП")
    expect(page.locator("#changelist-filter")).to_contain_text(manager.get_full_name())
    expect(page.locator("#changelist-filter")).not_to_contain_text("proposal")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1440
    screenshot("admin-desktop-calculation-deals")

    page.goto(f"{live_server.url}/admin/deals/automationjob/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1440  # fits 1440 px
    screenshot("admin-desktop-automation-jobs")

    page.goto(f"{live_server.url}/admin/bitrix/importrun/add/")
    expect(page.locator("h1")).to_have_text("Добавить импорт из Битрикс24")
    screenshot("admin-desktop-import-from-bitrix24")
