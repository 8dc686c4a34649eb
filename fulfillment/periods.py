"""Report periods: whole days of the company's time zone, checked alike by every report's
filter (the task time report, the analytics)."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext

# Years the databases and the calendar handle; a typed 0001 or 9999 is refused, not a 500.
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100


def day_start(day: datetime.date) -> datetime.datetime:
    """The start of ``day`` in the company's time zone."""
    return timezone.make_aware(
        datetime.datetime.combine(day, datetime.time.min), timezone.get_default_timezone()
    )


def period_errors(
    date_from: datetime.date | None, date_to: datetime.date | None
) -> list[tuple[str, str]]:
    """``(field, message)`` for each thing wrong with a period: a date outside the years
    handled, an end before the start."""
    errors = []
    for name, day in (("date_from", date_from), ("date_to", date_to)):
        if day is not None and not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
            errors.append(
                (
                    name,
                    gettext("Choose a date between %(first)s and %(last)s.")
                    % {"first": EARLIEST_YEAR, "last": LATEST_YEAR},
                )
            )
    if date_from and date_to and date_from > date_to:
        errors.append(("date_to", gettext("The period ends before it starts.")))
    return errors


def spreadsheet_safe(value):
    """Text a spreadsheet must not run as a formula (titles and names are typed by people)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
