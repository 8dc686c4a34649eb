"""The recount as the portal shows it, read through the warehouse's own services
(``warehouse.recount``: ``recount_lines``, ``recount_totals``, ``recount_documents``): lines
with expected, counted and defective quantities, damage photos and dispute comments (disputed
lines first), their totals, the recount file and the discrepancy act. Links go through the
portal's views, which look the request up by the client's company first."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.db.models.fields.files import FieldFile
from django.urls import reverse
from django.utils.translation import gettext

from deals.models import Deal

# The recount's files a client may download: slot → key of ``recount_documents``.
RECOUNT_FILES = {"recount": "recount_file", "act": "act_file"}


@dataclass
class RecountView:
    lines: list[Any]
    totals: dict[str, int]
    documents: list[dict] = field(default_factory=list)
    # False while only the shipment list is there (nothing counted and no recount finished):
    # the page then shows the expected goods, not a table of zeros read as shortages.
    counted: bool = True


def recount_documents_for_client(*, deal: Deal) -> list[dict]:
    """The latest finished recount's file and discrepancy act, as portal links."""
    from warehouse.recount import recount_documents

    files = recount_documents(deal=deal)
    labels = {"recount": gettext("Recount file"), "act": gettext("Discrepancy act")}
    return [
        {"label": labels[slot], "url": reverse("portal:recount-file", args=[deal.pk, slot])}
        for slot, key in RECOUNT_FILES.items()
        if files.get(key)
    ]


def recount_for_client(*, deal: Deal) -> RecountView | None:
    """The acceptance's recount (its lines, photos prefetched by the warehouse), or None
    when it has no lines yet."""
    from warehouse.recount import recount_lines, recount_totals

    if deal.pipeline != "acceptance":
        return None
    lines = recount_lines(deal=deal)
    if not lines:
        return None
    sums = recount_totals(lines)
    for line in lines:
        line.disputed = line.disputed_at is not None
        line.photo_links = [
            reverse("portal:recount-photo", args=[deal.pk, photo.pk]) for photo in line.photos.all()
        ]
    totals = {
        "expected": sums.expected,
        "counted": sums.counted,
        "defective": sums.defective,
        "accepted": sums.accepted,
        "difference": sums.counted - sums.expected,
    }
    documents = recount_documents_for_client(deal=deal)
    counted = bool(documents) or any(line.counted or line.defective for line in lines)
    return RecountView(lines=lines, totals=totals, documents=documents, counted=counted)


def recount_photo_file(*, deal: Deal, pk: int) -> FieldFile | None:
    from warehouse.models import RecountPhoto

    photo = RecountPhoto.objects.filter(line__deal=deal, pk=pk).first()
    return photo.file if photo else None


def recount_document_file(*, deal: Deal, slot: str) -> FieldFile | None:
    from warehouse.recount import recount_documents

    key = RECOUNT_FILES.get(slot)
    return recount_documents(deal=deal).get(key) if key else None


def recount_file_of_company(*, company_id: int, name: str) -> bool:
    """Whether ``name`` is a damage photo, a recount file or a discrepancy act of one of the
    company's acceptances."""
    from warehouse.models import RecountEvent, RecountPhoto

    if RecountPhoto.objects.filter(
        line__deal__company_id=company_id, line__deal__pipeline="acceptance", file=name
    ).exists():
        return True
    return RecountEvent.objects.filter(
        Q(recount_file=name) | Q(act_file=name),
        deal__company_id=company_id,
        deal__pipeline="acceptance",
    ).exists()
