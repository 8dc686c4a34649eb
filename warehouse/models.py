"""Warehouse work: time spent on tasks, and who gets new tasks by default."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deals.models import Task
from deals.pipelines import pipeline_choices


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
