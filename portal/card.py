"""What the portal adds to the staff's deal card: the «Кабинет клиента» panel (which contact
persons of the deal's company may sign in, invite / invite again / disable) and the clients'
actions on the timeline. Registered from ``PortalConfig.ready``."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest

from deals.card import CardPanel, TimelineSource, register_card_panel, register_timeline_source
from deals.models import Deal
from fulfillment.roles import AnyUser, is_sales
from portal.accounts import company_contacts_access
from portal.models import ClientAction
from portal.stages import CLIENT_PIPELINES

_PIPELINES = {p.code for p in CLIENT_PIPELINES}


def access_panel(request: HttpRequest, deal: Deal) -> dict[str, Any] | None:
    """Only for sales staff (the card is theirs), on deals of a client pipeline with a company."""
    if not is_sales(request.user) or deal.pipeline not in _PIPELINES or not deal.company_id:
        return None
    return {"deal": deal, "contacts": company_contacts_access(company_id=deal.company_id)}


def client_action_entries(deal: Deal, user: AnyUser) -> Iterable[tuple[datetime.datetime, Any]]:
    actions = ClientAction.objects.filter(deal=deal).select_related("actor")
    return [(action.created_at, action) for action in actions]


def register() -> None:
    register_card_panel(
        CardPanel(template="portal/card_panel.html", context=access_panel, order=60)
    )
    register_timeline_source(
        TimelineSource(
            kind="client", template="portal/timeline_entry.html", entries=client_action_entries
        )
    )
