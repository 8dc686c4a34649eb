"""The deal card's documents panel: a manager presses «Выставить счет» and downloads it; the
administrator's price list and document template in the admin. Screenshots go to
test-artifacts/."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from documents.models import Document
from tests.documents.conftest import LIST_PRICES, OUR
from tests.factories import ensure_services, make_deal

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def prices_and_requisites():
    import datetime
    from decimal import Decimal

    from documents.models import OurCompany, Price, Service

    ensure_services()
    services = Service.objects.in_bulk(list(LIST_PRICES), field_name="code")
    for code, price in LIST_PRICES.items():
        Price.objects.create(
            service=services[code], valid_from=datetime.date(2026, 1, 1), price=price
        )
    OurCompany.objects.create(**OUR, tax_mode="vat", vat_rate=Decimal(20))


def test_invoice_from_the_card(
    page, live_server, login, screenshot, manager, prices_and_requisites
):
    deal = make_deal(
        "acceptance",
        "invoice",
        responsible=manager,
        acceptance_type="by_units",
        accepted_units=100,
        invoice_number="",
        invoice_file=None,
        amount=None,
    )
    login(manager)
    page.goto(f"{live_server.url}/deals/{deal.pk}/")
    panel = page.locator(".documents-panel")
    expect(panel).to_contain_text("Выставить счет")
    page.fill(".documents-panel input[name=pallet_days]", "2")
    panel.get_by_role("button", name="Выставить счет").click()
    page.wait_for_load_state()
    expect(page.locator(".messages")).to_contain_text("Счет на оплату № 1 готов.")
    # 1 562,50 + 2 × 45,00
    expect(panel).to_contain_text("1\u00a0652,50")
    expect(page.locator(".entry-document")).to_contain_text("№ 1")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    screenshot("documents-desktop-deal-card-invoice")
    with page.expect_download() as download:
        panel.get_by_role("link", name="Счет на оплату № 1").click()
    assert download.value.suggested_filename.endswith(".pdf")
    assert str(Document.objects.get().amount) == "1652.50"


def test_price_list_in_the_admin(page, live_server, login, screenshot, administrator):
    ensure_services()
    login(administrator)
    page.goto(f"{live_server.url}/admin/documents/service/")
    expect(page.locator("#result_list")).to_contain_text("Хранение (паллето-место в сутки)")
    screenshot("documents-desktop-admin-price-list")
    page.goto(f"{live_server.url}/admin/documents/documenttemplate/add/")
    page.select_option("#id_kind", "invoice")
    page.fill("#id_html", "{% for line in lines %}")
    page.click("input[name=_save]")
    expect(page.locator(".errorlist")).to_contain_text("В шаблоне документа ошибка")
    screenshot("documents-desktop-admin-broken-template")
