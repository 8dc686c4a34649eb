"""Reads of the warehouse pages: which tasks a user sees, the cards of «my tasks», one task
with everything its page shows, and the files a worker may download.

Visibility follows ``deals.services.tasks.can_see_task``, written here once as a queryset
filter: warehouse staff see their own tasks and the unassigned ones of the warehouse queue;
the director and administrators see every task; a manager sees the tasks of their deals.
Deal columns are limited to what the pages show, so money never leaves the database here.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import (
    Count,
    DurationField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.expressions import CombinedExpression
from django.db.models.fields.files import FieldFile
from django.db.models.functions import Coalesce
from django.utils import timezone

from deals.models import Deal, Task, TaskComment
from deals.pipelines import PIPELINES, get_pipeline
from deals.pipelines.fields import DEAL_FIELDS, field_label, field_type, model_field
from deals.selectors import task_visibility
from fulfillment.roles import AnyUser
from warehouse.models import WorkSession

# The deal's essentials on a task card and at the top of a task page, in this order; a
# pipeline shows those it has. Kept free of money by a check below and a test.
ESSENTIAL_FIELDS = ("arrival_date", "shipment_date", "deadline", "boxes", "units")
assert not any(DEAL_FIELDS[code].money for code in ESSENTIAL_FIELDS)

# The deal columns the warehouse pages load: the essentials plus what identifies the deal.
_DEAL_COLUMNS = ("pipeline", "stage", "title", "company__name", *ESSENTIAL_FIELDS)

TABS: dict[str, tuple[str, ...]] = {
    "new": (Task.Status.NEW,),
    "active": (Task.Status.IN_PROGRESS, Task.Status.PAUSED),
    "done": (Task.Status.DONE, Task.Status.CANCELLED, Task.Status.RETURNED),
}


def warehouse_tasks_visible_to(user: AnyUser) -> QuerySet[Task]:
    return Task.objects.filter(task_visibility(user), kind=Task.Kind.WAREHOUSE)


def session_seconds(now: datetime.datetime | None = None) -> CombinedExpression:
    """A work session's duration computed by the database; a running one counts up to now."""
    now = now or timezone.now()
    return Coalesce(F("stopped_at"), Value(now)) - F("started_at")


def _spent_subquery(now: datetime.datetime) -> Subquery:
    spent = (
        WorkSession.objects.filter(task=OuterRef("pk"))
        .order_by()
        .values("task")
        .annotate(total=Sum(session_seconds(now)))
        .values("total")
    )
    return Subquery(spent, output_field=DurationField())


def _running_sessions() -> Exists:
    return Exists(WorkSession.objects.filter(task=OuterRef("pk"), stopped_at__isnull=True))


def warehouse_task_cards(*, user: AnyUser, tab: str) -> QuerySet[Task]:
    """The cards of one tab of «my tasks», newest first, with the time spent and whether the
    clock is running computed by the database: one query whatever the number of tasks."""
    return (
        warehouse_tasks_visible_to(user)
        .filter(status__in=TABS[tab])
        .select_related("deal", "deal__company", "assignee")
        .only(
            "title",
            "status",
            "created_at",
            "completed_at",
            "assignee__first_name",
            "assignee__last_name",
            "assignee__username",
            *(f"deal__{column}" for column in _DEAL_COLUMNS),
        )
        .annotate(spent=_spent_subquery(timezone.now()), running=_running_sessions())
        .order_by("-created_at", "-pk")
    )


def warehouse_tab_counts(*, user: AnyUser) -> dict[str, int]:
    """How many tasks each tab holds, in one query."""
    return warehouse_tasks_visible_to(user).aggregate(
        **{tab: Count("pk", filter=Q(status__in=statuses)) for tab, statuses in TABS.items()}
    )


def warehouse_task_get(*, user: AnyUser, pk: int) -> Task | None:
    """One task with its deal (no money columns), result and sessions' workers, or None when
    the user may not see it."""
    return (
        warehouse_tasks_visible_to(user)
        .select_related("deal", "deal__company", "assignee", "result_comment")
        .defer(*(f"deal__{code}" for code, field in DEAL_FIELDS.items() if field.money))
        .filter(pk=pk)
        .first()
    )


def work_sessions_of(task: Task) -> list[WorkSession]:
    return list(task.work_sessions.select_related("worker", "stopped_by"))


def task_comments_of(task: Task) -> list[TaskComment]:
    return list(task.comments.select_related("author"))


def work_session_running(*, user: AnyUser) -> WorkSession | None:
    """The user's running session, on whatever task (at most one: a database constraint)."""
    if not user.is_authenticated:
        return None
    return (
        WorkSession.objects.filter(worker=user, stopped_at__isnull=True)
        .select_related("task")
        .only("started_at", "task__title", "task__status")
        .first()
    )


def work_sessions_visible_to(user: AnyUser) -> QuerySet[WorkSession]:
    """Sessions on the warehouse tasks the user may see."""
    return WorkSession.objects.filter(task__in=warehouse_tasks_visible_to(user))


def work_session_get(*, pk: int, user: AnyUser) -> WorkSession | None:
    """A session of a task the user may see."""
    return work_sessions_visible_to(user).select_related("task").filter(pk=pk).first()


@dataclass(frozen=True)
class DealValue:
    code: str
    label: str
    value: object


def deal_essentials(deal: Deal) -> list[DealValue]:
    """The essentials of the deal that its pipeline has and that are filled in."""
    codes = set(get_pipeline(deal.pipeline).field_codes)
    return [
        DealValue(code, field_label(code), getattr(deal, code))
        for code in ESSENTIAL_FIELDS
        if code in codes and getattr(deal, code) is not None
    ]


def _worker_file_codes(pipeline: str) -> tuple[str, ...]:
    """The deal's file fields a warehouse worker may open: every file of the pipeline that is
    not money (no proposal, no invoice)."""
    return tuple(
        code
        for code in get_pipeline(pipeline).field_codes
        if "." not in code
        and not DEAL_FIELDS[code].money
        and field_type(model_field(code)) == "file"
    )


def deal_worker_files(deal: Deal) -> list[DealValue]:
    """The deal's attached files the worker needs (instructions, earlier results)."""
    return [
        DealValue(code, field_label(code), getattr(deal, code))
        for code in _worker_file_codes(deal.pipeline)
        if getattr(deal, code)
    ]


def deal_worker_file(deal: Deal, code: str) -> FieldFile | None:
    """One of those files by field code; None for a money file or anything else."""
    if code not in _worker_file_codes(deal.pipeline):
        return None
    return getattr(deal, code) or None


def task_comment_file_get(*, task: Task, pk: int) -> FieldFile | None:
    comment = task.comments.filter(pk=pk).exclude(file="").only("file").first()
    return comment.file if comment else None


def task_comment_file_access(user: AnyUser, name: str) -> bool:
    """``/files/`` check for files attached to the comments of a task the user sees."""
    return Task.objects.filter(task_visibility(user), comments__file=name).exists()


def deal_worker_file_access(user: AnyUser, name: str) -> bool:
    """``/files/`` check for a deal's files a warehouse worker needs (never money): those of
    the deals of the warehouse tasks the user sees."""
    owning = Q(pk__in=[])
    for pipeline in PIPELINES:
        for code in _worker_file_codes(pipeline):
            owning |= Q(deal__pipeline=pipeline, **{f"deal__{code}": name})
    return warehouse_tasks_visible_to(user).filter(owning).exists()
