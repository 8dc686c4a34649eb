"""Every write of the client's mail: a message sent from a deal (the outbox row, its delivery
and retries), a reply stored on its deal or in the unmatched list, a reply attached by hand.
Pages, the API, the admin and the Celery tasks all call these.

The outbox follows the automation's and the notifications' pattern
(``deals/automation.py``, ``fulfillment/notifications.py``): the ``OutgoingEmail`` row is
written in the request's transaction with status «в очереди»; on commit its id goes to Celery
(``correspondence.tasks.send_outgoing``); the delivery locks the row (``skip_locked``: a
concurrent delivery of the same message skips it), sends it over SMTP and marks it sent or
failed in one transaction, so a message is sent once however many deliveries arrive. Beat's
``sweep_outgoing`` sends what is still queued after its lease (the broker lost it) and retries
failures after their countdown, up to ``MAX_ATTEMPTS``.
"""

from __future__ import annotations

import logging
import mimetypes
import smtplib
from dataclasses import dataclass
from datetime import timedelta
from email.utils import formataddr

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.fields.files import FieldFile
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext, override
from django.utils.translation import gettext_lazy as _

from correspondence import addresses, notifications
from correspondence.models import (
    IncomingAttachment,
    IncomingEmail,
    OutgoingEmail,
    Purpose,
)
from correspondence.parsing import ParsedEmail
from deals.guards import can_move_deal
from deals.models import Contact, Deal
from deals.validators import DESCRIPTION_MAX_LENGTH
from documents.selectors import deal_documents, latest_document
from fulfillment.exceptions import ApplicationError, PermissionDeniedError
from fulfillment.roles import AnyUser, is_administrator, is_sales, person_name

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = OutgoingEmail.MAX_ATTEMPTS
SUBJECT_MAX_LENGTH = 255
BODY_MAX_LENGTH = DESCRIPTION_MAX_LENGTH


class EmailError(ApplicationError):
    """A message to the client was refused; nothing was saved."""


# --- what a message of each purpose carries -----------------------------------------------


_DOCUMENT_KINDS = (Purpose.PROPOSAL, Purpose.INVOICE, Purpose.ACT)


def latest_document_files(deal: Deal, user: AnyUser) -> dict[str, FieldFile]:
    """The newest generated document's file of each kind (КП, invoice, act), from the deal's
    documents as the card reads them once (``documents.selectors.deal_documents``, shared
    with the documents' panel and timeline)."""
    files: dict[str, FieldFile] = {}
    for document in deal_documents(deal=deal, user=user):  # newest first
        if document.kind in _DOCUMENT_KINDS and document.file:
            files.setdefault(document.kind, document.file)
    return files


def purpose_attachment(
    deal: Deal, purpose: str, documents: dict[str, FieldFile] | None = None
) -> FieldFile | None:
    """The file a message of ``purpose`` sends: the КП and the invoice from the deal's own
    field, else the newest generated document of that kind; the recount from the deal; the
    act from the newest generated act. ``documents`` (``latest_document_files``) saves the
    queries when several purposes are asked about."""
    own_field = {
        Purpose.PROPOSAL: "proposal_file",
        Purpose.RECOUNT: "recount_file",
        Purpose.INVOICE: "invoice_file",
    }.get(purpose)
    if own_field:
        own = getattr(deal, own_field, None)
        if own:
            return own
    if purpose not in _DOCUMENT_KINDS:
        return None
    if documents is not None:
        return documents.get(str(purpose))
    document = latest_document(deal=deal, kind=str(purpose))
    return document.file if document is not None and document.file else None


_NO_ATTACHMENT = {
    Purpose.PROPOSAL: _("The deal has no commercial proposal file yet: generate or upload it."),
    Purpose.RECOUNT: _("The deal has no recount file yet."),
    Purpose.INVOICE: _("The deal has no invoice file yet: generate or upload it."),
    Purpose.ACT: _("No act of work done has been generated for the deal yet."),
}


def email_recipients(deal: Deal) -> list[Contact]:
    """Who the client's mail may go to: the deal's contact person first, then the other
    contact persons of its company, those with an e-mail only (one query)."""
    if not deal.contact_id and not deal.company_id:
        return []
    people = Q(pk=deal.contact_id) if deal.contact_id else Q(pk__in=[])
    if deal.company_id:
        people |= Q(company_id=deal.company_id)
    contacts = list(Contact.objects.filter(people).exclude(email="").order_by("name", "pk"))
    return sorted(contacts, key=lambda c: c.pk != deal.contact_id)


def may_email_client(deal: Deal, user: AnyUser) -> bool:
    """Whoever may edit the deal writes to its client: its manager, the director, admins
    (never warehouse staff)."""
    return is_sales(user) and can_move_deal(deal, user)


@dataclass
class Draft:
    """A message as its template fills it, for the person to edit before sending."""

    purpose: str
    contact: Contact
    subject: str
    body: str
    attachment: FieldFile

    @property
    def attachment_name(self) -> str:
        return self.attachment.name.rsplit("/", 1)[-1]


def email_draft(
    *, deal: Deal, purpose: str, user: AnyUser, contact: Contact | None = None
) -> Draft:
    """The subject and text of ``purpose``'s template (``correspondence/emails/``) for this
    deal and contact, in Russian, and the file it will carry. Refuses when the deal has no
    such file or no contact with an e-mail."""
    if not may_email_client(deal, user):
        raise PermissionDeniedError(gettext("You may not write to this deal's client."))
    if purpose not in Purpose.values:
        raise EmailError(gettext("Choose what the message is about."))
    attachment = purpose_attachment(deal, purpose)
    if attachment is None:
        raise EmailError(str(_NO_ATTACHMENT[purpose]))
    recipients = email_recipients(deal)
    if contact is None:
        if not recipients:
            raise EmailError(
                gettext("The client has no contact person with an e-mail: add one first.")
            )
        contact = recipients[0]
    elif contact.pk not in {c.pk for c in recipients}:
        raise EmailError(gettext("Choose a contact person of the client who has an e-mail."))
    document = latest_document(deal=deal, kind=str(purpose)) if purpose in _DOCUMENT_KINDS else None
    if document is not None and document.file.name != attachment.name:
        document = None  # the deal's own (uploaded) file is sent: its number is the deal's
    context = {
        "deal": deal,
        "company": deal.company,
        "contact": contact,
        "sender": person_name(user),
        "sender_email": getattr(user, "email", ""),
        "invoice_number": deal.invoice_number,
        "document": document,
    }
    with override("ru"):
        subject = render_to_string(f"correspondence/emails/{purpose}_subject.txt", context)
        body = render_to_string(f"correspondence/emails/{purpose}_body.txt", context)
    return Draft(
        purpose=purpose,
        contact=contact,
        subject=" ".join(subject.split())[:SUBJECT_MAX_LENGTH],
        body=body.strip() + "\n",
        attachment=attachment,
    )


# --- sending ------------------------------------------------------------------------------


def email_send(
    *,
    deal: Deal,
    actor: AnyUser,
    purpose: str,
    contact: Contact | None = None,
    subject: str | None = None,
    body: str | None = None,
) -> OutgoingEmail:
    """«Отправить клиенту»: the message (the template's subject and text unless given, the
    purpose's file attached) is written as the outbox row in this transaction and sent over
    SMTP after commit."""
    draft = email_draft(deal=deal, purpose=purpose, user=actor, contact=contact)
    subject = " ".join((draft.subject if subject is None else subject).split())
    body = (draft.body if body is None else body).strip()
    if not subject:
        raise EmailError(gettext("Write the subject of the message."))
    if len(subject) > SUBJECT_MAX_LENGTH:
        raise EmailError(
            gettext("The subject is too long: at most %(limit)s characters.")
            % {"limit": SUBJECT_MAX_LENGTH}
        )
    if not body:
        raise EmailError(gettext("Write the text of the message."))
    if len(body) > BODY_MAX_LENGTH:
        raise EmailError(
            gettext("The text is too long: at most %(limit)s characters.")
            % {"limit": BODY_MAX_LENGTH}
        )
    with transaction.atomic():
        email = OutgoingEmail.objects.create(
            deal=deal,
            purpose=purpose,
            contact=draft.contact,
            to=draft.contact.email,
            subject=subject,
            body=body,
            attachment=draft.attachment.name,
            message_id=addresses.new_message_id(deal.pk),
            reply_to=addresses.reply_address(deal.pk),
            created_by=actor,
            # Left to the on-commit delivery for a lease; the sweep sends it after that.
            next_attempt_at=timezone.now() + _lease(),
        )
        transaction.on_commit(lambda: outgoing_enqueue([email.pk]))
    return email


def _lease() -> timedelta:
    return timedelta(seconds=settings.AUTOMATION_LEASE_SECONDS)


def outgoing_enqueue(ids: list[int]) -> None:
    """Hand messages to Celery. A broker outage is logged, not raised: the row stays queued
    and due, and the sweep sends it at its next round."""
    from correspondence.tasks import send_outgoing

    for pk in ids:
        try:
            send_outgoing.delay(pk)
        except Exception:
            OutgoingEmail.objects.filter(pk=pk).update(next_attempt_at=timezone.now())
            logger.warning("E-mail %s not queued; the sweep will send it", pk, exc_info=True)


def failure_reason(error: BaseException) -> str:
    """Why sending failed, in words a manager can act on."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        refused = "; ".join(
            f"{address}: {code} {_smtp_text(message)}"
            for address, (code, message) in error.recipients.items()
        )
        return gettext("The mail server refused the recipient: %(details)s") % {"details": refused}
    if isinstance(error, smtplib.SMTPResponseException):
        return gettext("The mail server refused the message: %(code)s %(message)s") % {
            "code": error.smtp_code,
            "message": _smtp_text(error.smtp_error),
        }
    if isinstance(error, (OSError, smtplib.SMTPServerDisconnected)):
        return gettext("The mail server is unreachable: %(error)s") % {"error": error}
    return f"{type(error).__name__}: {error}"


def _smtp_text(message: bytes | str) -> str:
    return message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)


def _message(email: OutgoingEmail):
    from django.core.mail import EmailMessage

    message = EmailMessage(
        subject=email.subject,
        body=email.body,
        from_email=settings.CLIENT_MAIL_FROM,
        # «Ирина Клиентова <irina@…>»: the client's mail program shows the name.
        to=[formataddr((email.contact.name, email.to)) if email.contact else email.to],
        reply_to=[email.reply_to],
        headers={"Message-ID": email.message_id},
    )
    if email.attachment:
        with email.attachment.open("rb") as stored:
            content = stored.read()
        name = email.attachment_name
        message.attach(name, content, mimetypes.guess_type(name)[0] or "application/octet-stream")
    return message


def outgoing_send(email_id: int) -> bool:
    """Send one queued (or failed and due) message once. Returns whether it was sent now.

    The row is locked while it is sent and marked in the same transaction: a second delivery
    finds it locked (and skips it) or already sent. A refusal or an unreachable server marks
    it failed with the reason and the time of its retry."""
    now = timezone.now()
    with transaction.atomic():
        email = (
            OutgoingEmail.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("contact")
            .filter(pk=email_id)
            .filter(
                Q(status=OutgoingEmail.Status.QUEUED)
                | Q(
                    status=OutgoingEmail.Status.FAILED,
                    attempts__lt=MAX_ATTEMPTS,
                    next_attempt_at__lte=now,
                )
            )
            .first()
        )
        if email is None:
            return False
        email.attempts += 1
        try:
            with override("ru"):
                _message(email).send(fail_silently=False)
        except Exception as error:
            from deals.automation import retry_delay

            email.status = OutgoingEmail.Status.FAILED
            email.last_error = failure_reason(error)[:2000]
            email.next_attempt_at = timezone.now() + timedelta(seconds=retry_delay(email.attempts))
            email.save(update_fields=["status", "last_error", "attempts", "next_attempt_at"])
            logger.warning("E-mail %s not sent: %s", email.pk, email.last_error)
            return False
        email.status = OutgoingEmail.Status.SENT
        email.sent_at = timezone.now()
        email.last_error = ""
        email.save(update_fields=["status", "sent_at", "last_error", "attempts"])
    return True


def outgoing_sweep(*, limit: int = 200) -> int:
    """Send what is still queued after its lease (lost to a broker outage or a dead worker)
    and retry the failures whose countdown has passed. Returns how many were sent."""
    now = timezone.now()
    ids = list(
        OutgoingEmail.objects.filter(
            Q(status=OutgoingEmail.Status.QUEUED)
            | Q(status=OutgoingEmail.Status.FAILED, attempts__lt=MAX_ATTEMPTS),
            next_attempt_at__lte=now,
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(outgoing_send(pk) for pk in ids)


# --- replies -------------------------------------------------------------------------------


def _match(parsed: ParsedEmail) -> tuple[Deal | None, str, OutgoingEmail | None]:
    """The deal a reply belongs to: by our signed reply address among its recipients, else
    by the messages it answers (In-Reply-To, then References) — ours, or earlier replies
    already on a deal."""
    for address in parsed.recipients:
        deal_id = addresses.deal_id_from_address(address)
        if deal_id is not None:
            deal = Deal.objects.filter(pk=deal_id).first()
            if deal is not None:
                answered = OutgoingEmail.objects.filter(
                    deal=deal, message_id__in=parsed.in_reply_to
                ).first()
                return deal, IncomingEmail.Match.ADDRESS, answered
    for ids in (parsed.in_reply_to, list(reversed(parsed.references))):
        if not ids:
            continue
        sent = {e.message_id: e for e in OutgoingEmail.objects.filter(message_id__in=ids)}
        earlier = {
            e.key: e
            for e in IncomingEmail.objects.filter(key__in=ids, deal__isnull=False).select_related(
                "deal"
            )
        }
        for message_id in ids:  # the nearest in the thread first
            if message_id in sent:
                email = sent[message_id]
                return email.deal, IncomingEmail.Match.THREAD, email
            if message_id in earlier:
                return earlier[message_id].deal, IncomingEmail.Match.THREAD, None
    return None, "", None


def incoming_store(parsed: ParsedEmail) -> IncomingEmail | None:
    """Keep a message read from the mailbox: on its deal's timeline with its attachments,
    the deal's responsible notified, or in the unmatched list. Returns None when it was
    stored already (read twice, or by another worker: the unique key decides)."""
    if IncomingEmail.objects.filter(key=parsed.key).exists():
        return None
    deal, matched_by, answered = _match(parsed)
    try:
        with transaction.atomic():
            # The row first: a second reader fails here, before writing any file.
            email = IncomingEmail.objects.create(
                key=parsed.key,
                deal=deal,
                matched_by=matched_by,
                in_reply_to=answered,
                from_name=parsed.from_name,
                from_address=parsed.from_address,
                to=parsed.to_display,
                subject=parsed.subject,
                body=parsed.body,
                sent_at=parsed.sent_at,
            )
            for attachment in parsed.attachments:
                stored = IncomingAttachment(
                    email=email,
                    name=attachment.name,
                    content_type=attachment.content_type[:255],
                    size=len(attachment.content),
                )
                stored.file.save(attachment.name, ContentFile(attachment.content), save=False)
                stored.save()
            if deal is not None:
                notifications.reply_received(email=email)
    except IntegrityError:
        return None
    return email


def incoming_attach(*, email: IncomingEmail, deal_number: int, actor: AnyUser) -> IncomingEmail:
    """«Привязать к сделке»: an administrator puts an unmatched message on a deal's timeline;
    its responsible is notified."""
    if not is_administrator(actor):
        raise PermissionDeniedError(gettext("Only an administrator attaches e-mail to deals."))
    deal = Deal.objects.filter(pk=deal_number).first()
    if deal is None:
        raise EmailError(gettext("There is no deal №%(number)s.") % {"number": deal_number})
    with transaction.atomic():
        locked = IncomingEmail.objects.select_for_update().get(pk=email.pk)
        if locked.deal_id is not None:
            raise EmailError(
                gettext("This e-mail is already on deal №%(number)s.") % {"number": locked.deal_id}
            )
        locked.deal = deal
        locked.matched_by = IncomingEmail.Match.MANUAL
        locked.attached_by = actor
        locked.save(update_fields=["deal", "matched_by", "attached_by"])
        notifications.reply_received(email=locked)
    email.refresh_from_db()
    return email
