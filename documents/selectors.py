"""Reads of generated documents."""

from __future__ import annotations

from deals.models import Deal
from documents.models import Document


def latest_document(*, deal: Deal, kind: str) -> Document | None:
    """The deal's newest document of a kind («proposal», «invoice», «act»), or None."""
    return Document.objects.filter(deal=deal, kind=kind).order_by("-created_at", "-pk").first()
