"""Tasks of any kind: created once per stage entry, seen and worked on by the right people,
commented on with files; a comment ticked as the result is the task's result."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from deals.guards import can_see_deal
from deals.models import Deal, StageChange, Task, TaskComment
from deals.services.deals import validate_upload
from deals.validators import check_text
from fulfillment.exceptions import ApplicationError, PermissionDeniedError
from fulfillment.roles import AnyUser, Role, has_role, is_director, sees_all_deals

TASK_CLOSED = _("The task is closed: nothing more can be added to it.")
COMMENT_EMPTY = _("Write a comment or attach a file.")
RESULT_NEEDS_FILE = _("The result of a warehouse task is a file: attach it.")
NOT_YOUR_TASK = _("This task is not yours.")


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


def can_see_task(task: Task, user: AnyUser) -> bool:
    """The director and admins see every task; a worker sees theirs and the unassigned ones of
    the warehouse queue; a manager sees the tasks of their deals."""
    if sees_all_deals(user):
        return True
    if task.kind == Task.Kind.WAREHOUSE and has_role(user, Role.WAREHOUSE):
        return task.assignee_id == user.pk or (
            task.assignee_id is None and task.queue == Role.WAREHOUSE
        )
    return can_see_deal(task.deal, user)


def can_work_on_task(task: Task, user: AnyUser) -> bool:
    """Who does the work: the director approves; warehouse staff do warehouse tasks (their own
    or an unassigned one from the queue)."""
    if task.kind == Task.Kind.APPROVAL:
        return is_director(user)
    return has_role(user, Role.WAREHOUSE) and (task.assignee_id in (None, user.pk))


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
