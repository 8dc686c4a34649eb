"""Who is told what the client did in the portal: the request's responsible manager, one
function per event, through ``fulfillment.notifications.notify``."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from fulfillment.notifications import notify


def _deal_url(deal) -> str:
    return reverse("deals:detail", args=[deal.pk])


def _company(deal) -> str:
    return deal.company.name if deal.company_id else ""


def client_request_created(*, deal) -> None:
    notify(
        recipients=[deal.responsible],
        event="client_request_created",
        text=_("The client %(company)s opened a request in the portal: %(deal)s")
        % {"company": _company(deal), "deal": deal.title},
        url=_deal_url(deal),
    )


def client_list_uploaded(*, deal, rows: int) -> None:
    notify(
        recipients=[deal.responsible],
        event="client_list_uploaded",
        text=_("The client uploaded the shipment list (%(rows)s rows): %(deal)s")
        % {"rows": rows, "deal": deal.title},
        url=_deal_url(deal),
    )


def client_recount_agreed(*, deal) -> None:
    notify(
        recipients=[deal.responsible],
        event="client_recount_agreed",
        text=_("The client agreed the recount: %(deal)s") % {"deal": deal.title},
        url=_deal_url(deal),
    )


def client_lines_disputed(*, deal, lines: int) -> None:
    notify(
        recipients=[deal.responsible],
        event="client_lines_disputed",
        text=_("The client disputed %(lines)s recount lines; the warehouse recounts: %(deal)s")
        % {"lines": lines, "deal": deal.title},
        url=_deal_url(deal),
    )
