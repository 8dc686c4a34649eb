"""The recount on the deal card (a ``deals.card`` panel for acceptances, for whoever may edit
the deal), its timeline entries (a list loaded, a recount finished: a few entries, never one
per tap) and who may download its files through ``/files/``."""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.http import HttpRequest

from deals.guards import can_move_deal
from deals.models import Deal
from deals.selectors import deal_visible_to
from fulfillment.roles import AnyUser
from warehouse import recount
from warehouse.models import RecountEvent, RecountLine, RecountPhoto
from warehouse.selectors import warehouse_tasks_visible_to

PANEL_LINES = 100


def recount_panel(request: HttpRequest, deal: Deal) -> dict | None:
    """The «Пересчет» panel: upload the shipment list, the lines (differing ones first) and
    their totals, the recount's documents."""
    if deal.pipeline != "acceptance" or not can_move_deal(deal, request.user):
        return None
    totals = recount.line_totals_query(deal)
    lines = list(
        RecountLine.objects.filter(deal=deal).order_by(*RecountLine._meta.ordering)[:PANEL_LINES]
    )
    return {
        "deal": deal,
        "totals": totals,
        "lines": lines,
        "more": max(totals["lines"] - len(lines), 0),
        "documents": recount.recount_documents(deal=deal),
        "can_upload": deal.is_open and not recount.counting_started(deal),
        "can_add": deal.is_open and deal.stage in ("new", "to_warehouse"),
    }


def recount_timeline(deal: Deal, user: AnyUser) -> list[tuple[datetime.datetime, RecountEvent]]:
    """The deal's recount events (the card shows the deal to this user already)."""
    events = RecountEvent.objects.filter(deal=deal).select_related("actor")
    return [(event.created_at, event) for event in events]


def recount_file_access(user: AnyUser, name: str) -> bool:
    """``/files/`` check for the recount file, the discrepancy act and the damage photos:
    staff who see the deal, and warehouse staff who see one of its warehouse tasks."""
    deal_ids = set(
        RecountEvent.objects.filter(Q(recount_file=name) | Q(act_file=name)).values_list(
            "deal_id", flat=True
        )
    ) | set(RecountPhoto.objects.filter(file=name).values_list("line__deal_id", flat=True))
    if not deal_ids:
        return False
    deals = Deal.objects.filter(pk__in=deal_ids)
    return (
        deal_visible_to(user, deals).exists()
        or warehouse_tasks_visible_to(user).filter(deal_id__in=deal_ids).exists()
    )
