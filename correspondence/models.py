"""E-mail with the client: the outbox of messages sent from a deal, the replies read from the
mailbox (with their attachments), and where the mailbox reader left off."""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deals.validators import DESCRIPTION_MAX_LENGTH, text_cap


class Purpose(models.TextChoices):
    """What a message to the client is about; each has its template and its attachment."""

    PROPOSAL = "proposal", _("commercial proposal")
    RECOUNT = "recount", _("recount data for approval")
    INVOICE = "invoice", _("invoice")
    ACT = "act", _("act of work done")


class OutgoingEmail(models.Model):
    """A message to the client, written in the request's transaction as the outbox row and
    sent over SMTP after commit; its status says whether it left."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    MAX_ATTEMPTS = 5  # an SMTP failure is retried by the sweep until this many attempts in all

    deal = models.ForeignKey(
        "deals.Deal", models.CASCADE, related_name="outgoing_emails", verbose_name=_("deal")
    )
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices)
    contact = models.ForeignKey(
        "deals.Contact",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("contact person"),
    )
    to = models.EmailField(_("recipient"))
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("text"), **text_cap(DESCRIPTION_MAX_LENGTH))
    # The deal's or the document's own stored file (names are never reused), not a copy.
    attachment = models.FileField(_("attachment"), max_length=255, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    reply_to = models.EmailField(_("reply address"), max_length=255)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("error"), blank=True)
    # When the sweep may (re)send it: a fresh message is left to its on-commit delivery for a
    # while, a failed one waits for its retry.
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sent by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("e-mail to a client")
        verbose_name_plural = _("e-mails to clients")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["deal", "-created_at"], name="outgoing_email_deal"),
            models.Index(fields=["status", "next_attempt_at"], name="outgoing_email_due"),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def attachment_name(self) -> str:
        return PurePath(self.attachment.name).name if self.attachment else ""

    @property
    def will_retry(self) -> bool:
        return self.status == self.Status.FAILED and self.attempts < self.MAX_ATTEMPTS


class IncomingEmail(models.Model):
    """A message read from the mailbox: on its deal's timeline, or unmatched until an
    administrator attaches it. ``key`` (the Message-ID, else a hash of the raw message) is
    unique, so a message read twice, or by two workers, is stored once."""

    class Match(models.TextChoices):
        ADDRESS = "address", _("by the reply address")
        THREAD = "thread", _("by the thread (In-Reply-To, References)")
        MANUAL = "manual", _("attached by an administrator")

    key = models.CharField(_("Message-ID"), max_length=255, unique=True)
    deal = models.ForeignKey(
        "deals.Deal",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="incoming_emails",
        verbose_name=_("deal"),
    )
    matched_by = models.CharField(_("matched"), max_length=8, choices=Match.choices, blank=True)
    in_reply_to = models.ForeignKey(
        OutgoingEmail,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="replies",
        verbose_name=_("reply to"),
    )
    from_name = models.CharField(_("sender's name"), max_length=255, blank=True)
    from_address = models.CharField(_("sender"), max_length=255, blank=True)
    to = models.TextField(_("recipients"), blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body = models.TextField(_("text"), blank=True)
    sent_at = models.DateTimeField(_("written at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    attached_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("attached by"),
    )

    class Meta:
        verbose_name = _("e-mail from a client")
        verbose_name_plural = _("e-mails from clients")
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["deal", "-received_at"], name="incoming_email_deal")]

    def __str__(self) -> str:
        return self.subject or self.key

    @property
    def moment(self):
        return self.sent_at or self.received_at


def incoming_upload_to(instance: IncomingAttachment, filename: str) -> str:
    return f"mail/{uuid.uuid4().hex}/{PurePath(filename).name}"


class IncomingAttachment(models.Model):
    email = models.ForeignKey(
        IncomingEmail, models.CASCADE, related_name="attachments", verbose_name=_("e-mail")
    )
    file = models.FileField(_("file"), upload_to=incoming_upload_to, max_length=255)
    name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=255, blank=True)
    size = models.PositiveIntegerField(_("size, bytes"), default=0)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class MailboxState(models.Model):
    """Where the reader left off in a mailbox folder: its UIDVALIDITY and the highest UID
    read. A changed UIDVALIDITY (the folder was rebuilt) starts over from the first message;
    the unique ``IncomingEmail.key`` keeps what was stored already from coming in twice."""

    mailbox = models.CharField(_("mailbox"), max_length=255, unique=True)
    uidvalidity = models.BigIntegerField(_("UIDVALIDITY"), default=0)
    last_uid = models.BigIntegerField(_("last UID read"), default=0)
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    last_error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("mailbox state")
        verbose_name_plural = _("mailbox states")

    def __str__(self) -> str:
        return self.mailbox
