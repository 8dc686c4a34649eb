"""Working time by the production calendar: pure arithmetic over dates, no queries.

A day is working from Monday to Friday unless the calendar marks it a day off (a holiday, a
day off moved onto a weekday), and a weekend day is working only when the calendar says so (a
Saturday the government moved a day off from). Working time is counted in whole days of the
company's time zone (``TIME_ZONE``): a working day counts all its 24 hours, a day off none.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.utils import timezone

from fulfillment.periods import day_start

# A year and a half of days off in a row is no calendar: stop rather than loop for ever.
MAX_DAYS = 550


class CalendarError(ValueError):
    """The calendar has no working day within ``MAX_DAYS``."""


@dataclass(frozen=True)
class WorkCalendar:
    # The calendar's days that differ from the week: True working, False a day off.
    exceptions: Mapping[datetime.date, bool] = field(default_factory=dict)

    def is_working(self, day: datetime.date) -> bool:
        return self.exceptions.get(day, day.weekday() < 5)

    def add_working_time(
        self, start: datetime.datetime, delta: datetime.timedelta
    ) -> datetime.datetime:
        """The moment ``delta`` of working time after ``start``: the time of days off is not
        counted. Started on a day off, the count begins when the next working day does."""
        zone = timezone.get_default_timezone()
        cursor = timezone.localtime(start, zone)
        remaining = delta
        for _ in range(MAX_DAYS * 2):
            day = cursor.date()
            next_midnight = day_start(day + datetime.timedelta(days=1))
            if self.is_working(day):
                available = next_midnight - cursor
                if remaining <= available:
                    return cursor + remaining
                remaining -= available
            cursor = next_midnight
        raise CalendarError(start)

    def add_working_days(self, day: datetime.date, count: int) -> datetime.date:
        """The ``count``-th working day after ``day`` (``day`` itself for 0)."""
        for _ in range(MAX_DAYS * 2):
            if count <= 0:
                return day
            day += datetime.timedelta(days=1)
            if self.is_working(day):
                count -= 1
        raise CalendarError(day)
