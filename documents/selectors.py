"""Reads of generated documents."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db.models import QuerySet

from deals.models import Company, Deal
from deals.selectors import deal_visible_to
from documents.models import Document
from fulfillment.roles import AnyUser, sees_money

# The card reads a deal's documents once for its panels and its timeline: the list is kept
# on the deal object the card renders; a write forgets it (``forget_card_documents``).
_CARD_CACHE = "_documents_of_card"


def latest_document(*, deal: Deal, kind: str) -> Document | None:
    """The deal's newest document of a kind («proposal», «invoice», «act»), or None."""
    cached = deal.__dict__.get(_CARD_CACHE)
    if cached is not None:
        return next((document for document in cached if document.kind == kind), None)
    return Document.objects.filter(deal=deal, kind=kind).order_by("-created_at", "-pk").first()


def deal_documents(*, deal: Deal, user: AnyUser) -> list[Document]:
    """The deal's documents, newest first, with who made them; none for whoever does not see
    money (warehouse staff). One query per card, whoever asks."""
    if not sees_money(user):
        return []
    cached = deal.__dict__.get(_CARD_CACHE)
    if cached is None:
        cached = list(
            Document.objects.filter(deal=deal)
            .select_related("created_by")
            .order_by("-created_at", "-pk")
        )
        deal.__dict__[_CARD_CACHE] = cached
    return cached


def forget_card_documents(deal: Deal) -> None:
    deal.__dict__.pop(_CARD_CACHE, None)


def company_documents(
    company: Company, kinds: Iterable[str] = (Document.Kind.INVOICE, Document.Kind.ACT)
) -> QuerySet[Document]:
    """A client's documents of ``kinds`` over all its deals, newest first, with their deal
    (the client portal lists its invoices and acts). No user check: the caller decides that
    the company is the one the viewer belongs to."""
    return (
        Document.objects.filter(deal__company=company, kind__in=list(kinds))
        .select_related("deal")
        .order_by("-created_at", "-pk")
    )


def deal_timeline_documents(deal: Deal, user: AnyUser) -> list[tuple[datetime.datetime, Document]]:
    """The card's timeline entries of generated documents (one query)."""
    return [(document.created_at, document) for document in deal_documents(deal=deal, user=user)]


def document_file_access(user: AnyUser, name: str) -> bool:
    """A document's file downloads for whoever may see its deal and sees money."""
    if not sees_money(user):
        return False
    deals = Deal.objects.filter(pk__in=Document.objects.filter(file=name).values("deal"))
    return deal_visible_to(user, deals).exists()
