"""When a stage is due: working days and hours across weekends, holidays and moved working
days; dates + N days; the rules checked against the pipeline spec."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from deadlines.models import StageDeadline
from deadlines.services import (
    CLOSED_STAGE,
    DATE_NOT_IN_PIPELINE,
    HOURS_FROM_DATE,
    UNKNOWN_STAGE,
    deadline_book,
    stage_due_at,
    working_calendar,
)
from deals.pipelines import PIPELINES
from tests.deadlines.conftest import msk

pytestmark = pytest.mark.django_db

Unit, Base = StageDeadline.Unit, StageDeadline.Base


def due(entered_at=None, *, amount=1, unit=Unit.WORKING_DAYS, base=Base.STAGE_ENTRY, **dates):
    rule = StageDeadline(
        pipeline="acceptance", stage="to_warehouse", base=base, amount=amount, unit=unit
    )
    return stage_due_at(rule, entered_at=entered_at, dates=dates, calendar=working_calendar())


@pytest.mark.parametrize(
    ("entered", "amount", "unit", "expected"),
    [
        # Friday afternoon + 1 working day: Monday, same time (the weekend is not counted).
        (msk(2026, 12, 4, 15, 0), 1, Unit.WORKING_DAYS, msk(2026, 12, 7, 15, 0)),
        (msk(2026, 12, 1, 9, 30), 3, Unit.WORKING_DAYS, msk(2026, 12, 4, 9, 30)),
        # Entered on Saturday: the count starts when Monday does, so it ends with Monday.
        (msk(2026, 12, 5, 11, 0), 1, Unit.WORKING_DAYS, msk(2026, 12, 8, 0, 0)),
        # 31 December 2026 is a day off and the new-year holidays run to 10 January 2027.
        (msk(2026, 12, 30, 10, 0), 1, Unit.WORKING_DAYS, msk(2027, 1, 11, 10, 0)),
        # 20 February 2027 is a working Saturday; 22–23 February are days off.
        (msk(2027, 2, 19, 12, 0), 1, Unit.WORKING_DAYS, msk(2027, 2, 20, 12, 0)),
        (msk(2027, 2, 20, 12, 0), 1, Unit.WORKING_DAYS, msk(2027, 2, 24, 12, 0)),
        # 4 November 2026 (Wednesday), Unity Day.
        (msk(2026, 11, 3, 17, 0), 1, Unit.WORKING_DAYS, msk(2026, 11, 5, 17, 0)),
        # Working hours: Friday 22:00 + 4 h is Monday 02:00.
        (msk(2026, 12, 4, 22, 0), 4, Unit.WORKING_HOURS, msk(2026, 12, 7, 2, 0)),
        (msk(2026, 12, 3, 10, 0), 5, Unit.WORKING_HOURS, msk(2026, 12, 3, 15, 0)),
        # Calendar days count every day.
        (msk(2026, 12, 4, 15, 0), 2, Unit.DAYS, msk(2026, 12, 6, 15, 0)),
        # 0 working days from a day off: the start of the next working day.
        (msk(2026, 12, 6, 15, 0), 0, Unit.WORKING_DAYS, msk(2026, 12, 7, 0, 0)),
    ],
)
def test_due_from_entering_the_stage(entered, amount, unit, expected):
    assert due(entered, amount=amount, unit=unit) == expected


@pytest.mark.parametrize(
    ("day", "amount", "unit", "expected"),
    [
        # «By the expected arrival date + 1 day»: the end of the day after the arrival.
        (datetime.date(2026, 12, 10), 1, Unit.DAYS, msk(2026, 12, 12, 0, 0)),
        (datetime.date(2026, 12, 10), 0, Unit.DAYS, msk(2026, 12, 11, 0, 0)),
        # + 1 working day from a Friday: the end of Monday.
        (datetime.date(2026, 12, 11), 1, Unit.WORKING_DAYS, msk(2026, 12, 15, 0, 0)),
        (datetime.date(2026, 12, 30), 1, Unit.WORKING_DAYS, msk(2027, 1, 12, 0, 0)),
    ],
)
def test_due_from_a_date_of_the_deal(day, amount, unit, expected):
    assert due(base=Base.ARRIVAL_DATE, amount=amount, unit=unit, arrival_date=day) == expected


def test_a_rule_counting_from_an_empty_date_sets_no_deadline():
    assert due(base=Base.ARRIVAL_DATE, arrival_date=None) is None


def test_the_calendar_is_filled_with_the_official_days_off_of_2026_and_2027():
    calendar = working_calendar()
    days_off_2026 = [
        datetime.date(2026, 1, d)
        for d in range(1, 12)
        if not calendar.is_working(datetime.date(2026, 1, d))
    ]
    assert days_off_2026 == [datetime.date(2026, 1, d) for d in range(1, 12)]
    assert calendar.is_working(datetime.date(2026, 1, 12))
    for day in [(2026, 2, 23), (2026, 3, 9), (2026, 5, 11), (2026, 12, 31), (2027, 11, 5)]:
        assert not calendar.is_working(datetime.date(*day)), day
    assert calendar.is_working(datetime.date(2027, 2, 20))  # a Saturday made working
    assert not calendar.is_working(datetime.date(2026, 12, 5))  # an ordinary Saturday
    assert calendar.is_working(datetime.date(2026, 12, 4))


def test_the_book_reads_the_rules_and_calendar_once(django_assert_num_queries):
    StageDeadline.objects.create(pipeline="calculation", stage="director_approval", amount=1)
    with django_assert_num_queries(2):
        book = deadline_book()
    values = {"stage": "director_approval", "stage_entered_at": msk(2026, 12, 4, 15, 0)}
    with django_assert_num_queries(0):
        assert book.due_at("calculation", values) == msk(2026, 12, 7, 15, 0)
        assert book.due_at("calculation", {**values, "stage": "proposal"}) is None
        assert book.due_at("acceptance", values) is None


# --- the rules against the spec -------------------------------------------------------------


@pytest.mark.parametrize(
    ("pipeline", "stage"),
    [(p.code, s.code) for p in PIPELINES.values() for s in p.open_stages],
)
def test_every_open_stage_may_have_a_time_limit(pipeline, stage):
    StageDeadline(pipeline=pipeline, stage=stage, amount=2).full_clean()


@pytest.mark.parametrize(
    ("pipeline", "stage"),
    [(p.code, s.code) for p in PIPELINES.values() for s in p.stages if not s.is_open],
)
def test_a_closed_stage_has_no_time_limit(pipeline, stage):
    with pytest.raises(ValidationError) as refusal:
        StageDeadline(pipeline=pipeline, stage=stage, amount=2).full_clean()
    assert refusal.value.message_dict["stage"] == [str(CLOSED_STAGE)]


def test_a_stage_outside_the_pipeline_is_refused():
    with pytest.raises(ValidationError) as refusal:
        StageDeadline(pipeline="calculation", stage="to_warehouse", amount=1).full_clean()
    assert refusal.value.message_dict["stage"] == [
        str(UNKNOWN_STAGE) % {"pipeline": PIPELINES["calculation"].label, "stage": "to_warehouse"}
    ]


def test_a_date_the_pipeline_does_not_have_is_refused():
    with pytest.raises(ValidationError) as refusal:
        StageDeadline(
            pipeline="calculation", stage="new", base=Base.ARRIVAL_DATE, amount=1
        ).full_clean()
    assert refusal.value.message_dict["base"] == [
        str(DATE_NOT_IN_PIPELINE)
        % {"pipeline": PIPELINES["calculation"].label, "field": Base.ARRIVAL_DATE.label}
    ]


def test_hours_count_from_entering_the_stage_only():
    with pytest.raises(ValidationError) as refusal:
        StageDeadline(
            pipeline="shipment",
            stage="to_warehouse",
            base=Base.SHIPMENT_DATE,
            amount=4,
            unit=Unit.WORKING_HOURS,
        ).full_clean()
    assert refusal.value.message_dict["unit"] == [str(HOURS_FROM_DATE)]
    StageDeadline(
        pipeline="shipment", stage="to_warehouse", base=Base.SHIPMENT_DATE, amount=1
    ).full_clean()
    StageDeadline(
        pipeline="processing", stage="to_warehouse", base=Base.DEADLINE, amount=0
    ).full_clean()
