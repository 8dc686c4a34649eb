"""The reports' filter: a period, a pipeline and a manager, read from the URL by the pages,
the exports and the API alike."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from deals.pipelines import PIPELINES
from fulfillment.periods import period_errors
from fulfillment.roles import AnyUser, Role, is_sales, person_name, sees_all_deals
from reports.analytics import Scope

MONTHS_SHOWN = 12


def can_see_analytics(user: AnyUser) -> bool:
    """The director, administrators and managers (over their own deals); not the warehouse."""
    return is_sales(user)


def default_period(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The last twelve whole months up to today: the monthly trend has a year to show."""
    today = today or timezone.localdate()
    month = today.month - (MONTHS_SHOWN - 1)
    year = today.year + (month - 1) // 12
    return datetime.date(year, (month - 1) % 12 + 1, 1), today


class ReportFilterForm(forms.Form):
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    pipeline = forms.ChoiceField(label=_("Pipeline"), required=False)
    responsible = forms.ModelChoiceField(
        label=_("Manager"), queryset=get_user_model().objects.none(), required=False
    )

    def __init__(self, data, *, user: AnyUser, pipeline_required: bool = False) -> None:
        super().__init__(data)
        self.user = user
        self.pipeline_required = pipeline_required
        choices = [(p.code, p.label) for p in PIPELINES.values()]
        self.fields["pipeline"].choices = (
            choices if pipeline_required else [("", gettext("All pipelines")), *choices]
        )
        if sees_all_deals(user):
            self.fields["responsible"].queryset = (
                get_user_model()
                .objects.filter(groups__name=str(Role.MANAGER), is_active=True)
                .order_by("last_name", "first_name", "username")
            )
            self.fields["responsible"].empty_label = gettext("All managers")
            self.fields["responsible"].label_from_instance = person_name
        else:  # a manager's reports are of their own deals: nobody else to choose
            del self.fields["responsible"]

    def clean(self) -> dict:
        data = super().clean()
        if self.errors:  # a date that is not one: nothing to check it against
            return data
        start, end = default_period()
        data["date_from"] = data.get("date_from") or start
        data["date_to"] = data.get("date_to") or end
        for name, message in period_errors(data["date_from"], data["date_to"]):
            self.add_error(name, message)
        if self.pipeline_required and not data.get("pipeline"):
            data["pipeline"] = next(iter(PIPELINES))
        return data

    def scope(self) -> Scope:
        """What the valid form asks for."""
        data = self.cleaned_data
        return Scope(
            user=self.user,
            date_from=data["date_from"],
            date_to=data["date_to"],
            pipeline=data.get("pipeline") or None,
            responsible=data.get("responsible"),
        )


def report_scope(user: AnyUser, query, *, pipeline_required: bool = False):
    """``(form, scope)`` for a query string; the scope is ``None`` while the form is invalid."""
    form = ReportFilterForm(query, user=user, pipeline_required=pipeline_required)
    return form, (form.scope() if form.is_valid() else None)
