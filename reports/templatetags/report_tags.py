"""How a report's cell reads on the page, by its column's format."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django import template
from django.utils import timezone
from django.utils.formats import date_format, number_format

from reports.tables import COUNT, DAY, HOURS, MONEY, MONTH, SHARE

register = template.Library()


@register.filter
def cell(value, kind: str) -> str:
    if value is None or value == "":
        return "—"
    if kind == SHARE:
        return f"{number_format(round(value * 100, 1), 1)}\u00a0%"
    if kind == HOURS:
        return number_format(round(value, 1), 1)
    if kind == MONEY:
        return number_format(Decimal(value), 0, force_grouping=True)
    if kind == COUNT:
        return number_format(value, force_grouping=True)
    if kind in (DAY, MONTH) and isinstance(value, datetime.date):
        if isinstance(value, datetime.datetime):
            value = timezone.localtime(value)
        return date_format(value, "F Y" if kind == MONTH else "d.m.Y")
    return str(value)


@register.filter
def numeric(kind: str) -> bool:
    """Columns of numbers are right-aligned."""
    return kind in (COUNT, SHARE, HOURS, MONEY)
