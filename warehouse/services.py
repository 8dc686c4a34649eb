"""Warehouse tasks: creation from a deal, time tracking, completion with the result file.

Rules: only warehouse staff work on warehouse tasks (their own, or an unassigned one from the
queue, which becomes theirs when they start); a worker has one running session at a time;
completing needs a result comment with a file, which is copied to the deal's field.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from deals.models import Deal, StageChange, Task
from deals.services import deal_lock, deal_set_automation_fields, task_create
from deals.services.tasks import NOT_YOUR_TASK, TASK_CLOSED, TaskError, can_work_on_task
from fulfillment import notifications
from fulfillment.exceptions import ApplicationError, PermissionDeniedError
from fulfillment.roles import AnyUser, Role, is_administrator, is_director
from warehouse.models import DefaultAssignee, PushSubscription, WorkSession

# The deal field a warehouse task's result file is copied to, by pipeline.
RESULT_FIELD = {
    "acceptance": "recount_file",
    "processing": "processing_report_file",
    "shipment": "packing_list_file",
}

ALREADY_RUNNING = _("You are already working on «%(task)s». Pause it first.")
NOT_RUNNING = _("Time is not running on this task.")
RESULT_REQUIRED = _("Attach the result first: a comment with the file, ticked «Result of work».")
CANNOT_CLOSE = _("Only the worker, the director or an administrator closes a running session.")
BAD_SUBSCRIPTION = _("The browser sent an incomplete push subscription.")


def warehouse_task_description(*, deal: Deal, change: StageChange) -> str:
    """The task text built from the deal's fields (never money), with the client's
    corrections when the deal came back to the warehouse."""
    corrections = change.comment if change.transition.startswith("return_to") else ""
    with translation.override("ru"):
        return render_to_string(
            f"warehouse/descriptions/{deal.pipeline}.txt",
            {"deal": deal, "corrections": corrections},
        ).strip()


WORK = {
    "acceptance": _("Acceptance"),
    "processing": _("Processing"),
    "shipment": _("Shipment picking"),
}
REDO = _("Redo after the client's corrections")


def warehouse_task_title(*, deal: Deal, redo: bool = False) -> str:
    """The task named by the work: «Приемка: ООО «Ромашка», 12 коробов»; a task made again
    after the client's corrections says so first."""
    client = deal.company.name if deal.company_id else deal.title
    if deal.boxes:
        size = ngettext("%(n)s box", "%(n)s boxes", deal.boxes) % {"n": deal.boxes}
    elif deal.units:
        size = ngettext("%(n)s unit", "%(n)s units", deal.units) % {"n": deal.units}
    else:
        size = ""
    title = f"{WORK[deal.pipeline]}: {client}" + (f", {size}" if size else "")
    return f"{REDO}. {title}"[:255] if redo else title[:255]


def warehouse_task_create(*, deal: Deal, change: StageChange) -> tuple[Task, bool]:
    """Create the warehouse task of a stage entry (once) and tell the warehouse."""
    default = (
        DefaultAssignee.objects.filter(pipeline=deal.pipeline).select_related("assignee").first()
    )
    with translation.override("ru"):
        redo = change.transition.startswith("return_to")
        title = warehouse_task_title(deal=deal, redo=redo)
    task, created = task_create(
        deal=deal,
        change=change,
        kind=Task.Kind.WAREHOUSE,
        title=title[:255],
        description=warehouse_task_description(deal=deal, change=change),
        queue=str(Role.WAREHOUSE),
        assignee=default.assignee if default else None,
    )
    if created:
        notifications.warehouse_task_created(task=task)
    return task, created


def _locked_task(task: Task, worker: AnyUser) -> Task:
    locked = Task.objects.select_for_update().get(pk=task.pk)
    if locked.kind != Task.Kind.WAREHOUSE or not can_work_on_task(locked, worker):
        raise PermissionDeniedError(gettext(NOT_YOUR_TASK))
    if not locked.is_open:
        raise TaskError(gettext(TASK_CLOSED))
    return locked


def work_start(*, task: Task, worker: AnyUser) -> WorkSession:
    """«Начать» / «Продолжить»: start the clock; an unassigned task becomes the worker's."""
    with transaction.atomic():
        task = _locked_task(task, worker)
        running = (
            WorkSession.objects.filter(worker=worker, stopped_at__isnull=True)
            .select_related("task")
            .first()
        )
        if running:
            raise TaskError(gettext(ALREADY_RUNNING) % {"task": running.task.title})
        try:
            with transaction.atomic():
                session = WorkSession.objects.create(task=task, worker=worker)
        except IntegrityError as error:  # a second tap from another tab, at the same instant
            raise TaskError(gettext(ALREADY_RUNNING) % {"task": task.title}) from error
        task.assignee = task.assignee or worker
        task.status = Task.Status.IN_PROGRESS
        task.save(update_fields=["assignee", "status"])
    return session


work_resume = work_start


def work_pause(*, task: Task, worker: AnyUser) -> WorkSession:
    """«Пауза»: stop the worker's running session on this task."""
    with transaction.atomic():
        task = _locked_task(task, worker)
        session = (
            WorkSession.objects.select_for_update()
            .filter(task=task, worker=worker, stopped_at__isnull=True)
            .first()
        )
        if session is None:
            raise TaskError(gettext(NOT_RUNNING))
        session.stopped_at, session.stopped_by = timezone.now(), worker
        session.save(update_fields=["stopped_at", "stopped_by"])
        task.status = Task.Status.PAUSED
        task.save(update_fields=["status"])
    return session


def can_close_session(session: WorkSession, actor: AnyUser) -> bool:
    """The worker themself, the director or an administrator closes a session."""
    return actor.pk == session.worker_id or is_director(actor) or is_administrator(actor)


def session_close(*, session: WorkSession, actor: AnyUser) -> WorkSession:
    """Close a session left running (a forgotten «Пауза»).

    Locks the task before the session, the order of every path (a move locks the deal, then
    its tasks, then their sessions when it cancels them): never the other way round.
    """
    if not can_close_session(session, actor):
        raise PermissionDeniedError(gettext(CANNOT_CLOSE))
    with transaction.atomic():
        Task.objects.select_for_update().filter(pk=session.task_id).first()
        session = WorkSession.objects.select_for_update().get(pk=session.pk)
        if session.stopped_at is None:
            session.stopped_at, session.stopped_by = timezone.now(), actor
            session.save(update_fields=["stopped_at", "stopped_by"])
            Task.objects.filter(pk=session.task_id, status=Task.Status.IN_PROGRESS).exclude(
                work_sessions__stopped_at__isnull=True
            ).update(status=Task.Status.PAUSED)
    return session


def sessions_stop_on_cancel(*, task: Task, actor: AnyUser | None, at: datetime) -> int:
    """A cancelled task is no longer worked on: its running sessions stop at the moment of
    the cancel (the report stops counting, the worker may start another task). Runs in the
    cancelling transaction; returns how many sessions were stopped."""
    if task.kind != Task.Kind.WAREHOUSE:
        return 0
    return WorkSession.objects.filter(task=task, stopped_at__isnull=True).update(
        stopped_at=at, stopped_by=actor
    )


def warehouse_task_complete(*, task: Task, worker: AnyUser) -> Task:
    """«Завершить»: needs the result (a comment with a file, ticked as the result). The clock
    stops, the file is copied to the deal (recount file / processing report / packing list)
    and the deal's responsible is told. Locks the deal, then the task, as a move does."""
    with transaction.atomic():
        deal = deal_lock(task.deal_id)  # the deal first, then its task: the order of a move
        task = _locked_task(task, worker)
        result = task.result_comment
        if result is None or not result.file:
            raise TaskError(gettext(RESULT_REQUIRED))
        now = timezone.now()
        WorkSession.objects.filter(task=task, stopped_at__isnull=True).update(
            stopped_at=now, stopped_by=worker
        )
        task.status = Task.Status.DONE
        task.completed_at, task.completed_by = now, worker
        task.save(update_fields=["status", "completed_at", "completed_by"])
        deal_set_automation_fields(
            deal=deal, values={RESULT_FIELD[deal.pipeline]: result.file.name}, actor=worker
        )
        notifications.task_result_ready(task=task)
    return task


def task_seconds(task: Task) -> int:
    """Total time spent on the task, a running session counted up to now."""
    now = timezone.now()
    return sum(session.seconds(now) for session in task.work_sessions.all())


def push_subscription_save(
    *, user: AnyUser, endpoint: str, p256dh: str, auth: str, user_agent: str = ""
) -> PushSubscription:
    """Remember where to push the user's notifications (the browser's endpoint and keys).

    An endpoint is one browser: signing in as someone else on the same phone moves it to
    the new user, so a shared phone never shows the previous user's news.
    """
    endpoint, p256dh, auth = (endpoint or "").strip(), (p256dh or "").strip(), (auth or "").strip()
    if not endpoint.startswith("https://") or not p256dh or not auth:
        raise ApplicationError(gettext(BAD_SUBSCRIPTION))
    from warehouse.push import push_endpoint_check

    push_endpoint_check(endpoint)  # only the real push services, never a private address
    fields = {"p256dh": p256dh[:200], "auth": auth[:100], "user_agent": user_agent[:300]}
    field = PushSubscription._meta.get_field("endpoint")
    if len(endpoint) > field.max_length:
        raise ApplicationError(gettext(BAD_SUBSCRIPTION))
    subscription, _created = PushSubscription.objects.update_or_create(
        endpoint=endpoint, defaults={"user": user, **fields}
    )
    return subscription


def push_subscription_delete(*, user: AnyUser, endpoint: str) -> int:
    """Forget a browser the user turned notifications off in; returns how many were removed."""
    deleted, _by_model = PushSubscription.objects.filter(user=user, endpoint=endpoint).delete()
    return deleted
