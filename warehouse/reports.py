"""The task time report: how long warehouse work took, per task, worker, pipeline or period.

Durations are summed by the database from the work sessions. A session counts only for the
part inside the chosen dates (a night shift over the 1st of the month is split between the
months' reports, not counted twice); a running session counts up to now. Period rows group a
session by the day, week or month in which it started.

The director and administrators see every task; a manager sees the time spent on the tasks of
their own deals (they see no other deals anywhere).
"""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass, field
from decimal import Decimal

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Count, F, Q, QuerySet, Sum, Value
from django.db.models.functions import (
    Coalesce,
    Greatest,
    Least,
    TruncDay,
    TruncMonth,
    TruncWeek,
)
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from deals.models import Task
from deals.pipelines import get_pipeline
from fulfillment.periods import day_start, period_errors, spreadsheet_safe
from fulfillment.roles import AnyUser, Role, is_sales
from warehouse.models import WorkSession
from warehouse.selectors import work_sessions_visible_to
from warehouse.services import RESULT_FIELD

GROUPS = {
    "task": _("Task"),
    "worker": _("Worker"),
    "pipeline": _("Pipeline"),
    "day": _("Day"),
    "week": _("Week"),
    "month": _("Month"),
}
_TRUNC = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}
DEFAULT_DAYS = 30
ROW_LIMIT = 1000  # a page and an export stay bounded; narrow the filter for more


def can_see_report(user: AnyUser) -> bool:
    """The director, administrators and managers; not warehouse staff."""
    return is_sales(user)


class WorkReportForm(forms.Form):
    """The filter's form: a period that starts before it ends, within years the database and
    the calendar handle."""

    def clean(self) -> dict:
        data = super().clean()
        for name, message in period_errors(data.get("date_from"), data.get("date_to")):
            self.add_error(name, message)
        return data


class WorkReportFilter(django_filters.FilterSet):
    """The report's filters; dates pick the sessions that overlap the period."""

    date_from = django_filters.DateFilter(
        label=_("From"), method="filter_from", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = django_filters.DateFilter(
        label=_("To"), method="filter_to", widget=forms.DateInput(attrs={"type": "date"})
    )
    worker = django_filters.ModelChoiceFilter(
        label=_("Worker"), queryset=None, empty_label=_("All")
    )
    pipeline = django_filters.ChoiceFilter(
        label=_("Pipeline"),
        field_name="task__deal__pipeline",
        choices=[(code, get_pipeline(code).label) for code in RESULT_FIELD],
        empty_label=_("All"),
    )
    group = django_filters.ChoiceFilter(
        label=_("Group by"), choices=list(GROUPS.items()), method="no_filter", empty_label=None
    )

    class Meta:
        model = WorkSession
        fields = ["date_from", "date_to", "worker", "pipeline", "group"]
        form = WorkReportForm

    def __init__(self, data=None, *args, **kwargs) -> None:
        data = data.copy() if data is not None else {}
        today = timezone.localdate()
        # An empty form shows the last month rather than all the history.
        if not data.get("date_from") and not data.get("date_to"):
            data["date_from"] = (today - datetime.timedelta(days=DEFAULT_DAYS - 1)).isoformat()
            data["date_to"] = today.isoformat()
        data.setdefault("group", "task")
        super().__init__(data, *args, **kwargs)
        self.filters["worker"].queryset = (
            get_user_model()
            .objects.filter(groups__name=str(Role.WAREHOUSE))
            .order_by("last_name", "first_name", "username")
        )

    def filter_from(self, queryset, name, value):
        start = day_start(value)
        return queryset.filter(Q(stopped_at__isnull=True) | Q(stopped_at__gt=start))

    def filter_to(self, queryset, name, value):
        return queryset.filter(started_at__lt=day_start(value + datetime.timedelta(days=1)))

    def no_filter(self, queryset, name, value):
        return queryset

    def period(self) -> tuple[datetime.datetime | None, datetime.datetime | None]:
        data = self.form.cleaned_data
        start = day_start(data["date_from"]) if data.get("date_from") else None
        end = (
            day_start(data["date_to"] + datetime.timedelta(days=1)) if data.get("date_to") else None
        )
        return start, end


@dataclass
class Report:
    group: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    total_seconds: int = 0
    truncated: bool = False


def _clipped_duration(start, end):
    """A session's seconds inside [start, end), computed by the database."""
    now = timezone.now()
    stop = Coalesce(F("stopped_at"), Value(now))
    if end is not None:
        stop = Least(stop, Value(min(end, now)))
    begin = Greatest(F("started_at"), Value(start)) if start is not None else F("started_at")
    return stop - begin


def _seconds(duration: datetime.timedelta | None) -> int:
    return max(0, int(duration.total_seconds())) if duration else 0


def work_report(*, user: AnyUser, data) -> tuple[WorkReportFilter, Report | None]:
    """The report for the filter ``data`` (a QueryDict); None while the filter is invalid."""
    filterset = WorkReportFilter(data, queryset=work_sessions_visible_to(user))
    if not filterset.is_valid():
        return filterset, None
    start, end = filterset.period()
    group = filterset.form.cleaned_data["group"] or "task"
    sessions = filterset.qs.order_by().annotate(clipped=_clipped_duration(start, end))
    builder = {"task": _by_task, "worker": _by_worker, "pipeline": _by_pipeline}.get(
        group, _by_period
    )
    report = builder(sessions, group)
    report.total_seconds = _seconds(sessions.aggregate(total=Sum("clipped"))["total"])
    return filterset, report


def _totals(values: QuerySet) -> QuerySet:
    return values.annotate(
        seconds=Sum("clipped"),
        sessions=Count("pk"),
        tasks=Count("task", distinct=True),
        workers=Count("worker", distinct=True),
    )


def _limited(report: Report, rows: QuerySet, make_row) -> Report:
    fetched = list(rows[: ROW_LIMIT + 1])
    report.truncated = len(fetched) > ROW_LIMIT
    report.rows = [make_row(row) for row in fetched[:ROW_LIMIT]]
    return report


def _by_task(sessions: QuerySet, group: str) -> Report:
    rows = _totals(
        sessions.values(
            "task",
            "task__title",
            "task__status",
            "task__created_at",
            "task__completed_at",
            "task__deal__pipeline",
            "task__deal__company__name",
        )
    ).order_by("-task__created_at", "-task")
    status_labels = dict(Task.Status.choices)
    columns = [
        gettext("Task"),
        gettext("Client"),
        gettext("Pipeline"),
        gettext("Status"),
        gettext("Created"),
        gettext("Completed"),
        gettext("Workers"),
        gettext("Sessions"),
    ]
    return _limited(
        Report(group, columns),
        rows,
        lambda r: [
            r["task__title"],
            r["task__deal__company__name"] or "",
            str(get_pipeline(r["task__deal__pipeline"]).label),
            str(status_labels.get(r["task__status"], r["task__status"])),
            timezone.localtime(r["task__created_at"]),
            timezone.localtime(r["task__completed_at"]) if r["task__completed_at"] else None,
            r["workers"],
            r["sessions"],
            _seconds(r["seconds"]),
        ],
    )


def _by_worker(sessions: QuerySet, group: str) -> Report:
    rows = _totals(
        sessions.values("worker", "worker__first_name", "worker__last_name", "worker__username")
    ).order_by("worker__last_name", "worker__first_name", "worker")
    columns = [gettext("Worker"), gettext("Tasks"), gettext("Sessions")]

    def row(r):
        name = f"{r['worker__first_name']} {r['worker__last_name']}".strip()
        return [name or r["worker__username"], r["tasks"], r["sessions"], _seconds(r["seconds"])]

    return _limited(Report(group, columns), rows, row)


def _by_pipeline(sessions: QuerySet, group: str) -> Report:
    rows = _totals(sessions.values("task__deal__pipeline")).order_by("task__deal__pipeline")
    columns = [gettext("Pipeline"), gettext("Tasks"), gettext("Workers"), gettext("Sessions")]
    return _limited(
        Report(group, columns),
        rows,
        lambda r: [
            str(get_pipeline(r["task__deal__pipeline"]).label),
            r["tasks"],
            r["workers"],
            r["sessions"],
            _seconds(r["seconds"]),
        ],
    )


def _by_period(sessions: QuerySet, group: str) -> Report:
    trunc = _TRUNC[group]("started_at", tzinfo=timezone.get_current_timezone())
    rows = _totals(sessions.annotate(period=trunc).values("period")).order_by("period")
    columns = [str(GROUPS[group]), gettext("Tasks"), gettext("Workers"), gettext("Sessions")]

    def label(moment: datetime.datetime) -> str:
        day = timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()
        if group == "month":
            return date_format(day, "F Y")
        if group == "week":
            return gettext("week of %(day)s") % {"day": date_format(day, "d.m.Y")}
        return date_format(day, "d.m.Y")

    return _limited(
        Report(group, columns),
        rows,
        lambda r: [
            label(r["period"]),
            r["tasks"],
            r["workers"],
            r["sessions"],
            _seconds(r["seconds"]),
        ],
    )


# --- exports ---------------------------------------------------------------------------------


def format_duration(seconds: int) -> str:
    """«3:05» — hours and minutes, as staff write time sheets."""
    minutes = seconds // 60
    return f"{minutes // 60}:{minutes % 60:02d}"


def _hours(seconds: int) -> Decimal:
    return (Decimal(seconds) / Decimal(3600)).quantize(Decimal("0.01"))


def _export_rows(report: Report):
    yield [*report.columns, gettext("Time, h:mm"), gettext("Hours")]
    for *values, seconds in report.rows:
        yield [*map(spreadsheet_safe, values), format_duration(seconds), _hours(seconds)]
    blanks = [""] * (len(report.columns) - 1)
    yield [
        gettext("Total"),
        *blanks,
        format_duration(report.total_seconds),
        _hours(report.total_seconds),
    ]


def report_csv(report: Report) -> bytes:
    """Semicolon-separated UTF-8 with a BOM: opens as columns in a Russian Excel."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    for row in _export_rows(report):
        writer.writerow(
            [
                value.strftime("%d.%m.%Y %H:%M")
                if isinstance(value, datetime.datetime)
                else str(value).replace(".", ",")
                if isinstance(value, Decimal)
                else ("" if value is None else value)
                for value in row
            ]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def report_xlsx(report: Report) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = gettext("Task time")[:31]
    for index, row in enumerate(_export_rows(report)):
        sheet.append(
            [
                value.replace(tzinfo=None) if isinstance(value, datetime.datetime) else value
                for value in row
            ]
        )
        if index == 0:
            for cell in sheet[1]:
                cell.font = Font(bold=True)
    for column in sheet.iter_cols(min_row=2):
        for cell in column:
            if isinstance(cell.value, datetime.datetime):
                cell.number_format = "DD.MM.YYYY HH:MM"
            elif isinstance(cell.value, Decimal):
                cell.number_format = "0.00"
    widths = (40, 24, 24, 14, 17, 17, 10, 10, 10, 10, 10)
    for letter, width in zip("ABCDEFGHIJK", widths, strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
