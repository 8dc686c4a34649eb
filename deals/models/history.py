"""What happened to a deal: its stage history, the changes of its fields (and of its
company's and contacts'), and the automation jobs its moves recorded."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deals.models.companies import Company, Contact, LossReason
from deals.models.deals import Deal
from deals.pipelines import get_pipeline
from deals.validators import COMMENT_MAX_LENGTH, text_cap


class StageChange(models.Model):
    """One move of a deal: who, when, from, to, with what comment (the deal's stage history)."""

    deal = models.ForeignKey(
        Deal, models.CASCADE, related_name="stage_changes", verbose_name=_("deal")
    )
    transition = models.CharField(_("move"), max_length=64)
    from_stage = models.CharField(_("from stage"), max_length=32, blank=True)
    to_stage = models.CharField(_("to stage"), max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    comment = models.TextField(_("comment"), blank=True, **text_cap(COMMENT_MAX_LENGTH))
    reason = models.ForeignKey(
        LossReason,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reason"),
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    # When the deal had entered ``from_stage``: the stay this move ends is ``created_at`` minus
    # it. Kept on the row by the move (which knows it), and the deal's pipeline with it (a
    # deal never changes pipeline), so the analytics read a pipeline's entries and stays off
    # covering indexes instead of joining every history row to its deal and pairing it with
    # the next row (``bench_reports``: a year of a pipeline's funnel at a million rows).
    from_stage_entered_at = models.DateTimeField(
        _("in the stage left since"), null=True, blank=True, editable=False
    )
    pipeline = models.CharField(_("pipeline"), max_length=20, editable=False)

    class Meta:
        verbose_name = _("stage change")
        verbose_name_plural = _("stage history")
        ordering = ["created_at", "pk"]
        indexes = [
            # The funnel's reads: a pipeline's entries into stages, and its stays, in a period.
            models.Index(
                fields=["pipeline", "created_at"],
                include=["to_stage", "deal"],
                name="stage_change_entries",
            ),
            models.Index(
                fields=["pipeline", "from_stage_entered_at"],
                include=["from_stage", "to_stage", "deal", "created_at"],
                name="stage_change_stays",
            ),
            # Wins and losses of every pipeline in a period (the managers' results).
            models.Index(
                fields=["to_stage", "pipeline", "created_at"], name="stage_change_closings"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.deal_id}: {self.from_stage or '∅'} → {self.to_stage}"

    def save(self, *args, **kwargs) -> None:
        if not self.pipeline:
            self.pipeline = self.deal.pipeline
        super().save(*args, **kwargs)

    def stage_label(self, code: str) -> str:
        pipeline = get_pipeline(self.deal.pipeline)
        return str(pipeline.stage(code).label) if code else ""


class FieldChange(models.Model):
    """One field of a deal, a company or a contact person changed: old → new, who, when.

    The audit trail. Written by the services in the transaction of the change (never by
    the pages), one row per field whose value differs. ``old_value``/``new_value`` are the
    values as data (a reference's id, a file's name, a date in ISO form); ``old_text``/
    ``new_text`` are what people saw then (the company's name, the choice's label), so a
    renamed or deleted reference still reads as it did. A company's details changed from a
    deal's card carry the deal too, so they show on both cards; a contact's carry its company.
    """

    class Subject(models.TextChoices):
        DEAL = "deal", _("deal")
        COMPANY = "company", _("company")
        CONTACT = "contact", _("contact person")

    subject = models.CharField(_("what changed"), max_length=10, choices=Subject.choices)
    deal = models.ForeignKey(
        Deal,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="field_changes",
        verbose_name=_("deal"),
    )
    company = models.ForeignKey(
        Company,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="field_changes",
        verbose_name=_("company"),
    )
    contact = models.ForeignKey(
        Contact,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="field_changes",
        verbose_name=_("contact person"),
    )
    field = models.CharField(_("field"), max_length=64)
    old_value = models.JSONField(_("old value"), null=True, blank=True)
    new_value = models.JSONField(_("new value"), null=True, blank=True)
    old_text = models.TextField(_("was"), blank=True)
    new_text = models.TextField(_("became"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("field change")
        verbose_name_plural = _("field changes")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["deal", "created_at"], name="field_change_deal"),
            models.Index(fields=["company", "created_at"], name="field_change_company"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} {self.field}: {self.old_text or '∅'} → {self.new_text or '∅'}"

    @property
    def model(self) -> type[models.Model]:
        return {"deal": Deal, "company": Company, "contact": Contact}[self.subject]

    @property
    def field_label(self) -> str:
        """The field's name as people know it («Сумма», «ИНН»)."""
        try:
            label = str(self.model._meta.get_field(self.field).verbose_name)
        except FieldDoesNotExist:  # a column removed since: its code is all there is
            return self.field
        return label[:1].upper() + label[1:]

    @property
    def is_file(self) -> bool:
        try:
            return isinstance(self.model._meta.get_field(self.field), models.FileField)
        except FieldDoesNotExist:
            return False


class AutomationJob(models.Model):
    """One stage-entry action to run after a move commits (the outbox).

    Written in the same transaction as the move, so a move never happens without its
    automation; sent to Celery on commit and re-sent by the periodic sweep while pending.
    The unique (stage change, action) pair makes each entry's action exist once.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    deal = models.ForeignKey(
        Deal, models.CASCADE, related_name="automation_jobs", verbose_name=_("deal")
    )
    stage_change = models.ForeignKey(
        StageChange, models.CASCADE, related_name="automation_jobs", verbose_name=_("stage change")
    )
    action = models.CharField(_("action"), max_length=100)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # When the sweep may send the job (again): pushed ahead while a delivery is in flight and
    # while a retry waits for its countdown, so the sweep sends only what is due.
    next_run_at = models.DateTimeField(_("next run"), default=timezone.now)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)

    class Meta:
        verbose_name = _("automation job")
        verbose_name_plural = _("automation jobs")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["stage_change", "action"], name="automation_job_once"),
        ]
        indexes = [models.Index(fields=["status", "next_run_at"], name="automation_due")]

    def __str__(self) -> str:
        return f"{self.action} for deal {self.deal_id} ({self.status})"


class Handoff(models.Model):
    """A deal opened by the automation in another pipeline from a source deal.

    The unique (source, pipeline) pair is what makes a handoff happen once: a second delivery
    of the same job, or a race of two, cannot open a second follow-up deal.
    """

    source = models.ForeignKey(
        Deal, models.CASCADE, related_name="handoffs_out", verbose_name=_("source deal")
    )
    pipeline = models.CharField(_("pipeline"), max_length=20)
    target = models.OneToOneField(
        Deal, models.CASCADE, related_name="handoff_in", verbose_name=_("opened deal")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("handoff")
        verbose_name_plural = _("handoffs")
        constraints = [
            models.UniqueConstraint(fields=["source", "pipeline"], name="handoff_once"),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} → {self.pipeline} #{self.target_id}"
