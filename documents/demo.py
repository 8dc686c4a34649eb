"""Demo data of documents: the price list, our requisites, a client with agreed prices, and a
КП and an invoice made on demo deals standing at those stages (``make run``)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser

from deals.models import Company, Deal
from documents.models import AgreedPrice, Document, OurCompany, Price, Service, VatMode
from documents.services import document_generate

PRICES_FROM = datetime.date(2026, 1, 1)

PRICES = {
    "acceptance_unit": "6.50",
    "acceptance_box": "120.00",
    "recount": "2.75",
    "quality_check": "5.00",
    "storage_pallet_day": "45.00",
    "labeling": "4.50",
    "honest_sign": "6.00",
    "packing": "14.00",
    "kitting": "9.00",
    "photo": "50.00",
    "supply_assembly": "80.00",
    "marketplace_delivery": "2500.00",
    "address_delivery": "1500.00",
    "returns": "25.00",
}

# The first client's agreed prices (from an earlier КП).
AGREED = {"acceptance_unit": "5.90", "recount": "2.375", "labeling": "4.00"}

OUR_COMPANY = {
    "name": "ООО «Фулфилмент Плюс»",
    "inn": "5001007329",
    "kpp": "500101001",
    "ogrn": "1155001007325",
    "legal_address": "Московская обл., г. Балашиха, ш. Энтузиастов, д. 1, склад 3",
    "bank_name": "ПАО Сбербанк",
    "bik": "044525225",
    "correspondent_account": "30101810400000000225",
    "bank_account": "40702810438000090427",
    "director": "Директоров Дмитрий",
    "tax_mode": OurCompany.TaxMode.VAT,
    "vat_rate": Decimal(20),
}


def seed_demo(users: dict[str, AbstractBaseUser], companies: list[Company]) -> None:
    """Idempotent: prices and requisites are set once; a КП and an invoice are made only
    while there is none (on the first demo deal standing at that stage)."""
    services = Service.objects.in_bulk(list(PRICES), field_name="code")
    for code, price in PRICES.items():
        if code in services:
            Price.objects.get_or_create(
                service=services[code],
                valid_from=PRICES_FROM,
                defaults={"price": Decimal(price), "vat_mode": VatMode.STANDARD},
            )
    if not OurCompany.objects.exists():
        our = OurCompany(**OUR_COMPANY)
        our.full_clean()
        our.save()
    if companies:
        for code, price in AGREED.items():
            AgreedPrice.objects.get_or_create(
                company=companies[0],
                service=services[code],
                valid_from=PRICES_FROM,
                defaults={"price": Decimal(price)},
            )
    if not Document.objects.filter(kind=Document.Kind.PROPOSAL).exists():
        _first_document("calculation", "proposal", Document.Kind.PROPOSAL)
    if not Document.objects.filter(kind=Document.Kind.INVOICE).exists():
        for pipeline in ("acceptance", "processing", "shipment"):
            if _first_document(pipeline, "invoice", Document.Kind.INVOICE):
                break


def _first_document(pipeline: str, stage: str, kind: str) -> Document | None:
    """The document made by its responsible on the first deal of ``pipeline`` in ``stage``."""
    deal = (
        Deal.objects.filter(pipeline=pipeline, stage=stage, documents__isnull=True)
        .select_related("company", "responsible")
        .order_by("pk")
        .first()
    )
    if deal is None:
        return None
    return document_generate(deal=deal, kind=kind, actor=deal.responsible)
