"""Warehouse work: time spent on tasks, and who gets new tasks by default."""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deals.models import Task
from deals.pipelines import pipeline_choices
from deals.validators import text_cap


class WorkSession(models.Model):
    """A stretch of work on a task by one worker: «Начать»/«Продолжить» opens it, «Пауза» or
    «Завершить» closes it. A worker has at most one running session (database constraint)."""

    task = models.ForeignKey(
        Task, models.CASCADE, related_name="work_sessions", verbose_name=_("task")
    )
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="work_sessions",
        verbose_name=_("worker"),
    )
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    stopped_at = models.DateTimeField(_("stopped"), null=True, blank=True)
    stopped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("stopped by"),
    )

    class Meta:
        verbose_name = _("work session")
        verbose_name_plural = _("work sessions")
        ordering = ["started_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["worker"],
                condition=models.Q(stopped_at__isnull=True),
                name="one_running_session_per_worker",
            ),
            models.CheckConstraint(
                condition=models.Q(stopped_at__isnull=True)
                | models.Q(stopped_at__gte=models.F("started_at")),
                name="session_stops_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.worker} · {self.task}"

    @property
    def is_running(self) -> bool:
        return self.stopped_at is None

    def seconds(self, now=None) -> int:
        end = self.stopped_at or now or timezone.now()
        return max(0, int((end - self.started_at).total_seconds()))


class DefaultAssignee(models.Model):
    """Who gets a pipeline's new warehouse tasks; without a row they go to the whole queue."""

    pipeline = models.CharField(
        _("pipeline"), max_length=20, unique=True, choices=pipeline_choices()
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="+", verbose_name=_("assignee")
    )

    class Meta:
        verbose_name = _("default assignee")
        verbose_name_plural = _("default assignees")

    def __str__(self) -> str:
        return f"{self.get_pipeline_display()}: {self.assignee}"


class PushSubscription(models.Model):
    """A browser's Web Push endpoint for one user: where phone notifications are sent.

    The browser gives the endpoint and its two keys when the worker allows notifications;
    a push service answering «gone» (404/410) deletes the row.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="push_subscriptions",
        verbose_name=_("user"),
    )
    endpoint = models.URLField(_("endpoint"), max_length=1000, unique=True)
    p256dh = models.CharField(_("public key"), max_length=200)
    auth = models.CharField(_("auth secret"), max_length=100)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("push subscription")
        verbose_name_plural = _("push subscriptions")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.user} · {self.user_agent[:40] or self.endpoint[:40]}"

    def as_subscription_info(self) -> dict:
        """The shape ``pywebpush.webpush`` expects."""
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


# --- the recount of an acceptance («Пересчет») ------------------------------------------------


def recount_upload_to(instance: models.Model, filename: str) -> str:
    """Recount files under a random folder, as the deal's own files are."""
    return f"recount/{uuid.uuid4().hex}/{PurePath(filename).name}"


# A client's comment on a disputed line of the recount.
DISPUTE_MAX_LENGTH = 1000


class RecountLine(models.Model):
    """One SKU of an acceptance: what the client's shipment list expects and what the
    warehouse counted. A line the list did not have (scanned on the phone) is ``unexpected``.
    The counts only change through ops (``RecountOp``), so a change sent twice counts once."""

    deal = models.ForeignKey(
        "deals.Deal", models.CASCADE, related_name="recount_lines", verbose_name=_("deal")
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    article = models.CharField(_("article"), max_length=100, blank=True)
    barcode = models.CharField(_("barcode"), max_length=64, blank=True)
    name = models.CharField(_("name"), max_length=255, blank=True)
    expected = models.PositiveIntegerField(_("expected"), default=0)
    counted = models.PositiveIntegerField(_("counted"), default=0)
    defective = models.PositiveIntegerField(_("defective"), default=0)
    unexpected = models.BooleanField(_("not in the shipment list"), default=False)
    dispute_comment = models.TextField(
        _("client's dispute comment"), blank=True, **text_cap(DISPUTE_MAX_LENGTH)
    )
    disputed_at = models.DateTimeField(_("disputed"), null=True, blank=True)

    class Meta:
        verbose_name = _("recount line")
        verbose_name_plural = _("recount lines")
        # Disputed lines first (the client's corrections on top), then the list's order.
        ordering = [models.F("disputed_at").desc(nulls_last=True), "position", "pk"]
        indexes = [models.Index(fields=["deal", "barcode"], name="recount_line_barcode")]

    def __str__(self) -> str:
        return self.article or self.barcode or self.name or str(self.pk)

    @property
    def accepted(self) -> int:
        """Units taken into storage: counted minus defective (never below zero)."""
        return max(self.counted - self.defective, 0)

    @property
    def differs(self) -> bool:
        """The line goes into the discrepancy act: a count other than expected, or damage."""
        return self.counted != self.expected or self.defective > 0


class RecountPhoto(models.Model):
    """A photo of damaged goods of one line, taken on the phone."""

    line = models.ForeignKey(
        RecountLine, models.CASCADE, related_name="photos", verbose_name=_("recount line")
    )
    file = models.FileField(_("file"), upload_to=recount_upload_to)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("damage photo")
        verbose_name_plural = _("damage photos")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return PurePath(self.file.name).name


class RecountOp(models.Model):
    """A change sent by a phone, under the id the phone gave it: the unique id is what makes
    a resent change (a retry after a dropped connection) apply once."""

    class Kind(models.TextChoices):
        ADD = "add", _("add to a count")
        NEW_LINE = "new_line", _("add an unexpected SKU")

    op_id = models.UUIDField(_("operation id"), unique=True)
    deal = models.ForeignKey(
        "deals.Deal", models.CASCADE, related_name="recount_ops", verbose_name=_("deal")
    )
    line = models.ForeignKey(
        RecountLine, models.CASCADE, null=True, related_name="ops", verbose_name=_("recount line")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    field = models.CharField(_("count"), max_length=10, blank=True)
    delta = models.IntegerField(_("change"), default=0)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("worker")
    )
    created_at = models.DateTimeField(_("applied"), default=timezone.now)

    class Meta:
        verbose_name = _("recount change")
        verbose_name_plural = _("recount changes")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return str(self.op_id)


class RecountEvent(models.Model):
    """What the deal's timeline shows of the recount: a shipment list loaded, a recount
    finished (with its file and, where goods differ, the discrepancy act)."""

    class Kind(models.TextChoices):
        LIST_LOADED = "list_loaded", _("shipment list loaded")
        FINISHED = "finished", _("recount finished")

    deal = models.ForeignKey(
        "deals.Deal", models.CASCADE, related_name="recount_events", verbose_name=_("deal")
    )
    task = models.ForeignKey(
        Task, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("task")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    lines = models.PositiveIntegerField(_("lines"), default=0)
    expected = models.PositiveIntegerField(_("expected"), default=0)
    counted = models.PositiveIntegerField(_("counted"), default=0)
    defective = models.PositiveIntegerField(_("defective"), default=0)
    recount_file = models.FileField(_("recount file"), upload_to=recount_upload_to, blank=True)
    act_file = models.FileField(_("discrepancy act"), upload_to=recount_upload_to, blank=True)

    class Meta:
        verbose_name = _("recount event")
        verbose_name_plural = _("recount events")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.deal_id}"
