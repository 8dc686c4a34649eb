"""Sending from the deal through the outbox to a real SMTP server (aiosmtpd): what arrives,
failures with their reasons, the sweep's retry, never twice."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from correspondence import addresses, services
from correspondence.models import OutgoingEmail
from documents.models import Document
from fulfillment.exceptions import ApplicationError, PermissionDeniedError
from tests.correspondence.conftest import free_port
from tests.factories import ContactFactory, make_deal


def send(deal, actor, purpose="invoice", **kwargs):
    return services.email_send(deal=deal, actor=actor, purpose=purpose, **kwargs)


@pytest.mark.django_db
def test_invoice_arrives_with_cyrillic_subject_reply_to_and_attachment(
    smtp, client_deal, manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        email = send(client_deal, manager, subject="Счет № 17 — оплата до пятницы")
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENT and email.sent_at and email.attempts == 1
    (received,) = smtp.received
    assert received.rcpt_tos == ["irina@client.example"]
    assert received.mail_from == "crm@fulfil.example"
    message = received.message
    # Django folds an encoded subject onto the next line; unfolded, it is the text typed.
    assert message["Subject"].strip() == "Счет № 17 — оплата до пятницы"
    assert message["To"] == "Ирина Клиентова <irina@client.example>"
    assert message["Message-ID"] == email.message_id
    assert email.message_id.endswith("@fulfil.example>")
    reply_to = message["Reply-To"]
    assert reply_to == addresses.reply_address(client_deal.pk)
    assert reply_to.startswith(f"crm+d{client_deal.pk}.") and reply_to.endswith("@fulfil.example")
    assert addresses.deal_id_from_address(reply_to) == client_deal.pk
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "Ирина Клиентова" in body and "№ 17" in body
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == "Счет_17.pdf"  # as storage keeps it
    assert attachment.get_content() == b"%PDF-1.4 invoice 17"


@pytest.mark.django_db
def test_template_prefills_subject_and_text_per_purpose(client_deal, manager):
    proposal = services.email_draft(deal=client_deal, purpose="proposal", user=manager)
    recount = services.email_draft(deal=client_deal, purpose="recount", user=manager)
    invoice = services.email_draft(deal=client_deal, purpose="invoice", user=manager)
    assert proposal.subject.startswith("Коммерческое предложение")
    assert proposal.attachment_name == "КП.pdf"
    assert recount.subject.startswith("Данные пересчета на согласование")
    assert "подтвердите" in recount.body and recount.attachment_name == "Пересчет.csv"
    assert invoice.subject.startswith("Счет на оплату № 17")
    assert invoice.body.startswith("Здравствуйте, Ирина Клиентова!")
    with pytest.raises(ApplicationError, match="Акт выполненных работ"):
        services.email_draft(deal=client_deal, purpose="act", user=manager)


@pytest.mark.django_db
def test_act_and_proposal_come_from_generated_documents(
    smtp, manager, django_capture_on_commit_callbacks
):
    from django.core.files.base import ContentFile

    contact = ContactFactory(email="boss@client.example")
    deal = make_deal("processing", "awaiting_payment", responsible=manager, contact=contact)
    Document.objects.create(
        deal=deal,
        kind="act",
        number="А-5",
        amount=100,
        file=ContentFile(b"%PDF act 5", name="act-5.pdf"),
    )
    draft = services.email_draft(deal=deal, purpose="act", user=manager)
    assert draft.subject.startswith("Акт выполненных работ № А-5")
    with django_capture_on_commit_callbacks(execute=True):
        send(deal, manager, purpose="act")
    (attachment,) = list(smtp.received[0].message.iter_attachments())
    assert attachment.get_content() == b"%PDF act 5"


@pytest.mark.django_db
def test_refused_message_is_failed_with_reason_and_sent_once_by_a_later_sweep(
    smtp, client_deal, manager, django_capture_on_commit_callbacks
):
    smtp.refuse = "554 5.7.1 Сообщение отклонено политикой"
    with django_capture_on_commit_callbacks(execute=True):
        email = send(client_deal, manager)
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.FAILED
    assert "554" in email.last_error and "отклонено" in email.last_error
    assert email.attempts == 1 and email.will_retry
    assert smtp.received == []
    # Not before its retry is due …
    assert services.outgoing_sweep() == 0
    smtp.refuse = ""
    OutgoingEmail.objects.filter(pk=email.pk).update(
        next_attempt_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert services.outgoing_sweep() == 1
    assert services.outgoing_sweep() == 0  # … and never again once sent
    assert services.outgoing_send(email.pk) is False
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENT and email.last_error == ""
    assert email.attempts == 2
    assert len(smtp.received) == 1


@pytest.mark.django_db
def test_server_down_is_failed_with_reason(
    settings, client_deal, manager, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nothing listens
    with django_capture_on_commit_callbacks(execute=True):
        email = send(client_deal, manager)
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.FAILED
    assert email.last_error.startswith("Почтовый сервер недоступен")


@pytest.mark.django_db
def test_failures_stop_after_max_attempts(
    smtp, client_deal, manager, django_capture_on_commit_callbacks
):
    smtp.refuse = "550 no"
    with django_capture_on_commit_callbacks(execute=True):
        email = send(client_deal, manager)
    for _attempt in range(OutgoingEmail.MAX_ATTEMPTS + 2):
        OutgoingEmail.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now())
        services.outgoing_sweep()
    email.refresh_from_db()
    assert email.attempts == OutgoingEmail.MAX_ATTEMPTS and not email.will_retry


@pytest.mark.django_db
def test_queued_message_lost_by_the_broker_is_sent_by_the_sweep(smtp, client_deal, manager):
    email = send(client_deal, manager)  # the on-commit delivery never happens (no commit)
    assert email.status == OutgoingEmail.Status.QUEUED
    assert services.outgoing_sweep() == 0  # its delivery's lease has not run out
    OutgoingEmail.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now())
    assert services.outgoing_sweep() == 1
    assert services.outgoing_send(email.pk) is False  # a late duplicate delivery
    assert len(smtp.received) == 1


@pytest.mark.django_db
def test_broker_outage_leaves_it_due_for_the_sweep(monkeypatch, client_deal, manager):
    from correspondence import tasks

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.send_outgoing, "delay", broker_down)
    email = send(client_deal, manager)
    services.outgoing_enqueue([email.pk])
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.QUEUED
    assert email.next_attempt_at <= timezone.now()


@pytest.mark.django_db
def test_console_backend_of_the_embedded_default_marks_it_sent(
    settings, client_deal, manager, django_capture_on_commit_callbacks, capsys
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        email = send(client_deal, manager)
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENT
    printed = capsys.readouterr().out
    assert "<irina@client.example>" in printed and email.message_id in printed


@pytest.mark.django_db
def test_who_may_send(client_deal, manager, other_manager, director, worker):
    mail.outbox = []
    with pytest.raises(PermissionDeniedError):
        send(client_deal, other_manager)
    with pytest.raises(PermissionDeniedError):
        send(client_deal, worker)
    assert send(client_deal, director).created_by == director


@pytest.mark.django_db
def test_recipient_must_be_a_contact_of_the_client_with_an_email(client_deal, manager):
    stranger = ContactFactory(email="x@elsewhere.example")
    with pytest.raises(ApplicationError, match="контактное лицо"):
        send(client_deal, manager, contact=stranger)
    colleague = ContactFactory(company=client_deal.company, email="buh@client.example")
    assert send(client_deal, manager, contact=colleague).to == "buh@client.example"
    no_mail = make_deal("acceptance", "recount_approval", responsible=manager)
    with pytest.raises(ApplicationError, match="e-mail"):
        send(no_mail, manager, purpose="recount")


@pytest.mark.django_db
def test_empty_or_multiline_subject(client_deal, manager):
    with pytest.raises(ApplicationError, match="тему"):
        send(client_deal, manager, subject="  ")
    assert send(client_deal, manager, subject="Счет\r\nBcc: x@evil.example").subject == (
        "Счет Bcc: x@evil.example"
    )
    with pytest.raises(ApplicationError, match="текст"):
        send(client_deal, manager, body="\n")


def test_reply_address_cannot_be_forged(settings):
    settings.CLIENT_MAIL_REPLY_TO = "crm@fulfil.example"
    good = addresses.reply_address(42)
    assert addresses.deal_id_from_address(good.upper()) == 42
    forged = good.replace("+d42.", "+d43.")
    assert addresses.deal_id_from_address(forged) is None
    assert addresses.deal_id_from_address("crm+d42.000000000000@fulfil.example") is None
    assert addresses.deal_id_from_address(good.replace("fulfil.example", "evil.example")) is None
