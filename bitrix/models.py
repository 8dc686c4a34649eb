"""An import of Bitrix24's exports started from the admin: its files, options, progress and
report."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def import_upload_to(instance: ImportFile, filename: str) -> str:
    return f"imports/bitrix24/{timezone.now():%Y/%m}/{filename}"


class ImportRun(models.Model):
    """One run of the import (``bitrix.importer.Importer``) over the files uploaded with it,
    done in the background; its report is kept."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting to start")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    created_at = models.DateTimeField(_("started"), default=timezone.now)
    dry_run = models.BooleanField(
        _("dry run"), default=True, help_text=_("Report what would happen, write nothing.")
    )
    mapping = models.FileField(
        _("mapping file"),
        upload_to=import_upload_to,
        blank=True,
        help_text=_("JSON naming the portal's own pipelines and stages (optional)."),
    )
    default_responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible for unknown people"),
        help_text=_("Takes the deals of people who are not users; empty: such rows are rejected."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    report = models.JSONField(_("report"), null=True, blank=True)
    rejected_csv = models.TextField(_("rejected rows (CSV)"), blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("import from Bitrix24")
        verbose_name_plural = _("imports from Bitrix24")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.created_at:%d.%m.%Y %H:%M}"


class ImportFile(models.Model):
    run = models.ForeignKey(
        ImportRun, models.CASCADE, related_name="files", verbose_name=_("import")
    )
    file = models.FileField(_("file"), upload_to=import_upload_to)
    name = models.CharField(_("name"), max_length=255)

    class Meta:
        verbose_name = _("export file")
        verbose_name_plural = _("export files")

    def __str__(self) -> str:
        return self.name


class Webhook(models.Model):
    """A Bitrix24-style inbound webhook: ``/rest/{user id}/{token}/{method}`` acts as its user,
    with that user's permissions. Only the token's SHA-256 is kept; it is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="+", verbose_name=_("user")
    )
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    label = models.CharField(_("what it is for"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    lead_responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible for website requests"),
        help_text=_(
            "Gets the calculation requests this webhook's crm.lead.add opens (a website form); "
            "empty: the webhook's user."
        ),
    )

    class Meta:
        verbose_name = _("inbound webhook")
        verbose_name_plural = _("inbound webhooks")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.user} {self.label}".strip()
