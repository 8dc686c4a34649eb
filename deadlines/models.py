"""Stage deadlines: the time limit of a pipeline's stage, the production calendar its working
days follow, and the morning digests already sent (once per person and day)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deals.pipelines import pipeline_choices


class StageDeadline(models.Model):
    """How long a deal may stay in one stage: ``amount`` units counted from entering the stage,
    or from one of the deal's dates (the expected arrival date + 1 day). One rule per stage;
    ``deadlines.services.stage_due_at`` computes the due moment."""

    class Base(models.TextChoices):
        STAGE_ENTRY = "stage_entry", _("entering the stage")
        ARRIVAL_DATE = "arrival_date", _("expected arrival date")
        SHIPMENT_DATE = "shipment_date", _("planned shipment date")
        DEADLINE = "deadline", _("deadline")

    class Unit(models.TextChoices):
        WORKING_DAYS = "working_days", _("working days")
        WORKING_HOURS = "working_hours", _("working hours")
        DAYS = "days", _("calendar days")

    pipeline = models.CharField(_("pipeline"), max_length=20, choices=pipeline_choices())
    stage = models.CharField(_("stage"), max_length=32)
    base = models.CharField(
        _("counted from"), max_length=20, choices=Base.choices, default=Base.STAGE_ENTRY
    )
    amount = models.PositiveIntegerField(_("time limit"))
    unit = models.CharField(
        _("unit"), max_length=20, choices=Unit.choices, default=Unit.WORKING_DAYS
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("stage deadline")
        verbose_name_plural = _("stage deadlines")
        ordering = ["pipeline", "stage"]
        constraints = [
            models.UniqueConstraint(fields=["pipeline", "stage"], name="stage_deadline_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_pipeline_display()}: {self.stage_label}"

    @property
    def stage_label(self) -> str:
        from deals.pipelines import PIPELINES

        pipeline = PIPELINES.get(self.pipeline)
        stage = pipeline.stages_by_code.get(self.stage) if pipeline else None
        return str(stage.label) if stage else self.stage

    def clean(self) -> None:
        from deadlines.services import deadline_rule_errors

        errors = deadline_rule_errors(
            pipeline=self.pipeline, stage=self.stage, base=self.base, unit=self.unit
        )
        if errors:
            raise ValidationError(errors)


class CalendarDay(models.Model):
    """A day of the production calendar that differs from the week: a holiday or a day off
    moved onto a weekday (not working), or a Saturday made a working day. Every other day is
    working from Monday to Friday and not on weekends."""

    day = models.DateField(_("date"), unique=True)
    working = models.BooleanField(
        _("working day"),
        default=False,
        help_text=_("Ticked: a working day (a weekend day moved); empty: a day off."),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("production calendar day")
        verbose_name_plural = _("production calendar")
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day:%d.%m.%Y}"


class OverdueDigest(models.Model):
    """The morning list of a person's overdue deals, sent: once per person and day (the unique
    pair turns a second run, or a concurrent one, into a no-op)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="+",
        verbose_name=_("recipient"),
    )
    day = models.DateField(_("date"))
    deals = models.PositiveIntegerField(_("overdue deals"))
    created_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        verbose_name = _("overdue digest")
        verbose_name_plural = _("overdue digests")
        ordering = ["-day", "recipient"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "day"], name="overdue_digest_once"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient} {self.day:%d.%m.%Y}"
