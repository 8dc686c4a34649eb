"""A manager takes a client's request from the КП to the paid invoice without leaving the CRM:
the documents made on the cards, sent to the client over a real SMTP server, the client's
replies read from a real IMAP server onto the deals — the pages and the automation as in use."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from email.header import Header

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from pypdf import PdfReader

from correspondence import addresses, mailbox
from correspondence.models import IncomingEmail, OutgoingEmail
from deals import services
from deals.models import Deal, Handoff, Task
from deals.services.approvals import approval_approve
from documents.models import AgreedPrice, Document
from fulfillment.models import Notification
from tests.documents.conftest import our_company, price_list, ready  # noqa: F401 (fixtures)
from tests.factories import CompanyFactory, ContactFactory, make_deal

# Our requisites and the price list set in the admin.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ready")]


def pdf_text(content: bytes) -> str:
    """The PDF's text with its non-breaking spaces (thousands, «№ 1») as plain ones."""
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return text.replace("\xa0", " ").replace("\u202f", " ")


def reply(deal_pk: int, message_id: str, subject: str, text: str, in_reply_to: str) -> bytes:
    """A client's answer as a mail program writes it: to the deal's reply address, quoting the
    thread, in windows-1251."""
    return (
        (
            "From: =?windows-1251?B?yPDo7eAgyuvo5e3y7uLg?= <irina@client.example>\r\n"
            f"To: {addresses.reply_address(deal_pk)}\r\n"
            f"Subject: {Header(subject, 'windows-1251').encode()}\r\n"
            f"Message-ID: {message_id}\r\n"
            f"In-Reply-To: {in_reply_to}\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=windows-1251\r\n"
            "Content-Transfer-Encoding: 8bit\r\n\r\n"
        ).encode("ascii")
        + text.encode("windows-1251")
        + b"\r\n"
    )


def test_from_the_proposal_to_the_paid_invoice_without_leaving_the_crm(
    client, manager, director, smtp, imap, django_capture_on_commit_callbacks
):
    company = CompanyFactory(has_contract=True, contract_number="Д-7", contract_date="2026-01-15")
    contact = ContactFactory(company=company, name="Ирина Клиентова", email="irina@client.example")
    request = make_deal(
        "calculation",
        "proposal",
        responsible=manager,
        company=company,
        contact=contact,
        services=["acceptance", "labeling"],
        marketplaces=["wildberries", "ozon"],
        sku_count=12,
        units_per_month=1000,
        proposal_file=None,
        amount=None,
    )
    client.force_login(manager)
    card = reverse("deals:detail", args=[request.pk])

    # «Сформировать КП»: acceptance 12.50 and recount 3.125 × 1 000 units a month, labeling
    # 4.50 × 1 000 → 12 500 + 3 125 + 4 500 = 20 125.00 ₽.
    made = client.post(
        reverse("documents:generate", args=[request.pk, "proposal"]),
        {"expected_stage": "proposal"},
    )
    assert made["Location"] == card
    request.refresh_from_db()
    proposal = Document.objects.get(deal=request, kind="proposal")
    assert request.amount == proposal.amount == Decimal("20125.00")
    assert request.proposal_file.name == proposal.file.name
    text = pdf_text(proposal.file.read())
    assert "Коммерческое предложение № 1" in text
    assert "20 125,00 руб. (Двадцать тысяч сто двадцать пять рублей 00 копеек)" in text

    # «Отправить клиенту»: the КП's letter, as its template fills it, sent over SMTP.
    compose = reverse("correspondence:compose", args=[request.pk]) + "?purpose=proposal"
    draft = client.get(compose).context["form"].initial
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(compose, {**draft, "body": draft["body"] + "\n\nЖдем ответа."})
    assert sent.status_code == 302
    (message,) = [received.message for received in smtp.received]
    assert message["To"] == "Ирина Клиентова <irina@client.example>"
    assert message["Reply-To"] == addresses.reply_address(request.pk)
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_content() == proposal.file.open("rb").read()
    outgoing = OutgoingEmail.objects.get(deal=request)
    assert outgoing.status == OutgoingEmail.Status.SENT

    # The client answers in the thread; the reply is on the request's card, the manager told.
    imap.append(
        reply(request.pk, "<yes-1@client.example>", "Re: КП", "КП подходит.", outgoing.message_id)
    )
    assert mailbox.mailbox_read() == 1
    assert "КП подходит." in client.get(card).content.decode()
    assert Notification.objects.filter(recipient=manager, event="client_email").count() == 1

    # The director approves, the client said yes: won. The automation hands it over to an
    # acceptance and keeps the КП's prices as the client's.
    with django_capture_on_commit_callbacks(execute=True):
        services.deal_move(deal=request, transition="to_director_approval", actor=manager)
    approval = Task.objects.get(deal=request, kind=Task.Kind.APPROVAL)
    with django_capture_on_commit_callbacks(execute=True):
        approval_approve(task=approval, actor=director)
    request.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.deal_move(deal=request, transition="to_client_approval", actor=manager)
        request.refresh_from_db()
        services.deal_move(deal=request, transition="to_won", actor=manager)
    acceptance = Handoff.objects.get(source=request, pipeline="acceptance").target.as_pipeline()
    assert AgreedPrice.objects.filter(company=company, source_deal=request).count() == 3

    # The goods come, are recounted and agreed (the warehouse's part, as the services do it).
    with django_capture_on_commit_callbacks(execute=True):
        services.deal_move(
            deal=acceptance,
            transition="to_to_warehouse",
            actor=manager,
            data={
                "arrival_date": datetime.date(2026, 12, 3),
                "boxes": 4,
                "units": 400,
                "delivery_method": "transport_company",
                "acceptance_type": "by_units",
            },
        )
    acceptance.refresh_from_db()
    services.deal_set_automation_fields(
        deal=acceptance,
        values={"recount_file": ContentFile(b"SKU;qty\n1;398\n", name="recount.csv")},
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.deal_move(deal=acceptance, transition="to_recount_approval", actor=manager)
        acceptance.refresh_from_db()
        services.deal_move(
            deal=acceptance,
            transition="to_invoice",
            actor=manager,
            data={"recount_agreed": True, "accepted_units": 398},
        )

    # «Выставить счет» at the client's agreed prices: (12.50 + 3.125) × 398 = 4 975.00 +
    # 1 243.75 = 6 218.75 ₽, VAT 20 % included: 6 218.75 × 20 / 120 = 1 036.46 ₽.
    acceptance_card = reverse("deals:detail", args=[acceptance.pk])
    client.post(
        reverse("documents:generate", args=[acceptance.pk, "invoice"]),
        {"expected_stage": "invoice"},
    )
    acceptance.refresh_from_db()
    invoice = Document.objects.get(deal=acceptance, kind="invoice")
    assert (acceptance.invoice_number, acceptance.amount) == ("1", Decimal("6218.75"))
    assert invoice.vat_amount == Decimal("1036.46")
    text = pdf_text(invoice.file.read())
    assert "Счет на оплату № 1" in text
    assert "Шесть тысяч двести восемнадцать рублей 75 копеек" in text

    # The invoice to the client, and the move to «Ожидаем оплату по счету» with nothing typed.
    compose = reverse("correspondence:compose", args=[acceptance.pk]) + "?purpose=invoice"
    draft = client.get(compose).context["form"].initial
    with django_capture_on_commit_callbacks(execute=True):
        client.post(compose, draft)
    invoice_mail = smtp.received[-1].message
    assert "Счет" in invoice_mail["Subject"]
    (attachment,) = list(invoice_mail.iter_attachments())
    assert attachment.get_content() == invoice.file.open("rb").read()
    moved = client.post(
        reverse("deals:move", args=[acceptance.pk, "to_awaiting_payment"]),
        {"expected_stage": "invoice"},
    )
    assert moved.status_code == 302
    acceptance.refresh_from_db()
    assert acceptance.stage == "awaiting_payment"

    # «Оплатили»: the client's reply is on the acceptance's card.
    sent_invoice = OutgoingEmail.objects.get(deal=acceptance)
    imap.append(
        reply(
            acceptance.pk,
            "<paid-1@client.example>",
            "Re: Счет",
            "Счет оплатили сегодня.",
            sent_invoice.message_id,
        )
    )
    assert mailbox.mailbox_read() == 1
    assert IncomingEmail.objects.get(key="<paid-1@client.example>").deal_id == acceptance.pk
    assert "Счет оплатили сегодня." in client.get(acceptance_card).content.decode()
    assert Deal.objects.get(pk=acceptance.pk).stage == "awaiting_payment"
