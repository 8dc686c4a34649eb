"""What happened to a deal: its stage history and the automation jobs its moves recorded."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deals.models.companies import LossReason
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

    class Meta:
        verbose_name = _("stage change")
        verbose_name_plural = _("stage history")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.deal_id}: {self.from_stage or '∅'} → {self.to_stage}"

    def stage_label(self, code: str) -> str:
        pipeline = get_pipeline(self.deal.pipeline)
        return str(pipeline.stage(code).label) if code else ""


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
