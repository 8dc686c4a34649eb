"""What the portal reads: the company's requests, one request, its documents and files.

Only the columns a client may see are loaded (``CLIENT_COLUMNS``): never the amount of a deal
other than its own invoice, the responsible's notes, the КП or the history of staff work."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse

from deals.models import Deal
from documents.models import Document
from portal.models import ClientAccount
from portal.stages import CLIENT_PIPELINES

CLIENT_PIPELINE_CODES = tuple(p.code for p in CLIENT_PIPELINES)
# The deal columns the portal reads; anything else (amounts of the КП, the responsible, the
# comment of the manager, failure reasons) never leaves the database for a client's page.
CLIENT_COLUMNS = (
    "id",
    "pipeline",
    "stage",
    "company_id",
    "created_at",
    "stage_entered_at",
    "closed_at",
    "arrival_date",
    "shipment_date",
    "deadline",
    "boxes",
    "units",
    "delivery_method",
    "acceptance_type",
    "destination_type",
    "destination",
    "marketplace_supply_number",
    "operations",
    "accepted_units",
    "tracking_number",
    "invoice_number",
    "invoice_file",
    "amount",
    "recount_file",
)
# Files of a deal's own columns that the portal offers (slot → column).
DEAL_FILE_SLOTS = {"invoice": "invoice_file", "recount": "recount_file"}
CLIENT_DOCUMENT_KINDS = (Document.Kind.INVOICE, Document.Kind.ACT)


def client_requests(*, account: ClientAccount, pipeline: str | None = None) -> QuerySet[Deal]:
    """The company's requests, newest first (off the ``deal_company`` index)."""
    queryset = Deal.objects.filter(
        company_id=account.contact.company_id, pipeline__in=CLIENT_PIPELINE_CODES
    )
    if pipeline:
        queryset = queryset.filter(pipeline=pipeline)
    return queryset.only(*CLIENT_COLUMNS).order_by("-created_at", "-pk")


def client_request(*, account: ClientAccount, pk: int) -> Deal:
    """One request of the client's company; 404 for any other (no hint that it exists)."""
    deal = client_requests(account=account).filter(pk=pk).first()
    if deal is None:
        raise Http404
    return deal


@dataclass(frozen=True)
class ClientDocument:
    label: str
    url: str
    number: str = ""
    amount: Decimal | None = None
    date: object = None


def client_documents(*, deal: Deal) -> list[ClientDocument]:
    """The request's invoices and acts: the invoice staff attached to the deal, and the
    generated invoices and acts (``documents``), newest first. One query."""
    from django.utils.translation import gettext

    found: list[ClientDocument] = []
    if deal.invoice_file:
        found.append(
            ClientDocument(
                label=gettext("Invoice"),
                url=reverse("portal:deal-file", args=[deal.pk, "invoice"]),
                number=deal.invoice_number,
                amount=deal.amount,
            )
        )
    for document in Document.objects.filter(deal=deal, kind__in=CLIENT_DOCUMENT_KINDS):
        found.append(
            ClientDocument(
                label=document.get_kind_display().capitalize(),
                url=reverse("portal:document", args=[deal.pk, document.pk]),
                number=document.number,
                amount=document.amount,
                date=document.created_at,
            )
        )
    return found


def client_document(*, deal: Deal, pk: int) -> Document:
    document = Document.objects.filter(deal=deal, pk=pk, kind__in=CLIENT_DOCUMENT_KINDS).first()
    if document is None:
        raise Http404
    return document


def client_may_download(account: ClientAccount, name: str) -> bool:
    """Whether ``name`` is a file the portal shows on one of the company's requests."""
    company_id = account.contact.company_id
    deals = Deal.objects.filter(company_id=company_id, pipeline__in=CLIENT_PIPELINE_CODES)
    if deals.filter(Q(invoice_file=name) | Q(recount_file=name)).exists():
        return True
    if Document.objects.filter(
        deal__company_id=company_id, kind__in=CLIENT_DOCUMENT_KINDS, file=name
    ).exists():
        return True
    from portal.recount import recount_file_of_company

    return recount_file_of_company(company_id=company_id, name=name)
