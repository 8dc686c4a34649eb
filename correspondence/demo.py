"""Demo data of the client's mail: on a КП deal of the demo manager, one message sent to the
client with the КП and the client's reply, so a new user sees the thread on the deal card.
Idempotent (the reply's Message-ID and the message's are fixed)."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from correspondence import addresses, services
from correspondence.models import IncomingEmail, OutgoingEmail, Purpose
from correspondence.parsing import parse_email
from deals.models import Company, Deal

DEMO_SENT_ID = "<demo-proposal-1@crm.localhost>"
DEMO_REPLY_ID = "<demo-reply-1@client.example.com>"


def seed_demo(users: dict[str, AbstractBaseUser], companies: list[Company]) -> None:
    if OutgoingEmail.objects.filter(message_id=DEMO_SENT_ID).exists():
        return
    manager = users.get("manager")
    deal = (
        Deal.objects.filter(
            responsible=manager,
            company__in=companies,
            contact__isnull=False,
            pipeline="calculation",
        )
        .exclude(proposal_file="")
        .exclude(contact__email="")
        .select_related("contact", "company")
        .order_by("pk")
        .first()
    )
    if deal is None:
        return
    draft = services.email_draft(deal=deal, purpose=Purpose.PROPOSAL, user=manager)
    sent_at = timezone.now() - timedelta(hours=3)
    # Written as sent, not sent: the demo must not mail a real server an operator configured.
    OutgoingEmail.objects.create(
        deal=deal,
        purpose=Purpose.PROPOSAL,
        contact=draft.contact,
        to=draft.contact.email,
        subject=draft.subject,
        body=draft.body,
        attachment=draft.attachment.name,
        message_id=DEMO_SENT_ID,
        reply_to=addresses.reply_address(deal.pk),
        status=OutgoingEmail.Status.SENT,
        attempts=1,
        created_by=manager,
        created_at=sent_at,
        next_attempt_at=sent_at,
        sent_at=sent_at,
    )
    reply = EmailMessage()
    reply["From"] = f"{draft.contact.name} <{draft.contact.email}>"
    reply["To"] = addresses.reply_address(deal.pk)
    reply["Subject"] = f"Re: {draft.subject}"
    reply["Message-ID"] = DEMO_REPLY_ID
    reply["In-Reply-To"] = DEMO_SENT_ID
    reply["Date"] = format_datetime(timezone.now() - timedelta(hours=1))
    reply.set_content(
        "Добрый день!\n\nСпасибо, предложение получили. Цены устраивают, "
        "готовы начать со следующей поставки. Пришлите, пожалуйста, договор.\n"
    )
    reply.add_attachment(
        "Реквизиты для договора\n".encode(),
        maintype="text",
        subtype="plain",
        filename="Реквизиты.txt",
    )
    if not IncomingEmail.objects.filter(key=DEMO_REPLY_ID).exists():
        services.incoming_store(parse_email(reply.as_bytes()))
