"""Tasks in the Bitrix24 sense: the director's approval of a КП, the warehouse tasks, and
assignments («поручения») that people give each other on a deal.

One model with a ``kind``. Approvals and warehouse tasks are work someone must do on a deal
because it entered a stage: the automation creates them (one per stage entry: the natural key)
and they end with a decision or a result. An assignment is given by a person (from an
integration's ``tasks.task.add``), has a deadline and no stage: it outlives the deal's moves
and ends when its assignee marks it done. Kind-specific rules live in the services of the app
that owns the work (``deals.services.approvals``, ``deals.services.assignments``,
``warehouse.services``).
"""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deals.models.deals import Deal
from deals.models.history import StageChange
from deals.validators import COMMENT_MAX_LENGTH, DESCRIPTION_MAX_LENGTH, text_cap


def task_upload_to(instance: TaskComment, filename: str) -> str:
    return f"tasks/{uuid.uuid4().hex}/{PurePath(filename).name}"


class Task(models.Model):
    class Kind(models.TextChoices):
        APPROVAL = "approval", _("Proposal approval by the director")
        WAREHOUSE = "warehouse", _("Warehouse task")
        ASSIGNMENT = "assignment", _("Assignment")

    class Status(models.TextChoices):
        NEW = "new", _("New")
        IN_PROGRESS = "in_progress", _("In progress")
        PAUSED = "paused", _("Paused")
        DONE = "done", _("Done")
        RETURNED = "returned", _("Returned with remarks")
        CANCELLED = "cancelled", _("Cancelled")

    OPEN_STATUSES = (Status.NEW, Status.IN_PROGRESS, Status.PAUSED)

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NEW
    )
    deal = models.ForeignKey(Deal, models.CASCADE, related_name="tasks", verbose_name=_("deal"))
    stage_change = models.ForeignKey(
        StageChange,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name=_("created on entry"),
    )
    # Empty for an assignment: leaving a stage cancels only the tasks of that stage.
    stage = models.CharField(_("deal stage"), max_length=32, blank=True)
    title = models.CharField(_("title"), max_length=255)
    description = models.TextField(_("description"), blank=True, **text_cap(DESCRIPTION_MAX_LENGTH))
    queue = models.CharField(_("queue (role)"), max_length=100, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tasks",
        verbose_name=_("assignee"),
    )
    result_comment = models.ForeignKey(
        "TaskComment",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("result"),
    )
    decision_comment = models.TextField(_("remarks"), blank=True, **text_cap(COMMENT_MAX_LENGTH))
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("completed by"),
    )

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # The natural key: one task of a kind per stage entry, however often the automation
            # job is delivered.
            models.UniqueConstraint(fields=["stage_change", "kind"], name="task_once_per_entry"),
            # Only an assignment stands without the stage entry that made it.
            models.CheckConstraint(
                condition=models.Q(kind="assignment") | models.Q(stage_change__isnull=False),
                name="task_entry_unless_assignment",
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "status", "-created_at"], name="task_inbox"),
            models.Index(fields=["assignee", "status"], name="task_assignee"),
            # The analytics: approvals decided and warehouse tasks done in a period.
            models.Index(fields=["kind", "completed_at"], name="task_completed"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class TaskComment(models.Model):
    """A comment on a task, with an optional file; ticked «Зафиксировать как результат
    работы» it is the task's result."""

    task = models.ForeignKey(Task, models.CASCADE, related_name="comments", verbose_name=_("task"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("author"),
    )
    text = models.TextField(_("text"), blank=True, **text_cap(COMMENT_MAX_LENGTH))
    file = models.FileField(_("file"), upload_to=task_upload_to, blank=True)
    is_result = models.BooleanField(_("result of work"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("task comment")
        verbose_name_plural = _("task comments")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.text[:50] or self.file.name
