"""Assignments («поручения»): a task one person gives another on a deal — «позвонить
клиенту», «проверить оплату» — with a deadline, done when its assignee says so.

Integrations create them through the webhook's ``tasks.task.add``; people see them on the deal
card and in «Задачи», and mark them done there. Unlike approvals and warehouse tasks they have
no stage: a move of the deal leaves them open.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from deals.guards import can_see_deal
from deals.models import Deal, Task
from deals.services.tasks import TaskError, can_work_on_task
from deals.validators import check_text
from fulfillment.exceptions import PermissionDeniedError
from fulfillment.notifications import notify
from fulfillment.roles import AnyUser, person_name

TITLE_EMPTY = _("Name the task.")
ASSIGNEE_BLIND = _("%(user)s does not see this deal: the task cannot be given to them.")
NOT_AN_ASSIGNMENT = _(
    "Approvals and warehouse tasks change on their own pages, not as assignments."
)
NOT_YOURS = _("Only the task's assignee or its author changes it.")
DEAL_UNSEEN = _("Tasks are given on the deals you can open.")
STATUS_UNKNOWN = _("Unknown task status: %(status)s.")

# What a person may set on an assignment; the status moves below.
EDITABLE = ("title", "description", "deadline", "assignee")
STATUSES = (*Task.OPEN_STATUSES, Task.Status.DONE, Task.Status.CANCELLED)


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    """Title and description trimmed and within their columns' limits."""
    cleaned = dict(data)
    for name in ("title", "description"):
        if name in cleaned:
            cleaned[name] = str(cleaned[name] or "").strip()
            try:
                check_text(Task, name, cleaned[name])
            except ValidationError as error:
                raise TaskError(" ".join(error.messages)) from error
    if "title" in cleaned and not cleaned["title"]:
        raise TaskError(gettext(TITLE_EMPTY))
    return cleaned


def _assignee_check(deal: Deal, assignee: AnyUser) -> None:
    """The assignee must be an active user who can open the deal the task is about."""
    if not (assignee.is_active and can_see_deal(deal, assignee)):
        raise TaskError(gettext(ASSIGNEE_BLIND) % {"user": person_name(assignee)})


def _told(task: Task, actor: AnyUser) -> None:
    if task.assignee_id and task.assignee_id != actor.pk:
        notify(
            recipients=[task.assignee],
            event="assignment_given",
            text=gettext("%(author)s gave you a task: %(task)s")
            % {"author": person_name(actor), "task": task.title},
            url=reverse("deals:detail", args=[task.deal_id]) + "#tasks-title",
        )


def assignment_create(
    *,
    deal: Deal,
    actor: AnyUser,
    title: str,
    assignee: AnyUser | None = None,
    description: str = "",
    deadline: datetime.datetime | None = None,
) -> Task:
    """Give a task on ``deal`` to ``assignee`` (the author themselves when nobody is named);
    the assignee is told."""
    if not can_see_deal(deal, actor):
        raise PermissionDeniedError(gettext(DEAL_UNSEEN))
    data = _clean({"title": title, "description": description})
    assignee = assignee or actor
    _assignee_check(deal, assignee)
    with transaction.atomic():
        task = Task.objects.create(
            kind=Task.Kind.ASSIGNMENT,
            deal=deal,
            stage="",
            title=data["title"],
            description=data["description"],
            assignee=assignee,
            created_by=actor,
            deadline=deadline,
        )
        _told(task, actor)
    return task


def can_change_assignment(task: Task, user: AnyUser) -> bool:
    """An assignment's assignee or author (both of whom see it) changes it."""
    return task.kind == Task.Kind.ASSIGNMENT and can_work_on_task(task, user)


def assignment_update(
    *, task: Task, actor: AnyUser, data: dict[str, Any], status: str | None = None
) -> Task:
    """Change an assignment's ``data`` (title, description, deadline, assignee) and move it
    to ``status`` — done, back to new, in progress, cancelled — under the task's lock."""
    if task.kind != Task.Kind.ASSIGNMENT:
        raise TaskError(gettext(NOT_AN_ASSIGNMENT))
    if status is not None and status not in STATUSES:
        raise TaskError(gettext(STATUS_UNKNOWN) % {"status": status})
    data = _clean({k: v for k, v in data.items() if k in EDITABLE})
    with transaction.atomic():
        locked = Task.objects.select_for_update().select_related("deal").get(pk=task.pk)
        if not can_change_assignment(locked, actor):
            raise PermissionDeniedError(gettext(NOT_YOURS))
        given_to = locked.assignee_id
        if data.get("assignee") is not None:
            _assignee_check(locked.deal, data["assignee"])
        for name, value in data.items():
            if name != "assignee" or value is not None:
                setattr(locked, name, value)
        if status is not None and status != locked.status:
            locked.status = status
            closed = status in (Task.Status.DONE, Task.Status.CANCELLED)
            locked.completed_at = timezone.now() if closed else None
            locked.completed_by = actor if closed else None
        locked.save()
        if locked.assignee_id != given_to:
            _told(locked, actor)
    return locked


def assignment_complete(*, task: Task, actor: AnyUser) -> Task:
    """«Выполнено»: the assignee (or the author) closes the task."""
    return assignment_update(task=task, actor=actor, data={}, status=Task.Status.DONE)
