"""Query filters of the lists. Stages and kinds come from the spec and the model choices."""

from __future__ import annotations

import django_filters
from django.core.validators import RegexValidator
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from deals.filtering import ColumnDecimalFilter, IdFilter
from deals.models import Contact, Deal, Task
from deals.pipelines import PIPELINES, pipeline_choices

_STAGE_CODES = sorted({s.code for p in PIPELINES.values() for s in p.stages})


class UserFilter(django_filters.CharFilter):
    """A person: `me` for the signed-in user, or a user id."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("help_text", "`me` for the signed-in user, or a user id.")
        kwargs["validators"] = [
            RegexValidator(r"^(me|[0-9]{1,18})$", _("Enter «me» or a user id."))
        ]
        super().__init__(*args, **kwargs)

    def filter(self, queryset: QuerySet, value: str) -> QuerySet:
        if not value:
            return queryset
        user_id = self.parent.request.user.pk if value == "me" else int(value)
        return queryset.filter(**{self.field_name: user_id})


class DealFilter(django_filters.FilterSet):
    pipeline = django_filters.ChoiceFilter(choices=pipeline_choices())
    stage = django_filters.ChoiceFilter(
        choices=[(code, code) for code in _STAGE_CODES],
        help_text="A stage code; with `pipeline` for one pipeline's stage.",
    )
    company = IdFilter(field_name="company_id")
    responsible = UserFilter(field_name="responsible_id")
    amount_min = ColumnDecimalFilter(column=Deal._meta.get_field("amount"), lookup_expr="gte")
    amount_max = ColumnDecimalFilter(column=Deal._meta.get_field("amount"), lookup_expr="lte")
    is_open = django_filters.BooleanFilter(field_name="closed_at", lookup_expr="isnull")
    created_after = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte")
    created_before = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte")
    stage_entered_after = django_filters.DateFilter(
        field_name="stage_entered_at", lookup_expr="date__gte"
    )
    stage_entered_before = django_filters.DateFilter(
        field_name="stage_entered_at", lookup_expr="date__lte"
    )
    closed_after = django_filters.DateFilter(field_name="closed_at", lookup_expr="date__gte")
    closed_before = django_filters.DateFilter(field_name="closed_at", lookup_expr="date__lte")

    class Meta:
        model = Deal
        fields = ()


class ContactFilter(django_filters.FilterSet):
    company = IdFilter(field_name="company_id")

    class Meta:
        model = Contact
        fields = ()


class TaskFilter(django_filters.FilterSet):
    assignee = UserFilter(field_name="assignee_id")
    kind = django_filters.ChoiceFilter(choices=Task.Kind.choices)
    status = django_filters.MultipleChoiceFilter(choices=Task.Status.choices)
    is_open = django_filters.BooleanFilter(method="filter_is_open")
    deal = IdFilter(field_name="deal_id")

    class Meta:
        model = Task
        fields = ()

    def filter_is_open(self, queryset: QuerySet[Task], name: str, value: bool | None):
        if value is None:
            return queryset
        open_ = queryset.filter(status__in=Task.OPEN_STATUSES)
        return open_ if value else queryset.exclude(status__in=Task.OPEN_STATUSES)
