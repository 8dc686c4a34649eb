"""Every report on a history whose answers are worked out by hand (tests/reports/conftest.py).

The suite runs on SQLite and, in CI, on PostgreSQL: the same expected figures on both are
what keeps the embedded default and production printing the same numbers.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
import time_machine

from fulfillment.roles import user_roles
from reports import analytics
from reports.analytics import Scope
from tests.factories.history import NOW, PERIOD


def scope(user, **extra) -> Scope:
    user_roles(user)  # a request has them already (the menu); the counts are the reports'
    return Scope(user=user, **{**PERIOD, **extra})


def test_funnel_of_the_calculation_pipeline(history, director, django_assert_num_queries):
    covered = scope(director, pipeline="calculation")
    with django_assert_num_queries(5):
        funnel = analytics.funnel(covered)
    stages = {row.stage: row for row in funnel.stages}
    assert list(stages) == ["new", "proposal", "director_approval", "client_approval", "won"]
    figures = {
        code: (row.entered, row.moved_on, row.lost, row.conversion, row.win_conversion)
        for code, row in stages.items()
    }
    assert figures == {
        "new": (4, 3, 0, 0.75, 0.25),
        "proposal": (4, 3, 1, 0.75, 0.5),
        "director_approval": (3, 2, 0, 0.6667, 0.6667),
        "client_approval": (2, 2, 0, 1.0, 1.0),
        "won": (2, 0, 0, None, 1.0),
    }
    times = {code: (row.median_hours, row.p90_hours) for code, row in stages.items()}
    assert times == {
        "new": (4.0, 8.8),  # 2, 4, 10 h; the stay entered in September is not this period's
        "proposal": (24.0, 480.0),  # 12, 24, 24, 48, 768 h
        "director_approval": (24.0, 24.0),  # 12 (returned), 24, 24 h
        "client_approval": (48.0, 48.0),
        "won": (None, None),
    }
    assert (funnel.entered, funnel.won, funnel.lost) == (4, 2, 1)
    assert funnel.won_amount == Decimal(130_000)
    assert funnel.win_conversion == 0.25
    assert funnel.reasons == [
        {
            "stage": "proposal",
            "stage_label": stages["proposal"].label,
            "reason": "Дорого",
            "deals": 1,
        }
    ]
    assert [(m["month"].isoformat(), m["won"], m["amount"]) for m in funnel.months] == [
        ("2026-10-01", 1, Decimal(100_000)),
        ("2026-11-01", 1, Decimal(30_000)),
    ]


def test_a_manager_s_funnel_is_of_their_own_deals(history):
    funnel = analytics.funnel(scope(history["m1"], pipeline="calculation"))
    stages = {row.stage: row for row in funnel.stages}
    assert (stages["new"].entered, stages["proposal"].lost, funnel.won) == (3, 1, 1)
    assert stages["director_approval"].entered == 1


def test_the_director_filters_the_funnel_by_manager(history, director):
    funnel = analytics.funnel(scope(director, pipeline="calculation", responsible=history["m2"]))
    stages = {row.stage: row for row in funnel.stages}
    assert (stages["new"].entered, stages["proposal"].entered, funnel.won) == (1, 2, 1)
    assert stages["proposal"].median_hours == 24.0  # 12, 24, 768 h


def test_managers(history, director, django_assert_num_queries):
    covered = scope(director)
    with django_assert_num_queries(5):
        rows = analytics.managers(covered)
    figures = {
        row.name: (
            row.opened,
            row.won,
            row.lost,
            row.win_rate,
            row.won_amount,
            row.median_hours_to_win,
            row.open_deals,
            row.open_amount,
        )
        for row in rows
    }
    assert figures == {
        "Анна Первая": (3, 1, 1, 0.5, Decimal(100_000), 98.0, 1, Decimal(70_000)),
        "Борис Второй": (1, 1, 0, 1.0, Decimal(30_000), 1008.0, 2, Decimal(210_000)),
        "Вера Третья": (0, 0, 0, None, Decimal(0), None, 4, Decimal(0)),
    }
    assert [row.name for row in analytics.managers(scope(history["m1"]))] == ["Анна Первая"]


def test_ageing(history, director, django_assert_num_queries):
    covered = scope(director, pipeline="calculation")
    with time_machine.travel(NOW, tick=False), django_assert_num_queries(2):
        report = analytics.ageing(covered)
    counts = {row["stage"]: row["counts"] for row in report.rows}
    assert counts == {
        "new": [0, 1, 0, 0, 1, 0],  # since 1 December 10:00 and since 10 November
        "proposal": [0, 0, 0, 0, 0, 0],
        "director_approval": [0, 0, 0, 0, 0, 1],  # since 22 October
        "client_approval": [0, 0, 0, 0, 0, 0],
    }
    assert [deal.pk for deal in report.oldest] == [
        history["deals"][2].pk,
        *[deal.pk for deal in report.oldest[1:]],
    ]
    assert len(report.oldest) == 3
    with time_machine.travel(NOW, tick=False):
        everything = analytics.ageing(scope(director))
    assert sum(row["total"] for row in everything.rows) == 7  # and m3's four warehouse deals


def test_the_director_s_approval_loop(history, director, django_assert_num_queries):
    covered = scope(director)
    with django_assert_num_queries(3):
        report = analytics.approvals(covered)
    assert (report["decided"], report["returned"]) == (3, 1)
    assert (report["median_hours"], report["p90_hours"]) == (24.0, 24.0)
    assert [
        (m["month"].isoformat(), m["decided"], m["returned"], m["median_hours"], m["p90_hours"])
        for m in report["months"]
    ] == [("2026-10-01", 2, 1, 18.0, 22.8), ("2026-11-01", 1, 0, 24.0, 24.0)]


def test_warehouse(history, director, django_assert_num_queries):
    covered = scope(director)
    with django_assert_num_queries(6):
        report = analytics.warehouse(covered)
    assert report["done"] == 3
    assert [(d["day"].isoformat(), d["done"]) for d in report["per_day"]] == [
        ("2026-10-05", 1),
        ("2026-10-06", 2),
    ]
    assert report["workers"] == [
        {"worker": "Глеб Склад", "done": 2, "hours": 5.0},
        {"worker": "Дина Склад", "done": 1, "hours": 2.0},
    ]
    assert [(k["pipeline"], k["median_hours"]) for k in report["kinds"]] == [
        ("acceptance", 3.0),
        ("shipment", 1.0),
    ]
    assert (report["accepted_units"], report["acceptance_hours"]) == (800, 6.0)
    assert report["units_per_hour"] == 133.3


@pytest.mark.parametrize("report", ["funnel", "managers", "approvals", "warehouse"])
def test_a_period_without_work_is_empty_not_an_error(history, director, report):
    empty = Scope(
        user=director,
        date_from=PERIOD["date_from"].replace(year=2020),
        date_to=PERIOD["date_to"].replace(year=2020),
    )
    result = getattr(analytics, report)(empty)
    assert result is not None
