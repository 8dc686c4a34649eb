"""Reads of the client's mail: a deal's thread for the timeline and the API, the unmatched
list, and who may download an attachment."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet

from correspondence.models import IncomingAttachment, IncomingEmail, OutgoingEmail
from deals.models import Deal
from deals.selectors import deal_visible_to
from fulfillment.roles import AnyUser, is_administrator


def deal_outgoing(*, deal: Deal) -> QuerySet[OutgoingEmail]:
    return OutgoingEmail.objects.filter(deal=deal).select_related("created_by", "contact")


def deal_incoming(*, deal: Deal) -> QuerySet[IncomingEmail]:
    return IncomingEmail.objects.filter(deal=deal).prefetch_related("attachments")


def unmatched_incoming() -> QuerySet[IncomingEmail]:
    return IncomingEmail.objects.filter(deal__isnull=True).prefetch_related("attachments")


def outgoing_timeline(deal: Deal, user: AnyUser) -> Iterable[tuple[datetime.datetime, Any]]:
    """The deal's messages to the client, at the moment each was written (one query)."""
    return [(email.created_at, email) for email in deal_outgoing(deal=deal)]


def incoming_timeline(deal: Deal, user: AnyUser) -> Iterable[tuple[datetime.datetime, Any]]:
    """The client's messages on the deal, at the moment each was written (two queries)."""
    return [(email.moment, email) for email in deal_incoming(deal=deal)]


def mail_file_access(user: AnyUser, name: str) -> bool:
    """A reply's attachment goes with its deal (whoever sees the deal); an unmatched one to
    administrators. A sent message's file is the deal's or its document's own and goes with
    the deal too."""
    attachment = IncomingAttachment.objects.filter(file=name).select_related("email").first()
    if attachment is not None:
        if attachment.email.deal_id is None:
            return is_administrator(user)
        return deal_visible_to(user, Deal.objects.filter(pk=attachment.email.deal_id)).exists()
    deals = OutgoingEmail.objects.filter(attachment=name).values("deal")
    return deal_visible_to(user, Deal.objects.filter(pk__in=deals)).exists()
