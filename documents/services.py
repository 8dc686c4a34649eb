"""Making the КП, the invoice and the act, and keeping a won КП's prices for its client.

Every way in (the card's buttons, the API, the demo) calls ``document_generate``. One
transaction: the deal's row is locked first (the project's lock order), then the year's
counter of the kind; the PDF is rendered, the ``Document`` kept and the deal's fields set
through ``deals.services.deal_update`` (the audit trail). Any failure rolls all of it back —
the number included, so numbers have no gaps — and deletes the file already stored.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _

from deals.guards import can_move_deal
from deals.models import Deal
from deals.services import deal_lock, deal_stage_check, deal_update
from documents.context import client_dict, document_context, supplier_dict
from documents.exceptions import DocumentError
from documents.models import AgreedPrice, Document, DocumentCounter, OurCompany, Service, VatMode
from documents.money import Line, document_totals
from documents.pricing import document_lines
from documents.rendering import render_pdf
from documents.selectors import forget_card_documents, latest_document
from fulfillment.exceptions import PermissionDeniedError
from fulfillment.roles import AnyUser, acting_person, sees_money

Kind = Document.Kind

# The stage of each pipeline in which a kind of document is made. The act: once the deal is
# paid, which is its success stage (payment date and amount are required to leave
# «Ожидаем оплату по счету», so a deal there is not yet known to be paid).
DOCUMENT_STAGES: dict[str, dict[str, str]] = {
    Kind.PROPOSAL: {"calculation": "proposal"},
    Kind.INVOICE: {"acceptance": "invoice", "processing": "invoice", "shipment": "invoice"},
    Kind.ACT: {"acceptance": "won", "processing": "won", "shipment": "won"},
}

FILE_NAMES = {Kind.PROPOSAL: "kp", Kind.INVOICE: "schet", Kind.ACT: "akt"}


def document_kinds_for(deal: Deal) -> list[str]:
    """The kinds of document the deal's stage allows now, in order."""
    return [
        kind for kind, stages in DOCUMENT_STAGES.items() if stages.get(deal.pipeline) == deal.stage
    ]


def may_generate(deal: Deal, user: AnyUser) -> bool:
    """Whoever may edit the deal and sees money (never warehouse staff)."""
    return can_move_deal(deal, user) and sees_money(user)


def our_company_ready() -> OurCompany:
    """Our requisites, complete; refuses naming what is missing."""
    our = OurCompany.objects.first()
    if our is None:
        raise DocumentError(
            _("Our company's requisites are not set: an administrator fills them in the admin.")
        )
    missing = [
        str(OurCompany._meta.get_field(name).verbose_name)
        for name in OurCompany.REQUIRED_FIELDS
        if not getattr(our, name)
    ]
    if our.tax_mode == OurCompany.TaxMode.VAT and not our.vat_rate:
        missing.append(str(OurCompany._meta.get_field("vat_rate").verbose_name))
    if missing:
        raise DocumentError(
            _("Our company's requisites are incomplete: %(fields)s.")
            % {"fields": ", ".join(missing)}
        )
    return our


def _check_client(deal: Deal, kind: str) -> None:
    company = deal.company
    if company is None:
        raise DocumentError(_("Choose the deal's company first."))
    if kind == Kind.PROPOSAL:
        return
    missing = [
        str(company._meta.get_field(name).verbose_name)
        for name in ("inn", "legal_address")
        if not getattr(company, name)
    ]
    if missing:
        raise DocumentError(
            _("The client's requisites are missing: %(fields)s. Fill them on the company's card.")
            % {"fields": ", ".join(missing)}
        )


def _check_stage(deal: Deal, kind: str) -> None:
    if kind not in Kind.values:
        raise DocumentError(_("Unknown kind of document: %(kind)s.") % {"kind": kind})
    stage = DOCUMENT_STAGES[kind].get(deal.pipeline)
    if stage is None:
        raise DocumentError(
            _("A %(document)s is not made in the pipeline «%(pipeline)s».")
            % {"document": Kind(kind).label, "pipeline": deal.pipeline_spec.label}
        )
    if deal.stage != stage:
        raise DocumentError(
            _("A %(document)s is made in the stage «%(stage)s»; the deal is in «%(current)s».")
            % {
                "document": Kind(kind).label,
                "stage": deal.pipeline_spec.stage(stage).label,
                "current": deal.stage_label,
            }
        )


def next_number(kind: str, year: int) -> int:
    """The next number of ``kind`` in ``year``: the counter's row locked until the caller's
    transaction ends, so a rolled-back document gives its number back."""
    counter = DocumentCounter.objects.select_for_update().filter(kind=kind, year=year).first()
    if counter is None:
        try:
            with transaction.atomic():  # another request may create the row at the same time
                DocumentCounter.objects.create(kind=kind, year=year)
        except IntegrityError:
            pass
        counter = DocumentCounter.objects.select_for_update().get(kind=kind, year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number


def _deal_data(deal: Deal) -> dict[str, str]:
    marketplaces = deal._meta.get_field("marketplaces").display(deal.marketplaces or [])
    return {
        "id": str(deal.pk),
        "title": deal.title,
        "goods": deal.goods_description,
        "sku_count": str(deal.sku_count or ""),
        "units_per_month": str(deal.units_per_month or ""),
        "marketplaces": str(marketplaces),
    }


def _stored_as(deal: Deal, field: str, name: str) -> FieldFile:
    """The document's stored file as the value of a deal's file field (one copy)."""
    return FieldFile(deal, Deal._meta.get_field(field), name)


def document_generate(
    *,
    deal: Deal,
    kind: str,
    actor: AnyUser,
    pallet_days: int | None = None,
    expected_stage: str | None = None,
    issued_on: datetime.date | None = None,
) -> Document:
    """Make the deal's КП, invoice or act: lines, PDF, a number, the ``Document``, and the
    deal's fields (КП: file and amount; invoice: number, amount and file). Raises
    ``DocumentError`` / ``PermissionDeniedError`` / ``DealConflictError`` having saved
    nothing."""
    if not may_generate(deal, actor):
        raise PermissionDeniedError(_("You may not make documents of this deal."))
    deal_stage_check(deal=deal, expected_stage=expected_stage)
    _check_stage(deal, kind)
    if pallet_days is not None and pallet_days < 0:
        raise DocumentError(_("Pallet-days cannot be negative."))
    issued_on = issued_on or timezone.localdate()
    our = our_company_ready()
    _check_client(deal, kind)
    invoice = None
    forget_card_documents(deal)
    if kind == Kind.ACT:
        invoice = latest_document(deal=deal, kind=Kind.INVOICE)
        if invoice is None:
            raise DocumentError(_("The act repeats the invoice's lines: make the invoice first."))
        lines = [Line.from_json(line) for line in invoice.lines]
        vat_rate = invoice.vat_rate if invoice.vat_amount is not None else None
    else:
        lines = document_lines(deal, kind, issued_on, pallet_days=pallet_days)
        vat_rate = our.vat_rate_applied
    totals = document_totals(lines, vat_rate)
    stored: list[str] = []
    try:
        with transaction.atomic():
            locked = deal_lock(deal)
            deal_stage_check(deal=locked, expected_stage=deal.stage)
            sequence = next_number(kind, issued_on.year)
            number = str(sequence)
            context = document_context(
                kind=kind,
                number=number,
                issued_on=issued_on,
                supplier=supplier_dict(our),
                client=client_dict(locked.company),
                deal=_deal_data(locked),
                lines=lines,
                totals=totals,
                invoice={"number": invoice.number, "date": f"{invoice.issued_on:%d.%m.%Y}"}
                if invoice is not None and invoice.issued_on
                else None,
            )
            pdf = render_pdf(kind, context)
            document = Document(
                deal=locked,
                kind=kind,
                number=number,
                amount=totals.total,
                created_by=acting_person(actor),
                issued_on=issued_on,
                year=issued_on.year,
                sequence=sequence,
                lines=[line.as_json() for line in lines],
                vat_rate=totals.vat_rate,
                vat_amount=totals.vat_amount,
            )
            filename = f"{FILE_NAMES[kind]}-{number}-{issued_on:%Y%m%d}.pdf"
            document.file.save(filename, ContentFile(pdf), save=False)
            stored.append(document.file.name)
            document.save()
            data: dict = {}
            if kind == Kind.PROPOSAL:
                data = {
                    "proposal_file": _stored_as(locked, "proposal_file", document.file.name),
                    "amount": totals.total,
                }
            elif kind == Kind.INVOICE:
                data = {
                    "invoice_number": number,
                    "amount": totals.total,
                    "invoice_file": _stored_as(locked, "invoice_file", document.file.name),
                }
            if data:
                deal_update(deal=locked, actor=actor, data=data)
    except BaseException:
        for name in stored:
            default_storage.delete(name)
        raise
    deal.refresh_from_db()
    forget_card_documents(deal)
    return document


def filled_fields(document: Document) -> dict[str, object]:
    """The deal fields a document filled (what the API answers)."""
    if document.kind == Kind.PROPOSAL:
        return {"proposal_file": document.file.name, "amount": document.amount}
    if document.kind == Kind.INVOICE:
        return {
            "invoice_number": document.number,
            "amount": document.amount,
            "invoice_file": document.file.name,
        }
    return {}


def agreed_prices_from_proposal(*, deal: Deal, on: datetime.date) -> int:
    """The won КП's prices become the client's agreed prices from ``on`` (the day the request
    was won). Idempotent: one row per (client, service, date), set again to the same values.
    Returns the number of prices kept."""
    proposal = latest_document(deal=deal, kind=Kind.PROPOSAL)
    if proposal is None or deal.company_id is None:
        return 0
    codes = {line["code"] for line in proposal.lines}
    services = Service.objects.in_bulk(codes, field_name="code")
    kept = 0
    with transaction.atomic():
        for line in proposal.lines:
            service = services.get(line["code"])
            if service is None:  # removed from the price list since
                continue
            AgreedPrice.objects.update_or_create(
                company_id=deal.company_id,
                service=service,
                valid_from=on,
                defaults={
                    "price": Decimal(line["price"]),
                    "vat_mode": VatMode.EXEMPT if line.get("vat_exempt") else VatMode.STANDARD,
                    "source_deal": deal,
                },
            )
            kept += 1
    return kept
