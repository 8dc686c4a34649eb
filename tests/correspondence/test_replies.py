"""Replies read from a real IMAP server (dovecot started by the test): matched by the deal's
reply address or the thread, Russian encodings, attachments kept, the manager notified, each
message stored once; unmatched mail attached by an administrator."""

from __future__ import annotations

import base64

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from correspondence import addresses, mailbox, services
from correspondence.models import IncomingEmail, MailboxState
from deals.page_selectors import deal_timeline
from fulfillment.models import Notification


def b64(text: str, charset: str) -> str:
    return base64.b64encode(text.encode(charset)).decode()


def reply_by_address(deal_id: int) -> bytes:
    """Outlook-style: windows-1251 text, subject and file name as encoded words."""
    name = "=?windows-1251?B?" + b64("Пересчет подписан.pdf", "windows-1251") + "?="
    return (
        "From: =?windows-1251?B?"
        + b64("Ирина Клиентова", "windows-1251")
        + "?= <irina@client.example>\r\n"
        f"To: {addresses.reply_address(deal_id)}\r\n"
        "Subject: =?windows-1251?B?" + b64("RE: Данные пересчета", "windows-1251") + "?=\r\n"
        "Message-ID: <reply-1@client.example>\r\n"
        "Date: Fri, 04 Dec 2026 12:00:00 +0300\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="mix"\r\n\r\n'
        "--mix\r\nContent-Type: text/plain; charset=windows-1251\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n"
        + b64("Количество верное, согласовываем.", "windows-1251")
        + "\r\n--mix\r\n"
        f'Content-Type: application/pdf; name="{name}"\r\n'
        f'Content-Disposition: attachment; filename="{name}"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n"
        + base64.b64encode(b"%PDF-1.4 signed recount").decode()
        + "\r\n--mix--\r\n"
    ).encode()


def reply_in_thread(message_id: str) -> bytes:
    """To the plain mailbox, matched by In-Reply-To; KOI8-R quoted-printable."""
    return (
        b"From: buh@client.example\r\n"
        b"To: crm@fulfil.example\r\n"
        b"Subject: =?koi8-r?Q?=F3=DE=C5=D4_=CF=D0=CC=C1=DE=C5=CE?=\r\n"  # «Счет оплачен»
        b"Message-ID: <reply-2@client.example>\r\n"
        b"In-Reply-To: " + message_id.encode() + b"\r\n"
        b"Content-Type: text/plain; charset=koi8-r\r\n"
        b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        b"=EF=D0=CC=C1=D4=C9=CC=C9 =D3=C5=C7=CF=C4=CE=D1.\r\n"  # «Оплатили сегодня.»
    )


UNMATCHED = (
    b"From: stranger@other.example\r\n"
    b"To: crm@fulfil.example\r\n"
    b"Subject: =?utf-8?B?" + base64.b64encode("Вопрос о хранении".encode()) + b"?=\r\n"
    b"Message-ID: <stranger-1@other.example>\r\n"
    b"Content-Type: text/html; charset=utf-8\r\n\r\n" + "<p>Сколько стоит хранение?</p>".encode()
)


def forged(deal_id: int) -> bytes:
    address = addresses.reply_address(deal_id).replace(f"+d{deal_id}.", f"+d{deal_id + 1}.")
    return (
        f"From: spoof@evil.example\r\nTo: {address}\r\nSubject: guess\r\n"
        "Message-ID: <forged-1@evil.example>\r\n\r\nhello\r\n"
    ).encode()


@pytest.mark.django_db
def test_replies_are_matched_stored_once_and_the_manager_notified(
    imap, client_deal, manager, client
):
    sent = services.email_send(deal=client_deal, actor=manager, purpose="invoice")
    imap.append(
        reply_by_address(client_deal.pk),
        reply_in_thread(sent.message_id),
        UNMATCHED,
        forged(client_deal.pk),
    )

    assert mailbox.mailbox_read() == 4
    by_address = IncomingEmail.objects.get(key="<reply-1@client.example>")
    assert by_address.deal_id == client_deal.pk
    assert by_address.matched_by == IncomingEmail.Match.ADDRESS
    assert by_address.from_name == "Ирина Клиентова"
    assert by_address.subject == "RE: Данные пересчета"
    assert by_address.body == "Количество верное, согласовываем."
    (attachment,) = by_address.attachments.all()
    assert attachment.name == "Пересчет подписан.pdf"
    assert attachment.file.read() == b"%PDF-1.4 signed recount"

    in_thread = IncomingEmail.objects.get(key="<reply-2@client.example>")
    assert (in_thread.deal_id, in_thread.matched_by) == (client_deal.pk, "thread")
    assert in_thread.in_reply_to == sent
    assert (in_thread.subject, in_thread.body) == ("Счет оплачен", "Оплатили сегодня.")

    assert IncomingEmail.objects.get(key="<stranger-1@other.example>").deal is None
    assert IncomingEmail.objects.get(key="<forged-1@evil.example>").deal is None

    notes = Notification.objects.filter(recipient=manager, event="client_email")
    assert sorted(n.text for n in notes) == [
        f"Клиент написал по сделке «{client_deal.title}»: RE: Данные пересчета",
        f"Клиент написал по сделке «{client_deal.title}»: Счет оплачен",
    ]

    # Read again: nothing new. Even with the reader's place lost, nothing comes in twice.
    assert mailbox.mailbox_read() == 0
    MailboxState.objects.update(last_uid=0, uidvalidity=0)
    assert mailbox.mailbox_read() == 0
    assert IncomingEmail.objects.count() == 4
    assert notes.count() == 2
    state = MailboxState.objects.get()
    assert state.last_uid == 4 and state.last_error == ""

    # A new message later is read on its own.
    imap.append(
        b"From: irina@client.example\r\nTo: "
        + addresses.reply_address(client_deal.pk).encode()
        + b"\r\nSubject: ok\r\nMessage-ID: <reply-3@client.example>\r\n\r\nok\r\n"
    )
    assert mailbox.mailbox_read() == 1

    # On the deal's timeline, with the attachment downloadable by whoever sees the deal.
    client.force_login(manager)
    page = render_to_string(
        "deals/_timeline.html", {"timeline": deal_timeline(deal=client_deal, user=manager)}
    )
    assert "RE: Данные пересчета" in page and "Количество верное, согласовываем." in page
    assert "Счет оплачен" in page and "Пересчет подписан.pdf" in page
    download = client.get(attachment.file.url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 signed recount"


@pytest.mark.django_db
def test_attachment_is_not_downloadable_by_others(imap, client_deal, other_manager, worker, client):
    imap.append(reply_by_address(client_deal.pk))
    mailbox.mailbox_read()
    attachment = IncomingEmail.objects.get().attachments.get()
    for outsider in (other_manager, worker):
        client.force_login(outsider)
        assert client.get(attachment.file.url).status_code == 404


@pytest.mark.django_db
def test_unmatched_mail_is_listed_for_the_administrator_and_attached(
    imap, client_deal, manager, administrator, client
):
    imap.append(UNMATCHED)
    mailbox.mailbox_read()
    email = IncomingEmail.objects.get()
    client.force_login(manager)
    assert client.get(reverse("correspondence:unmatched")).status_code == 403
    client.force_login(administrator)
    page = client.get(reverse("correspondence:unmatched")).content.decode()
    assert "Вопрос о хранении" in page and "Сколько стоит хранение?" in page

    missing = client.post(
        reverse("correspondence:attach", args=[email.pk]), {"deal": 999999}, follow=True
    )
    assert "Сделки №999999 нет." in missing.content.decode()
    client.post(reverse("correspondence:attach", args=[email.pk]), {"deal": client_deal.pk})
    email.refresh_from_db()
    assert email.deal_id == client_deal.pk and email.matched_by == "manual"
    assert email.attached_by == administrator
    assert Notification.objects.filter(recipient=manager, event="client_email").count() == 1
    assert (
        "Вопрос о хранении" not in client.get(reverse("correspondence:unmatched")).content.decode()
    )
    again = client.post(
        reverse("correspondence:attach", args=[email.pk]), {"deal": client_deal.pk}, follow=True
    )
    assert f"Это письмо уже привязано к сделке №{client_deal.pk}." in again.content.decode()


@pytest.mark.django_db
def test_wrong_password_is_recorded_on_the_mailbox_state(imap, settings):
    import imaplib

    settings.IMAP_PASSWORD = "wrong"
    with pytest.raises(imaplib.IMAP4.error):
        mailbox.mailbox_read()
    assert "authentication" in MailboxState.objects.get().last_error.lower()


def test_no_imap_host_reads_nothing(settings):
    settings.IMAP_HOST = ""
    assert mailbox.mailbox_read() == 0
