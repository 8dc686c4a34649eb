"""Tasks of any kind: created once per stage entry, seen and worked on by the right people,
commented on with files; a comment ticked as the result is the task's result."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from deals.guards import can_see_deal
from deals.models import Deal, StageChange, Task, TaskComment
from deals.services.deals import validate_upload
from deals.validators import check_text
from fulfillment.exceptions import ApplicationError, PermissionDeniedError
from fulfillment.roles import (
    AnyUser,
    Role,
    acting_person,
    has_role,
    is_administrator,
    is_director,
    sees_all_deals,
)

TASK_CLOSED = _("The task is closed: nothing more can be added to it.")
COMMENT_EMPTY = _("Write a comment or attach a file.")
RESULT_NEEDS_FILE = _("The result of a warehouse task is a file: attach it.")
NOT_YOUR_TASK = _("This task is not yours.")
ASSIGN_NOT_ALLOWED = _("Only the director or an administrator assigns tasks.")
ASSIGN_RUNNING = _("The clock is running on this task: it can be reassigned once paused.")
ASSIGNEE_CANNOT_DO = _("%(user)s cannot do this task.")


class TaskError(ApplicationError):
    """A task operation was refused; nothing was saved."""


def task_create(
    *,
    deal: Deal,
    change: StageChange,
    kind: str,
    title: str,
    description: str = "",
    queue: str = "",
    assignee=None,
) -> tuple[Task, bool]:
    """Create the task of a stage entry, once: (stage change, kind) is its natural key, so a
    repeated automation job returns the task it already made."""
    return Task.objects.get_or_create(
        stage_change=change,
        kind=kind,
        defaults={
            "deal": deal,
            "stage": change.to_stage,
            "title": title,
            "description": description,
            "queue": queue,
            "assignee": assignee,
        },
    )


# What other apps do when a task is cancelled, registered from their ``AppConfig.ready``
# (the core never imports them): ``handler(task=…, actor=…, at=…)``.
TaskCancelledHandler = Callable[..., None]
_CANCELLED_HANDLERS: list[TaskCancelledHandler] = []


def on_task_cancelled(handler: TaskCancelledHandler) -> TaskCancelledHandler:
    """Register ``handler(task=, actor=, at=)`` to run, in the cancelling transaction, for
    every task cancelled (the deal left the task's stage); registering twice is a no-op."""
    if handler not in _CANCELLED_HANDLERS:
        _CANCELLED_HANDLERS.append(handler)
    return handler


def tasks_cancel_of_stage(
    *, deal: Deal, stage: str, actor: AnyUser | None, at: datetime.datetime | None = None
) -> list[Task]:
    """Cancel the tasks still open for the stage the deal left: they have nothing more to do.

    Called in the move's transaction, after the deal row is written (so the deal is locked
    first, then its tasks); the registered reactions run in the same transaction.
    """
    at = at or timezone.now()
    tasks = list(
        Task.objects.select_for_update()
        .filter(deal=deal, stage=stage, status__in=Task.OPEN_STATUSES)
        .order_by("pk")
    )
    if not tasks:
        return []
    Task.objects.filter(pk__in=[task.pk for task in tasks]).update(
        status=Task.Status.CANCELLED, completed_at=at
    )
    actor = acting_person(actor)
    for task in tasks:
        task.status, task.completed_at = Task.Status.CANCELLED, at
        for handler in _CANCELLED_HANDLERS:
            handler(task=task, actor=actor, at=at)
    return tasks


def can_see_task(task: Task, user: AnyUser) -> bool:
    """The director and admins see every task; a worker sees theirs and the unassigned ones of
    the warehouse queue; a manager sees the tasks of their deals; an assignment is seen by its
    assignee and its author."""
    if sees_all_deals(user):
        return True
    if task.kind == Task.Kind.WAREHOUSE and has_role(user, Role.WAREHOUSE):
        return task.assignee_id == user.pk or (
            task.assignee_id is None and task.queue == Role.WAREHOUSE
        )
    if task.kind == Task.Kind.ASSIGNMENT and user.pk in (task.assignee_id, task.created_by_id):
        return True
    return can_see_deal(task.deal, user)


def can_work_on_task(task: Task, user: AnyUser) -> bool:
    """Who does the work: the director approves; warehouse staff do warehouse tasks (their own
    or an unassigned one from the queue); an assignment's assignee (or its author) does it."""
    if task.kind == Task.Kind.APPROVAL:
        return is_director(user)
    if task.kind == Task.Kind.ASSIGNMENT:
        return user.pk in (task.assignee_id, task.created_by_id)
    return has_role(user, Role.WAREHOUSE) and (task.assignee_id in (None, user.pk))


def task_assignee_check(task: Task, assignee: AnyUser | None, actor: AnyUser) -> None:
    """Why ``actor`` may not give ``task`` to ``assignee`` (``None``: back to the queue), as
    an exception; nothing when they may. Only the director and administrators assign; a
    closed task and one whose clock is running keep their assignee; the assignee must be an
    active user who does this kind of task (warehouse staff, the director for approvals)."""
    if not (is_director(actor) or is_administrator(actor)):
        raise PermissionDeniedError(gettext(ASSIGN_NOT_ALLOWED))
    if not task.is_open:
        raise TaskError(gettext(TASK_CLOSED))
    if task.assignee_id == getattr(assignee, "pk", None):
        return
    if task.status == Task.Status.IN_PROGRESS:
        raise TaskError(gettext(ASSIGN_RUNNING))
    if assignee is None:
        return
    does_it = (
        is_director(assignee)
        if task.kind == Task.Kind.APPROVAL
        else has_role(assignee, Role.WAREHOUSE)
    )
    if not (assignee.is_active and does_it):
        user = assignee.get_full_name() or assignee.get_username()
        raise TaskError(gettext(ASSIGNEE_CANNOT_DO) % {"user": user})


def task_assign(*, task: Task, assignee: AnyUser | None, actor: AnyUser) -> Task:
    """Give an open task to someone (``None``: back to its queue), under the task's lock."""
    with transaction.atomic():
        locked = Task.objects.select_for_update().get(pk=task.pk)
        task_assignee_check(locked, assignee, actor)
        locked.assignee = assignee
        locked.save(update_fields=["assignee"])
    return locked


def task_comment_add(
    *,
    task: Task,
    author: AnyUser,
    text: str = "",
    file: File | None = None,
    is_result: bool = False,
) -> TaskComment:
    """Add a comment (with a file) to an open task.

    Ticked as the result («Зафиксировать как результат работы») it becomes the task's result:
    only the one who works on the task may do that, and a warehouse result must carry a file.
    """
    if not can_see_task(task, author):
        raise PermissionDeniedError(gettext(NOT_YOUR_TASK))
    if is_result and not can_work_on_task(task, author):
        raise PermissionDeniedError(gettext(NOT_YOUR_TASK))
    if not task.is_open:
        raise TaskError(gettext(TASK_CLOSED))
    text = (text or "").strip()
    if not text and not file:
        raise TaskError(gettext(COMMENT_EMPTY))
    if is_result and task.kind == Task.Kind.WAREHOUSE and not file:
        raise TaskError(gettext(RESULT_NEEDS_FILE))
    try:
        check_text(TaskComment, "text", text)
    except ValidationError as error:
        raise TaskError(" ".join(error.messages)) from error
    if file:
        try:
            validate_upload(file)
        except ValidationError as error:
            raise TaskError(" ".join(error.messages)) from error
    with transaction.atomic():
        comment = TaskComment.objects.create(
            task=task, author=author, text=text, file=file or "", is_result=is_result
        )
        if is_result:
            task.result_comment = comment
            task.save(update_fields=["result_comment"])
    return comment
