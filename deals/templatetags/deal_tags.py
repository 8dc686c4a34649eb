"""Showing deal fields the way staff read them: choices by label, files as download links,
money in roubles, time in stage in days."""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any

from django import template
from django.db import models
from django.db.models.fields.files import FieldFile
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import get_format
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from deals.fields import MultipleChoiceField
from deals.pipelines.base import resolve
from deals.pipelines.fields import field_label, model_field, requirement_label
from fulfillment.roles import is_director, person_name

register = template.Library()
KOPECK = Decimal("0.01")


@register.filter
def money(value: Decimal | None) -> str:
    """«185 000 ₽»: grouped as the language groups numbers; kopecks only when there are any.

    Formatted by Python with the language's separators rather than ``number_format``: a board
    prints it on every card, and both of our languages group by thousands."""
    if value is None:
        return "—"
    if value == value.to_integral_value():
        text = f"{value:,.0f}"
    else:
        text = f"{value.quantize(KOPECK, ROUND_HALF_UP):,.2f}"
    decimal_separator, thousand_separator = _separators(get_language())
    return f"{text.translate({44: thousand_separator, 46: decimal_separator})}\u00a0₽"


@lru_cache
def _separators(language: str | None) -> tuple[str, str]:
    return get_format("DECIMAL_SEPARATOR", language), get_format("THOUSAND_SEPARATOR", language)


@register.filter
def days_in_stage(entered: datetime.datetime | None) -> int:
    if entered is None:
        return 0
    return (timezone.now() - entered).days


@register.filter
def label_of(path: str) -> str:
    return field_label(path)


@register.simple_tag
def field_display(deal, path: str) -> str:
    """The value of a deal (or ``company.*``) path as text or a download link."""
    column = model_field(path)
    value = resolve(deal, path)
    return display_value(column, value)


def display_value(column: models.Field, value: Any) -> str:
    if isinstance(value, FieldFile):
        if not value:
            return "—"
        return format_html('<a href="{}" download>{}</a>', value.url, basename(value.name))
    if isinstance(column, MultipleChoiceField):
        return column.display(value) or "—"
    if isinstance(column, models.BooleanField):
        return _("yes") if value else _("no")
    if value in (None, ""):
        return "—"
    if isinstance(column, models.DecimalField):
        return money(value)
    if column.choices:
        return str(dict(column.flatchoices).get(value, value))
    if isinstance(column, models.DateTimeField):
        return timezone.localtime(value).strftime("%d.%m.%Y %H:%M")
    if isinstance(column, models.DateField):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, models.Model) and hasattr(value, "get_full_name"):
        return person_name(value)
    return str(value)


@register.filter
def person(user) -> str:
    if user is None:
        return _("the system")
    return person_name(user)


@register.filter
def get_item(mapping: dict, key: str) -> Any:
    return mapping.get(key, "") if mapping else ""


@register.filter
def has_word(words: str, word: str) -> bool:
    """Whether a space-separated list (a field's ``data-required-at``) contains ``word``."""
    return word in (words or "").split()


@register.filter
def basename(name: str) -> str:
    """An uploaded file's own name, without the random folder it is stored under."""
    return (name or "").rsplit("/", 1)[-1]


@register.filter
def missing_labels(requirements) -> str:
    """«Компания, Контактное лицо»: what a move still lacks, by the spec's labels."""
    return ", ".join(requirement_label(r) for r in requirements)


@register.simple_tag(takes_context=True)
def task_link(context, task) -> str:
    """A task's title as a link to where it is worked on: a warehouse task's page (its
    progress and time), the director's inbox for the director's approvals, an assignment's
    place among the deal's open tasks, else the deal's timeline."""
    user = context["request"].user
    if task.kind == "warehouse":
        url = reverse("warehouse:task", args=[task.pk])
    elif task.kind == "assignment":
        url = reverse("deals:detail", args=[task.deal_id]) + "#tasks-title"
    elif is_director(user) and task.is_open:
        url = reverse("deals:approvals") + f"#approval-{task.pk}"
    else:
        url = reverse("deals:detail", args=[task.deal_id]) + "#timeline"
    return format_html('<a href="{}">{}</a>', url, task.title)
