"""The director's («ГД») approval of a commercial proposal («КП»).

A decision locks the deal first, then its task (``deal_lock``), the order a move takes.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from deals.models import Task
from deals.services.deals import deal_lock, deal_move, deal_set_automation_fields
from deals.services.tasks import TaskError, can_work_on_task
from fulfillment import notifications
from fulfillment.exceptions import PermissionDeniedError
from fulfillment.roles import AnyUser

ONLY_DIRECTOR = _("Only the director approves commercial proposals.")
ALREADY_DECIDED = _("This approval has already been decided.")
REMARKS_REQUIRED = _("Write the remarks: what has to change in the proposal.")


def _locked_open_approval(task: Task, actor: AnyUser) -> Task:
    """The approval task, its deal locked first and then the task; the task's ``deal`` is the
    locked deal as the database has it."""
    if task.kind != Task.Kind.APPROVAL or not can_work_on_task(task, actor):
        raise PermissionDeniedError(gettext(ONLY_DIRECTOR))
    deal = deal_lock(task.deal_id)
    locked = Task.objects.select_for_update().get(pk=task.pk)
    if not locked.is_open:
        raise TaskError(gettext(ALREADY_DECIDED))
    locked.deal = deal
    return locked


def approval_approve(*, task: Task, actor: AnyUser) -> Task:
    """The director approves: the task is done, the deal records the approval (so it may leave
    «Согласовать КП с ГД»), the responsible is told."""
    with transaction.atomic():
        task = _locked_open_approval(task, actor)
        now = timezone.now()
        task.status = Task.Status.DONE
        task.completed_at, task.completed_by = now, actor
        task.save(update_fields=["status", "completed_at", "completed_by"])
        deal_set_automation_fields(
            deal=task.deal, values={"director_approved_at": now}, actor=actor
        )
        notifications.approval_decided(task=task, approved=True)
    return task


def approval_return(*, task: Task, actor: AnyUser, remarks: str) -> Task:
    """The director returns the КП with remarks: the deal goes back to «Сформировать КП» with
    them as the move's comment (the timeline shows them once, there), the task keeps them as
    its decision, the responsible is told. The next entry makes a new task."""
    remarks = (remarks or "").strip()
    if not remarks:
        raise TaskError(gettext(REMARKS_REQUIRED))
    with transaction.atomic():
        task = _locked_open_approval(task, actor)
        task.status = Task.Status.RETURNED
        task.decision_comment = remarks
        task.completed_at, task.completed_by = timezone.now(), actor
        task.save(update_fields=["status", "decision_comment", "completed_at", "completed_by"])
        deal_move(deal=task.deal, transition="return_to_proposal", actor=actor, comment=remarks)
        notifications.approval_decided(task=task, approved=False)
    return task
