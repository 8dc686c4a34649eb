"""Reads of deals, companies and history, with the related rows each caller needs decided here
so that query counts are owned in one place."""

from __future__ import annotations

from django.db.models import FileField, Q, QuerySet

from deals.models import (
    Company,
    Contact,
    Deal,
    DealComment,
    FieldChange,
    LossReason,
    StageChange,
    Task,
    TaskComment,
)
from deals.pipelines.fields import MONEY_FIELDS
from fulfillment.roles import AnyUser, Role, is_sales, is_warehouse, sees_all_deals, sees_money


def deal_visibility(user: AnyUser, prefix: str = "") -> Q:
    """The deals ``user`` may see as a condition on ``prefix`` (``"deal__"`` from a deal's
    history or tasks): all for the director and admins, their own for a manager, none for
    anyone else (warehouse staff reach deals only through their tasks)."""
    if sees_all_deals(user):
        return Q()
    if is_sales(user):
        return Q(**{f"{prefix}responsible": user})
    return Q(**{f"{prefix}pk__in": []})  # matches nothing; the database is not asked


def deal_visible_to(user: AnyUser, queryset: QuerySet[Deal] | None = None) -> QuerySet[Deal]:
    """Deals the user may see (``deal_visibility`` applied)."""
    queryset = Deal.objects.all() if queryset is None else queryset
    return queryset.filter(deal_visibility(user))


def deal_list(*, user: AnyUser, pipeline: str | None = None) -> QuerySet[Deal]:
    """Visible deals with their client and people. The responsible comes in a second query of
    the page's few users: joined, SQLite's planner (once it has statistics) put the users
    table first and sorted every deal (the director's API list: 290 ms at 100,000 deals)."""
    queryset = (
        deal_visible_to(user).select_related("company", "contact").prefetch_related("responsible")
    )
    if pipeline:
        queryset = queryset.filter(pipeline=pipeline)
    return queryset


def deal_history(*, deal: Deal) -> QuerySet[StageChange]:
    return deal.stage_changes.select_related("actor", "reason").order_by("created_at", "pk")


def field_changes_visible(user: AnyUser, queryset: QuerySet[FieldChange]) -> QuerySet[FieldChange]:
    """The audit trail rows of ``queryset`` that ``user`` may read, oldest first: changes of
    amounts and invoices only for those who see money."""
    if not sees_money(user):
        queryset = queryset.exclude(subject=FieldChange.Subject.DEAL, field__in=MONEY_FIELDS)
    return queryset.select_related("actor", "contact").order_by("created_at", "pk")


def deal_field_changes(*, user: AnyUser, deal: Deal) -> QuerySet[FieldChange]:
    """Changes of the deal's fields, and of its company's details made from the deal."""
    return field_changes_visible(user, FieldChange.objects.filter(deal=deal))


def company_field_changes(*, user: AnyUser, company: Company) -> QuerySet[FieldChange]:
    """Changes of the company's details and of its contact persons."""
    return field_changes_visible(user, FieldChange.objects.filter(company=company))


def contact_field_changes(*, user: AnyUser, contact: Contact) -> QuerySet[FieldChange]:
    return field_changes_visible(user, FieldChange.objects.filter(contact=contact))


def deal_comments(*, deal: Deal) -> QuerySet[DealComment]:
    return deal.comments.select_related("author").order_by("created_at", "pk")


def failure_reasons_offered(*, pipeline: str) -> QuerySet[LossReason]:
    """The failure reasons to choose from in a pipeline: its own and the global ones."""
    return LossReason.objects.filter(is_active=True, pipeline__in=("", pipeline))


def task_visibility(user: AnyUser) -> Q:
    """The tasks ``user`` may see as a filter on ``Task`` — the queryset form of
    ``deals.services.tasks.can_see_task``: every task for the director and admins; a worker's
    own warehouse tasks and the unassigned ones of the warehouse queue; the tasks of a
    manager's deals; the assignments a user gave or was given."""
    if sees_all_deals(user):
        return Q()
    visible = Q(kind=Task.Kind.ASSIGNMENT) & (Q(assignee=user) | Q(created_by=user))
    if is_warehouse(user):
        visible |= Q(kind=Task.Kind.WAREHOUSE) & (
            Q(assignee=user) | Q(assignee__isnull=True, queue=str(Role.WAREHOUSE))
        )
    if is_sales(user):
        visible |= Q(deal__responsible=user)
    return visible


def task_visible_to(user: AnyUser, queryset: QuerySet[Task] | None = None) -> QuerySet[Task]:
    """Tasks the user may see (``task_visibility`` applied)."""
    queryset = Task.objects.all() if queryset is None else queryset
    return queryset.filter(task_visibility(user))


def task_list(*, user: AnyUser) -> QuerySet[Task]:
    """Visible tasks with their deal (and its company) and result loaded: one query a page."""
    return task_visible_to(user).select_related(
        "deal", "deal__company", "assignee", "completed_by", "result_comment__author"
    )


def task_comments(*, task: Task) -> QuerySet[TaskComment]:
    return task.comments.select_related("author").order_by("created_at", "pk")


def deal_file_access(user: AnyUser, name: str) -> bool:
    """Whether the user may download a file of a deal they see: one of its file fields or a
    file attached to a comment of its timeline."""
    file_fields = [f.name for f in Deal._meta.fields if isinstance(f, FileField)]
    owning = Q(pk__in=DealComment.objects.filter(file=name).values("deal"))
    for field_name in file_fields:
        owning |= Q(**{field_name: name})
    return deal_visible_to(user, Deal.objects.filter(owning)).exists()
