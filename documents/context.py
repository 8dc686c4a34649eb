"""What a document's template sees: plain dictionaries of strings, made here from the deal,
our company and the lines (see ``documents.rendering`` for why never model instances)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from documents.money import Line, Totals, amount_in_words, format_money, format_quantity
from documents.rendering import payment_payload, qr_data_url

TITLES = {
    "proposal": "Коммерческое предложение",
    "invoice": "Счет на оплату",
    "act": "Акт выполненных работ",
}


SUPPLIER_KEYS = (
    "name",
    "inn",
    "kpp",
    "ogrn",
    "address",
    "bank_name",
    "bik",
    "correspondent_account",
    "account",
    "director",
    "accountant",
)
TARIFF_CODES = {"storage_pallet_day", "returns"}
CLIENT_KEYS = ("name", "inn", "kpp", "ogrn", "address", "bik", "account", "signatory")


def vat_text(totals: Totals) -> str:
    """«В т.ч. НДС 20%: 205,76» or «Без НДС» (a document's VAT line and payment purpose)."""
    if totals.vat_rate is None or totals.vat_amount is None:
        return "Без НДС"
    return f"В т.ч. НДС {format_quantity(totals.vat_rate)}%: {format_money(totals.vat_amount)}"


def payment_purpose(number: str, issued_on: datetime.date, totals: Totals) -> str:
    return f"Оплата по счету № {number} от {issued_on:%d.%m.%Y}. {vat_text(totals)}"


def supplier_dict(our) -> dict[str, str]:
    return {
        "name": our.name,
        "inn": our.inn,
        "kpp": our.kpp,
        "ogrn": our.ogrn,
        "address": our.legal_address,
        "bank_name": our.bank_name,
        "bik": our.bik,
        "correspondent_account": our.correspondent_account,
        "account": our.bank_account,
        "director": our.director,
        "accountant": our.accountant,
    }


def client_dict(company) -> dict[str, str]:
    if company is None:
        return {}
    return {
        "name": company.legal_name or company.name,
        "inn": company.inn,
        "kpp": company.kpp,
        "ogrn": company.ogrn,
        "address": company.legal_address,
        "bik": company.bik,
        "account": company.bank_account,
        "signatory": company.signatory,
    }


def lines_context(lines: Sequence[Line]) -> list[dict[str, str]]:
    return [
        {
            "n": str(index),
            "code": line.code,
            "name": line.name,
            "unit": line.unit,
            "quantity": format_quantity(line.quantity),
            "price": format_money(line.price)
            if line.price == line.price.quantize(Decimal("0.01"))
            else format_quantity(line.price),
            "amount": format_money(line.amount),
            "vat": "Без НДС" if line.vat_exempt else "",
        }
        for index, line in enumerate(lines, start=1)
    ]


def document_context(
    *,
    kind: str,
    number: str,
    issued_on: datetime.date,
    supplier: dict[str, str],
    client: dict[str, str],
    deal: dict[str, Any],
    lines: Sequence[Line],
    totals: Totals,
    invoice: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The whole context of a document's template."""
    context: dict[str, Any] = {
        "title": TITLES[kind],
        "kind": kind,
        "number": number,
        "date": issued_on.strftime("%d.%m.%Y"),
        "supplier": supplier,
        "client": client,
        "deal": deal,
        "lines": lines_context(lines),
        "count": str(len(lines)),
        "total": format_money(totals.total),
        "total_in_words": amount_in_words(totals.total),
        "vat": vat_text(totals),
        "vat_amount": format_money(totals.vat_amount) if totals.vat_amount is not None else "",
        "invoice": invoice or {},
        "qr": "",
        "purpose": "",
        # КП: storage and returns are priced by their tariff, not by a volume.
        "tariff_lines": any(line.code in TARIFF_CODES for line in lines),
    }
    if kind == "invoice":
        purpose = payment_purpose(number, issued_on, totals)
        payload = payment_payload(
            name=supplier["name"],
            account=supplier["account"],
            bank_name=supplier["bank_name"],
            bik=supplier["bik"],
            correspondent_account=supplier["correspondent_account"],
            inn=supplier["inn"],
            kpp=supplier["kpp"],
            purpose=purpose,
            amount=totals.total,
        )
        context.update(purpose=purpose, qr=qr_data_url(payload), qr_payload=payload)
    return context


def sample_context(kind: str) -> dict[str, Any]:
    """A made-up document to try a template with (the admin's check of an edited template)."""
    lines = [Line("acceptance_unit", "Приемка товара", "шт", Decimal(10), Decimal("12.50"))]
    totals = Totals(Decimal("125.00"), Decimal(20), Decimal("20.83"))
    supplier = dict.fromkeys(SUPPLIER_KEYS, "0")
    client = dict.fromkeys(CLIENT_KEYS, "0")
    return document_context(
        kind=kind,
        number="1",
        issued_on=datetime.date(2026, 1, 1),
        supplier=supplier,
        client=client,
        deal={
            "id": "1",
            "title": "Образец",
            "sku_count": "1",
            "units_per_month": "1",
            "marketplaces": "Ozon",
            "goods": "Образец",
        },
        lines=lines,
        totals=totals,
        invoice={"number": "1", "date": "01.01.2026"},
    )
