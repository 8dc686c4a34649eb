"""Formatting of the warehouse pages: durations as staff write them, field values."""

import datetime

from django import template
from django.utils.formats import date_format

from warehouse.reports import format_duration

register = template.Library()


@register.filter
def duration_hm(value) -> str:
    """«2:05» from seconds or a timedelta."""
    if isinstance(value, datetime.timedelta):
        value = int(value.total_seconds())
    return format_duration(max(0, int(value or 0)))


@register.filter
def duration_hms(value) -> str:
    """«2:05:09» from seconds: a running clock shows its seconds, so its first minute moves."""
    seconds = max(0, int(value or 0))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


@register.filter
def display_value(value) -> str:
    if isinstance(value, datetime.datetime):
        return date_format(value, "d.m.Y H:i")
    if isinstance(value, datetime.date):
        return date_format(value, "d.m.Y")
    return "" if value is None else str(value)


@register.filter
def filename(name: str) -> str:
    """The file's own name, without the storage folders."""
    return str(name or "").rsplit("/", 1)[-1]
