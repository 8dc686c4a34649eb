"""Prices on a date and the lines of each document, from the deal's volumes or the work done.

A client's agreed price («согласованная цена») wins over the list; of either, the newest row
that took effect on or before the document's date applies.

What each document bills (the price-list codes are reference data of migration 0003; an
administrator sets their prices):

- КП (calculation ``proposal``): per month, from the services wanted — acceptance and recount
  and the per-unit operations × expected units per month; assembly of supplies and delivery ×
  the number of marketplaces; storage (a pallet-place a day) and returns as one unit of their
  tariff (the request says nothing of their volume).
- Invoice and act of an acceptance: by boxes — acceptance per box × boxes; by units —
  acceptance per unit and recount × accepted units; with quality check — also the check ×
  accepted units.
- Of a processing request: each operation × its units.
- Of a shipment: assembly × boxes, delivery to the marketplace's warehouse (or to the address)
  once.
- Storage, on any invoice, × the pallet-days the manager gives when invoicing.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils.translation import gettext as _

from deals.choices import AcceptanceType, DestinationType
from deals.models import Company, Deal
from documents.exceptions import DocumentError
from documents.models import AgreedPrice, Price, Service, VatMode
from documents.money import Line

UNIT_SERVICES = {  # a deal's service («services wanted») billed per unit, by price-list code
    "labeling": "labeling",
    "honest_sign": "honest_sign",
    "packing": "packing",
    "kitting": "kitting",
}


def price_table(company: Company | None, on: datetime.date) -> dict[str, tuple[Decimal, str]]:
    """Each service's (price, VAT mode) on ``on``: the company's agreed one, else the list's.
    Two queries whatever the number of services."""
    table: dict[str, tuple[Decimal, str]] = {}
    for row in (
        Price.objects.filter(valid_from__lte=on)
        .order_by("service_id", "-valid_from")
        .values("service__code", "price", "vat_mode")
    ):
        table.setdefault(row["service__code"], (row["price"], row["vat_mode"]))
    if company is not None:
        agreed: dict[str, tuple[Decimal, str]] = {}
        for row in (
            AgreedPrice.objects.filter(company=company, valid_from__lte=on)
            .order_by("service_id", "-valid_from")
            .values("service__code", "price", "vat_mode")
        ):
            agreed.setdefault(row["service__code"], (row["price"], row["vat_mode"]))
        table.update(agreed)
    return table


def _quantities(deal: Deal, kind: str, pallet_days: int | None) -> list[tuple[str, Decimal]]:
    """(price-list code, quantity) pairs of what the document bills, in order."""
    wanted: list[tuple[str, int | None]] = []
    if kind == "proposal":
        per_month = deal.units_per_month or 0
        markets = len(deal.marketplaces or []) or 1
        for service in deal.services or []:
            if service == "acceptance":
                wanted += [("acceptance_unit", per_month), ("recount", per_month)]
            elif service == "storage":
                wanted.append(("storage_pallet_day", 1))
            elif service in UNIT_SERVICES:
                wanted.append((UNIT_SERVICES[service], per_month))
            elif service == "shipment":
                wanted += [("supply_assembly", markets), ("marketplace_delivery", markets)]
            elif service == "returns":
                wanted.append(("returns", 1))
        return [(code, Decimal(n)) for code, n in wanted if n]
    accepted = deal.accepted_units if deal.accepted_units is not None else deal.units
    if deal.pipeline == "acceptance":
        if deal.acceptance_type == AcceptanceType.BY_BOXES:
            wanted.append(("acceptance_box", deal.boxes))
        else:
            wanted += [("acceptance_unit", accepted), ("recount", accepted)]
            if deal.acceptance_type == AcceptanceType.QUALITY_CHECK:
                wanted.append(("quality_check", accepted))
    elif deal.pipeline == "processing":
        wanted += [(operation, deal.units) for operation in deal.operations or []]
    elif deal.pipeline == "shipment":
        wanted.append(("supply_assembly", deal.boxes))
        if deal.destination_type == DestinationType.ADDRESS:
            wanted.append(("address_delivery", 1))
        else:
            wanted.append(("marketplace_delivery", 1))
    if pallet_days:
        wanted.append(("storage_pallet_day", pallet_days))
    return [(code, Decimal(n)) for code, n in wanted if n]


def document_lines(
    deal: Deal, kind: str, on: datetime.date, *, pallet_days: int | None = None
) -> list[Line]:
    """The lines of a new КП or invoice of ``deal`` at the prices of ``on``. Refuses
    (``DocumentError``) a document with nothing to bill or a service without a price."""
    quantities = _quantities(deal, kind, pallet_days)
    if not quantities:
        raise DocumentError(_("The deal has no work to bill: fill in its services and volumes."))
    services = Service.objects.in_bulk([code for code, _n in quantities], field_name="code")
    prices = price_table(deal.company, on)
    missing = [
        services[code].name if code in services else code
        for code, _n in quantities
        if code not in prices or code not in services
    ]
    if missing:
        raise DocumentError(
            _("No price on %(date)s for: %(services)s. Set them in the price list.")
            % {"date": on.strftime("%d.%m.%Y"), "services": ", ".join(f"«{m}»" for m in missing)}
        )
    lines = []
    for code, quantity in quantities:
        price, vat_mode = prices[code]
        service = services[code]
        lines.append(
            Line(
                code=code,
                name=service.name,
                unit=service.unit,
                quantity=quantity,
                price=price,
                vat_exempt=vat_mode == VatMode.EXEMPT,
            )
        )
    return lines


def current_price_list(on: datetime.date) -> list[dict]:
    """The offered services with their list price on ``on`` (None where none is set yet)."""
    table = price_table(None, on)
    rows = []
    for service in Service.objects.filter(active=True):
        price, vat_mode = table.get(service.code, (None, None))
        rows.append(
            {
                "code": service.code,
                "name": service.name,
                "unit": service.unit,
                "price": price,
                "vat_mode": vat_mode,
            }
        )
    return rows
