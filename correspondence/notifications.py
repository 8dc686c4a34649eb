"""Who is told of the client's mail (the events of this app, through ``notify``)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from correspondence.models import IncomingEmail
from fulfillment.notifications import notify


def reply_received(*, email: IncomingEmail) -> None:
    """The deal's responsible manager learns that the client wrote on the deal."""
    deal = email.deal
    notify(
        recipients=[deal.responsible],
        event="client_email",
        text=_("The client wrote on «%(deal)s»: %(subject)s")
        % {"deal": deal.title, "subject": email.subject or _("(no subject)")},
        url=reverse("deals:detail", args=[deal.pk]) + "#timeline",
    )
