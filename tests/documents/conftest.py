"""Fixtures of the documents tests: our requisites, list prices, deals at their stages."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from documents.models import OurCompany, Price, Service, VatMode
from tests.factories import ensure_services, make_deal

LIST_FROM = datetime.date(2026, 1, 1)

# code → list price from 2026-01-01
LIST_PRICES = {
    "acceptance_unit": Decimal("12.50"),
    "acceptance_box": Decimal("150.00"),
    "recount": Decimal("3.125"),
    "quality_check": Decimal("7.00"),
    "storage_pallet_day": Decimal("45.00"),
    "labeling": Decimal("4.50"),
    "honest_sign": Decimal("6.00"),
    "packing": Decimal("15.00"),
    "kitting": Decimal("9.00"),
    "photo": Decimal("50.00"),
    "supply_assembly": Decimal("80.00"),
    "marketplace_delivery": Decimal("2500.00"),
    "address_delivery": Decimal("1500.00"),
    "returns": Decimal("25.00"),
}

OUR = {
    "name": "ООО «Фулфилмент Плюс»",
    "inn": "7707083893",
    "kpp": "773601001",
    "ogrn": "1027700132195",
    "legal_address": "г. Москва, ул. Складская, д. 1",
    "bank_name": "ПАО Сбербанк",
    "bik": "044525225",
    "correspondent_account": "30101810400000000225",
    "bank_account": "40702810938000000001",
    "director": "Петров Петр Петрович",
}


@pytest.fixture
def our_company(db) -> OurCompany:
    our = OurCompany(**OUR, tax_mode=OurCompany.TaxMode.VAT, vat_rate=Decimal(20))
    our.full_clean()
    our.save()
    return our


@pytest.fixture
def price_list(db) -> dict[str, Service]:
    ensure_services()
    services = Service.objects.in_bulk(list(LIST_PRICES), field_name="code")
    for code, price in LIST_PRICES.items():
        Price.objects.create(
            service=services[code], valid_from=LIST_FROM, price=price, vat_mode=VatMode.STANDARD
        )
    return services


@pytest.fixture
def ready(our_company, price_list):
    """Our requisites and the price list are set."""
    return our_company


@pytest.fixture
def acceptance_deal(manager):
    """An acceptance in «invoice»: 100 accepted units counted by units."""
    return make_deal(
        "acceptance",
        "invoice",
        responsible=manager,
        acceptance_type="by_units",
        accepted_units=100,
        boxes=4,
        invoice_number="",
        invoice_file=None,
        amount=None,
    )


@pytest.fixture
def calculation_deal(manager):
    """A calculation request in «proposal»: acceptance and labeling, 1 000 units a month."""
    return make_deal(
        "calculation",
        "proposal",
        responsible=manager,
        services=["acceptance", "labeling"],
        marketplaces=["wildberries", "ozon"],
        sku_count=12,
        units_per_month=1000,
        proposal_file=None,
        amount=None,
    )
