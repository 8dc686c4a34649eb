"""What each report shows: its tables (the numbers beside every chart, and the XLSX export)
and its charts (server-side SVG geometry), built from the figures of ``reports.analytics``.

One description per report feeds the page, the export and nothing else, so a number on the
screen and in the spreadsheet cannot differ.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from fulfillment.roles import person_name
from reports import analytics
from reports.analytics import Scope

# How a column's values are written: on the page (a template filter) and in the spreadsheet
# (a number format).
TEXT, COUNT, SHARE, HOURS, MONEY, DAY, MONTH = (
    "text",
    "count",
    "share",
    "hours",
    "money",
    "day",
    "month",
)


@dataclass
class Table:
    title: str
    columns: list[tuple[str, str]]  # (heading, format)
    rows: list[list[Any]] = field(default_factory=list)
    links: list[str] = field(default_factory=list)  # each row's page, if rows have one
    on_page: bool = True  # False: the export's copy of numbers a chart already shows

    def body(self) -> list[dict]:
        """Rows as the page draws them: each cell with its column's format, and the row's
        link (put on its first cell)."""
        kinds = [kind for _, kind in self.columns]
        return [
            {
                "cells": list(zip(row, kinds, strict=True)),
                "link": self.links[index] if self.links else None,
            }
            for index, row in enumerate(self.rows)
        ]


@dataclass
class Bar:
    label: str
    value: str
    x: float
    y: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.x + self.width

    @property
    def left_of(self) -> float:
        return self.x - 8

    @property
    def text_y(self) -> float:
        return self.y + self.height / 2 + 5


@dataclass
class Chart:
    """An SVG bar chart: ``kind`` is ``horizontal`` (a funnel, a ranking) or ``columns`` (a
    trend); the template draws ``bars`` inside a ``width``×``height`` view box."""

    title: str
    kind: str
    width: int
    height: int
    bars: list[Bar]


@dataclass
class Heatmap:
    """A table whose cells are shaded by their value (the ageing of open deals)."""

    title: str
    columns: list[str]
    rows: list[tuple[str, list[tuple[int, int]]]]  # (label, [(count, shade 0–5)])


@dataclass
class Page:
    title: str
    charts: list[Chart | Heatmap]
    tables: list[Table]
    summary: list[tuple[str, str, Any]] = field(default_factory=list)  # (label, format, value)


CHART_WIDTH = 640
LABEL_WIDTH = 260
ROW_HEIGHT = 30
COLUMNS_HEIGHT = 180
COLUMN_MAX_WIDTH = 64


def horizontal(title: str, items: Iterable[tuple[str, float, str]]) -> Chart:
    """Bars from the left, one per row: ``(label, value, value as text)``."""
    items = list(items)
    top = max((value for _, value, _ in items), default=0) or 1
    span = CHART_WIDTH - LABEL_WIDTH - 80
    bars = [
        Bar(label, text, LABEL_WIDTH, index * ROW_HEIGHT + 4, span * value / top, ROW_HEIGHT - 8)
        for index, (label, value, text) in enumerate(items)
    ]
    return Chart(title, "horizontal", CHART_WIDTH, max(len(bars), 1) * ROW_HEIGHT, bars)


def columns(title: str, items: Iterable[tuple[str, float, str]]) -> Chart:
    """Columns from the bottom, one per period: ``(label, value, value as text)``."""
    items = list(items)
    top = max((value for _, value, _ in items), default=0) or 1
    step = CHART_WIDTH / max(len(items), 1)
    width = min(step * 0.7, COLUMN_MAX_WIDTH)
    bars = []
    for index, (label, value, text) in enumerate(items):
        height = (COLUMNS_HEIGHT - 20) * value / top
        left = index * step + (step - width) / 2
        bars.append(Bar(label, text, left, COLUMNS_HEIGHT - height, width, height))
    return Chart(title, "columns", CHART_WIDTH, COLUMNS_HEIGHT + 24, bars)


def _month(day) -> str:
    return date_format(day, "M Y")


def _number(value: Any) -> str:
    return f"{value:,.0f}".replace(",", "\u00a0") if value is not None else "—"


# --- the reports -----------------------------------------------------------------------------


def funnel_page(scope: Scope) -> Page:
    result = analytics.funnel(scope)
    stages = Table(
        gettext("Stages"),
        [
            (gettext("Stage"), TEXT),
            (gettext("Entered"), COUNT),
            (gettext("Moved on"), COUNT),
            (gettext("Lost"), COUNT),
            (gettext("Conversion to the next stage"), SHARE),
            (gettext("Conversion to a win"), SHARE),
            (gettext("Median time, h"), HOURS),
            (gettext("90th percentile, h"), HOURS),
        ],
        [
            [
                s.label,
                s.entered,
                s.moved_on,
                s.lost,
                s.conversion,
                s.win_conversion,
                s.median_hours,
                s.p90_hours,
            ]
            for s in result.stages
        ],
    )
    reasons = Table(
        gettext("Failure reasons"),
        [(gettext("Stage"), TEXT), (gettext("Reason"), TEXT), (gettext("Deals"), COUNT)],
        [[r["stage_label"], r["reason"] or "—", r["deals"]] for r in result.reasons],
    )
    months = Table(
        gettext("Wins by month"),
        [(gettext("Month"), MONTH), (gettext("Won"), COUNT), (gettext("Amount, RUB"), MONEY)],
        [[m["month"], m["won"], m["amount"]] for m in result.months],
    )
    return Page(
        gettext("Funnel"),
        [
            horizontal(
                gettext("Deals that entered each stage"),
                ((s.label, s.entered, str(s.entered)) for s in result.stages),
            ),
            columns(
                gettext("Won amount by month, RUB"),
                (
                    (_month(m["month"]), float(m["amount"]), _number(m["amount"]))
                    for m in result.months
                ),
            ),
        ],
        [stages, reasons, months],
        summary=[
            (gettext("Entered the pipeline"), COUNT, result.entered),
            (gettext("Won"), COUNT, result.won),
            (gettext("Lost"), COUNT, result.lost),
            (gettext("Conversion to a win"), SHARE, result.win_conversion),
            (gettext("Won amount, RUB"), MONEY, result.won_amount),
        ],
    )


def managers_page(scope: Scope) -> Page:
    rows = analytics.managers(scope)
    table = Table(
        gettext("Managers"),
        [
            (gettext("Manager"), TEXT),
            (gettext("Opened"), COUNT),
            (gettext("Won"), COUNT),
            (gettext("Lost"), COUNT),
            (gettext("Win rate"), SHARE),
            (gettext("Won amount, RUB"), MONEY),
            (gettext("Median time from request to win, h"), HOURS),
            (gettext("Open deals"), COUNT),
            (gettext("Open deals' amount, RUB"), MONEY),
        ],
        [
            [
                r.name,
                r.opened,
                r.won,
                r.lost,
                r.win_rate,
                r.won_amount,
                r.median_hours_to_win,
                r.open_deals,
                r.open_amount,
            ]
            for r in rows
        ],
    )
    chart = horizontal(
        gettext("Won amount, RUB"),
        ((r.name, float(r.won_amount), _number(r.won_amount)) for r in rows),
    )
    return Page(gettext("Managers"), [chart], [table])


def ageing_page(scope: Scope) -> Page:
    result = analytics.ageing(scope)
    top = max((count for row in result.rows for count in row["counts"]), default=0) or 1

    def shade(count: int) -> int:
        return 0 if not count else 1 + round(4 * count / top)

    several = len({row["pipeline"] for row in result.rows}) > 1

    def label(row: dict) -> str:
        return f"{row['pipeline_label']}: {row['label']}" if several else row["label"]

    heatmap = Heatmap(
        gettext("Open deals by days in the stage"),
        result.buckets,
        [(label(row), [(count, shade(count)) for count in row["counts"]]) for row in result.rows],
    )
    table = Table(
        gettext("Open deals by days in the stage"),
        [
            (gettext("Stage"), TEXT),
            *((bucket, COUNT) for bucket in result.buckets),
            (gettext("Total"), COUNT),
        ],
        [[label(row), *row["counts"], row["total"]] for row in result.rows],
        on_page=False,
    )
    oldest = Table(
        gettext("The oldest open deals"),
        [
            (gettext("Deal"), TEXT),
            (gettext("Client"), TEXT),
            (gettext("Stage"), TEXT),
            (gettext("In stage since"), DAY),
            (gettext("Responsible"), TEXT),
        ],
        [
            [
                deal.title,
                deal.company.name if deal.company else "",
                str(deal.pipeline_spec.stage(deal.stage).label),
                deal.stage_entered_at,
                person_name(deal.responsible) if deal.responsible else "",
            ]
            for deal in result.oldest
        ],
        links=[reverse("deals:detail", args=[deal.pk]) for deal in result.oldest],
    )
    summary = [(gettext("As of"), DAY, result.as_of)]
    return Page(gettext("Deal ageing"), [heatmap], [table, oldest], summary=summary)


def approvals_page(scope: Scope) -> Page:
    result = analytics.approvals(scope)
    table = Table(
        gettext("Director's decisions by month"),
        [
            (gettext("Month"), MONTH),
            (gettext("Decided"), COUNT),
            (gettext("Returned with remarks"), COUNT),
            (gettext("Median time to decision, h"), HOURS),
            (gettext("90th percentile, h"), HOURS),
        ],
        [
            [m["month"], m["decided"], m["returned"], m["median_hours"], m["p90_hours"]]
            for m in result["months"]
        ],
    )
    chart = columns(
        gettext("Median time to decision by month, h"),
        (
            (_month(m["month"]), m["median_hours"] or 0, f"{m['median_hours'] or 0:g}")
            for m in result["months"]
        ),
    )
    summary = [
        (gettext("Decided"), COUNT, result["decided"]),
        (gettext("Returned with remarks"), COUNT, result["returned"]),
        (gettext("Median time to decision, h"), HOURS, result["median_hours"]),
        (gettext("90th percentile, h"), HOURS, result["p90_hours"]),
    ]
    return Page(gettext("Director's approvals"), [chart], [table], summary=summary)


def warehouse_page(scope: Scope) -> Page:
    result = analytics.warehouse(scope)
    days = Table(
        gettext("Tasks done by day"),
        [(gettext("Day"), DAY), (gettext("Tasks done"), COUNT)],
        [[d["day"], d["done"]] for d in result["per_day"]],
    )
    workers = Table(
        gettext("Workers"),
        [
            (gettext("Worker"), TEXT),
            (gettext("Tasks done"), COUNT),
            (gettext("Hours tracked"), HOURS),
        ],
        [[w["worker"], w["done"], w["hours"]] for w in result["workers"]],
    )
    kinds = Table(
        gettext("Median tracked time per task"),
        [(gettext("Pipeline"), TEXT), (gettext("Median time, h"), HOURS)],
        [[k["label"], k["median_hours"]] for k in result["kinds"]],
    )
    chart = columns(
        gettext("Tasks done by day"),
        ((date_format(d["day"], "d.m"), d["done"], str(d["done"])) for d in result["per_day"]),
    )
    summary = [
        (gettext("Tasks done"), COUNT, result["done"]),
        (gettext("Units accepted"), COUNT, result["accepted_units"]),
        (gettext("Hours of acceptance work"), HOURS, result["acceptance_hours"]),
        (gettext("Units accepted per hour"), HOURS, result["units_per_hour"]),
    ]
    return Page(gettext("Warehouse"), [chart], [days, workers, kinds], summary=summary)


@dataclass(frozen=True)
class Report:
    slug: str
    label: Any
    build: Callable[[Scope], Page]
    needs_pipeline: bool = False
    uses_period: bool = True


REPORTS = {
    report.slug: report
    for report in (
        Report("funnel", _("Funnel"), funnel_page, needs_pipeline=True),
        Report("managers", _("Managers"), managers_page),
        Report("ageing", _("Deal ageing"), ageing_page, uses_period=False),
        Report("approvals", _("Director's approvals"), approvals_page),
        Report("warehouse", _("Warehouse"), warehouse_page),
    )
}
