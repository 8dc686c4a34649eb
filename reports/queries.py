"""Aggregates both databases compute alike: seconds between two moments, percentiles, and
distinct counts.

PostgreSQL has ``percentile_cont``; SQLite has no percentile at all, so there the same
interpolation is computed with window functions (which SQLite has since 3.25). The two
statements give the same figures for the same data — a report's median never depends on where
it runs; the known-answer tests run on both databases to keep it so.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connections
from django.db.models import Case, Expression, FloatField, Func, Max, Q, QuerySet, Value, When

PERCENTS = (50, 90)


class Seconds(Func):
    """Seconds from ``start`` to ``end`` (a float), on PostgreSQL and SQLite alike."""

    output_field = FloatField()

    def __init__(self, end: Any, start: Any) -> None:
        super().__init__(end, start)

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="EXTRACT(EPOCH FROM (%(expressions)s))", arg_joiner=" - "
        )

    def as_sqlite(self, compiler, connection, **extra):
        # julianday() keeps milliseconds: the reports show hours to two decimals.
        return self.as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s)) * 86400.0)",
            arg_joiner=") - julianday(",
        )


def _compiled(rows: QuerySet) -> tuple[str, tuple]:
    return rows.query.get_compiler(using=rows.db).as_sql()


def percentiles(
    rows: QuerySet, *, group: Expression, value: Expression, percents: Iterable[int] = PERCENTS
) -> dict[Any, dict[int, float]]:
    """``{group: {percent: value}}`` over ``rows``, in one query.

    Interpolated between the two nearest ranks as PostgreSQL's ``percentile_cont`` does: rank
    ``(n - 1) * p / 100`` counted from 0, its fraction weighing the next value. Groups with no
    value are absent. ``rows`` may be grouped itself (a sum per task, say).
    """
    percents = tuple(percents)
    rows = (
        rows.order_by()
        .annotate(report_group=group, report_value=value)
        .values("report_group", "report_value")
    )
    inner, params = _compiled(rows)
    if connections[rows.db].vendor == "postgresql":
        fractions = ", ".join(str(p / 100) for p in percents)
        sql = f"""
            SELECT report_group,
                percentile_cont(ARRAY[{fractions}]) WITHIN GROUP (ORDER BY report_value)
            FROM ({inner}) report_rows
            WHERE report_value IS NOT NULL
            GROUP BY report_group
        """
        with connections[rows.db].cursor() as cursor:
            cursor.execute(sql, params)
            return {
                key: dict(zip(percents, map(float, values), strict=True))
                for key, values in cursor.fetchall()
            }
    picks = []
    for percent in percents:
        low = f"1 + ((n - 1) * {percent}) / 100"
        high = f"1 + ((n - 1) * {percent} + 99) / 100"
        picks.append(f"MAX(CASE WHEN rn = {low} THEN report_value END)")
        picks.append(f"MAX(CASE WHEN rn = {high} THEN report_value END)")
    sql = f"""
        SELECT report_group, n, {", ".join(picks)}
        FROM (
            SELECT report_group, report_value,
                ROW_NUMBER() OVER (PARTITION BY report_group ORDER BY report_value) AS rn,
                COUNT(*) OVER (PARTITION BY report_group) AS n
            FROM ({inner}) report_rows
            WHERE report_value IS NOT NULL
        ) ranked
        GROUP BY report_group, n
    """
    result: dict[Any, dict[int, float]] = {}
    with connections[rows.db].cursor() as cursor:
        cursor.execute(sql, params)
        for key, n, *values in cursor.fetchall():
            figures = {}
            for index, percent in enumerate(percents):
                low, high = (float(v) for v in values[2 * index : 2 * index + 2])
                weight = ((n - 1) * percent % 100) / 100
                figures[percent] = low + (high - low) * weight
            result[key] = figures
    return result


def distinct_counts(
    rows: QuerySet, *, group: Expression, unit: Expression, flags: dict[str, Q] | None = None
) -> dict[Any, dict[str, int]]:
    """Per group, how many distinct ``unit``s (``"n"``: deals, say) its rows have, and how many
    of those have a row meeting each of ``flags`` — in one query.

    The rows are grouped by (group, unit) first, which both databases do with a hash, and then
    counted: ``COUNT(DISTINCT …)`` makes PostgreSQL sort every group's rows instead
    (``bench_reports``: most of a funnel's time at a million history rows).
    """
    flags = flags or {}
    assert all(name.isidentifier() and name.islower() for name in flags)
    marks = {
        name: Max(Case(When(condition, then=Value(1)), default=Value(0)))
        for name, condition in flags.items()
    }
    pairs = (
        rows.order_by()
        .annotate(report_group=group, report_unit=unit)
        .values("report_group", "report_unit")
        .annotate(**marks)
    )
    inner, params = _compiled(pairs)
    sums = "".join(f", SUM({name})" for name in flags)
    sql = f"SELECT report_group, COUNT(*){sums} FROM ({inner}) pairs GROUP BY report_group"
    with connections[rows.db].cursor() as cursor:
        cursor.execute(sql, params)
        return {
            key: {"n": n, **{name: int(v) for name, v in zip(flags, values, strict=True)}}
            for key, n, *values in cursor.fetchall()
        }
