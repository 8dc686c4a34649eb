"""Reads of deals, companies and history, with the related rows each caller needs decided here
so that query counts are owned in one place."""

from __future__ import annotations

from django.db.models import QuerySet

from deals.models import Deal, StageChange
from fulfillment.roles import AnyUser, is_sales, sees_all_deals


def deal_visible_to(user: AnyUser, queryset: QuerySet[Deal] | None = None) -> QuerySet[Deal]:
    """Deals the user may see: all for the director and admins, their own for a manager,
    none for anyone else (warehouse staff reach deals only through their tasks)."""
    queryset = Deal.objects.all() if queryset is None else queryset
    if sees_all_deals(user):
        return queryset
    if is_sales(user):
        return queryset.filter(responsible=user)
    return queryset.none()


def deal_list(*, user: AnyUser, pipeline: str | None = None) -> QuerySet[Deal]:
    queryset = deal_visible_to(user).select_related("company", "contact", "responsible")
    if pipeline:
        queryset = queryset.filter(pipeline=pipeline)
    return queryset


def deal_history(*, deal: Deal) -> QuerySet[StageChange]:
    return deal.stage_changes.select_related("actor", "reason").order_by("created_at", "pk")


def deal_file_access(user: AnyUser, name: str) -> bool | None:
    """Whether the user may download a file attached to a deal (None: not a deal's file)."""
    from django.db.models import FileField, Q

    file_fields = [f.name for f in Deal._meta.fields if isinstance(f, FileField)]
    owning = Q()
    for field_name in file_fields:
        owning |= Q(**{field_name: name})
    deals = Deal.objects.filter(owning)
    if not deals.exists():
        return None
    return deal_visible_to(user, deals).exists()
