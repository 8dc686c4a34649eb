"""What a client does in the portal, each through the core's and the warehouse's own services.

Every action first checks that the client may act on this deal (``client_deal_check``: an
enabled account, a deal of the contact's company, the stage the action belongs to), then calls
the same service staff use with ``check_permission=False`` (the check was ours), records a
``ClientAction`` for the deal's timeline and tells the responsible manager — all in one
transaction, so a refusal leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from deals.models import Deal
from deals.services import deal_create
from deals.staff import may_be_responsible
from fulfillment.exceptions import ApplicationError, PermissionDeniedError
from fulfillment.notifications import users_with_role
from fulfillment.roles import Role
from portal import notifications
from portal.models import ClientAccount, ClientAction
from portal.stages import CLIENT_CREATABLE

NOT_YOUR_REQUEST = _("This request is not available in your account.")
NOT_CREATABLE = _("A request of this kind cannot be opened in the portal.")
NO_MANAGER = _("Your company has no manager yet. Please contact us by phone or e-mail.")
WRONG_STAGE = _("This cannot be done at the request's current stage («%(stage)s»).")
NO_LINES_CHOSEN = _("Choose at least one line to dispute and say what is wrong with it.")
COMMENT_NEEDED = _("Write a comment for each disputed line.")

# The stages of an acceptance in which the client may still send the shipment list: before
# the warehouse has finished counting.
LIST_UPLOAD_STAGES = ("new", "to_warehouse")
RECOUNT_APPROVAL_STAGE = "recount_approval"


def client_deal_check(
    *, account: ClientAccount, deal: Deal, stages: tuple[str, ...] | None = None
) -> Deal:
    """The client may act on ``deal``: their account is on, the deal is their company's and,
    when ``stages`` is given, it stands in one of them. Raises ``PermissionDeniedError`` (the
    pages answer 404: no hint that another company's deal exists) or ``ApplicationError``."""
    if account.disabled_at is not None or not account.user.is_active:
        raise PermissionDeniedError(gettext(NOT_YOUR_REQUEST))
    if deal.company_id is None or deal.company_id != account.contact.company_id:
        raise PermissionDeniedError(gettext(NOT_YOUR_REQUEST))
    # The full row, whatever the caller loaded (the pages read only the client's columns):
    # the warehouse's services move the deal and must see every field.
    deal = Deal.objects.select_related("company", "responsible").get(pk=deal.pk)
    if stages is not None and deal.stage not in stages:
        raise ApplicationError(gettext(WRONG_STAGE) % {"stage": _client_stage_label(deal)})
    return deal


def _client_stage_label(deal: Deal) -> str:
    from portal.stages import client_stage

    return str(client_stage(deal.pipeline, deal.stage).label)


def client_request_responsible(*, account: ClientAccount):
    """Who answers for a request the client opens: the responsible of the company's latest
    deal (the manager who works with it now), if still one who may be responsible; else the
    person who invited the client; else the first active director. ``None`` if nobody."""
    latest = (
        Deal.objects.filter(company_id=account.contact.company_id)
        .order_by("-created_at", "-pk")
        .select_related("responsible")
        .first()
    )
    for candidate in (latest.responsible if latest else None, account.invited_by):
        if candidate is not None and may_be_responsible(candidate):
            return candidate
    return users_with_role(Role.DIRECTOR).order_by("pk").first()


def _action(deal: Deal, account: ClientAccount, kind: str, details: str = "") -> ClientAction:
    return ClientAction.objects.create(deal=deal, actor=account.user, kind=kind, details=details)


def client_request_title(pipeline_label: str, company_name: str) -> str:
    today = formats.date_format(timezone.localdate(), "d.m.Y")
    return f"{pipeline_label} · {company_name} · {today}"[:255]


def client_request_create(
    *, account: ClientAccount, pipeline: str, data: Mapping[str, Any]
) -> Deal:
    """Open an acceptance, processing or shipment request for the client's company, in the
    first stage, through ``deals.services.deal_create`` (its field rules and audit apply).
    The company and contact person are the client's own; the responsible is
    ``client_request_responsible``; the deal's history names the client as its creator."""
    if pipeline not in {p.code for p in CLIENT_CREATABLE}:
        raise ApplicationError(gettext(NOT_CREATABLE))
    if account.disabled_at is not None or not account.user.is_active:
        raise PermissionDeniedError(gettext(NOT_YOUR_REQUEST))
    responsible = client_request_responsible(account=account)
    if responsible is None:
        raise ApplicationError(gettext(NO_MANAGER))
    contact = account.contact
    spec = next(p for p in CLIENT_CREATABLE if p.code == pipeline)
    values = {**data, "company": contact.company, "contact": contact}
    with transaction.atomic():
        deal = deal_create(
            pipeline=pipeline,
            actor=account.user,
            title=client_request_title(str(spec.label), contact.company.name),
            responsible=responsible,
            data=values,
        )
        _action(deal, account, ClientAction.Kind.CREATED)
        notifications.client_request_created(deal=deal)
    return deal


def client_shipment_list_upload(*, account: ClientAccount, deal: Deal, upload) -> int:
    """Load the client's shipment list (XLSX or CSV) into the acceptance's expected goods
    with the warehouse's ``shipment_list_load``; returns the rows loaded. Only while the
    warehouse has not finished counting."""
    from warehouse.recount import shipment_list_load

    if deal.pipeline != "acceptance":
        raise ApplicationError(gettext(NOT_CREATABLE))
    deal = client_deal_check(account=account, deal=deal, stages=LIST_UPLOAD_STAGES)
    with transaction.atomic():
        rows = shipment_list_load(
            deal=deal, upload=upload, actor=account.user, check_permission=False
        )
        name = getattr(upload, "name", "") or ""
        _action(deal, account, ClientAction.Kind.LIST_UPLOADED, f"{name}: {rows}")
        notifications.client_list_uploaded(deal=deal, rows=rows)
    return rows


def client_recount_agree(*, account: ClientAccount, deal: Deal) -> Deal:
    """The client agrees the recount: the warehouse's ``recount_agree`` moves the acceptance
    past «Согласовать с клиентом данные пересчета»."""
    from warehouse.recount import recount_agree

    deal = client_deal_check(account=account, deal=deal, stages=(RECOUNT_APPROVAL_STAGE,))
    with transaction.atomic():
        deal = recount_agree(deal=deal, actor=account.user, check_permission=False)
        _action(deal, account, ClientAction.Kind.RECOUNT_AGREED)
        notifications.client_recount_agreed(deal=deal)
    return deal


def _dispute_details(deal: Deal, disputes: Mapping[int, str]) -> str:
    """The disputed lines as staff read them: «article (name): comment», one a line."""
    from warehouse.models import RecountLine

    lines = RecountLine.objects.filter(deal=deal, pk__in=list(disputes)).in_bulk()
    rows = []
    for pk, comment in disputes.items():
        line = lines.get(pk)
        code = (line.article or line.barcode) if line else str(pk)
        name = f" ({line.name})" if line and line.name else ""
        rows.append(f"{code}{name}: {comment}")
    return "\n".join(rows)


def client_recount_dispute(
    *, account: ClientAccount, deal: Deal, disputes: Mapping[int, str]
) -> Deal:
    """The client disputes recount lines, each with a comment: the warehouse's
    ``recount_dispute`` returns the acceptance to the warehouse with those lines on top."""
    from warehouse.recount import recount_dispute

    deal = client_deal_check(account=account, deal=deal, stages=(RECOUNT_APPROVAL_STAGE,))
    disputes = {int(line): (comment or "").strip() for line, comment in disputes.items()}
    if not disputes:
        raise ApplicationError(gettext(NO_LINES_CHOSEN))
    if not all(disputes.values()):
        raise ApplicationError(gettext(COMMENT_NEEDED))
    with transaction.atomic():
        deal = recount_dispute(
            deal=deal, actor=account.user, disputes=disputes, check_permission=False
        )
        details = _dispute_details(deal, disputes)
        _action(deal, account, ClientAction.Kind.LINES_DISPUTED, details)
        notifications.client_lines_disputed(deal=deal, lines=len(disputes))
    return deal
