"""Filter fields of the lists (pages and API) that refuse what the database cannot compare.

A query value goes straight into SQL: ``?amount_min=-1e1000000`` overflows PostgreSQL's
numeric, ``?company=99999999999999999999`` SQLite's integer. These fields bound a value by
the column it is compared with, so it is refused as bad input (400) with a message rather
than failing in the database (500). Text needs nothing extra: Django's ``CharField`` already
refuses a NUL character, which PostgreSQL cannot store or compare.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db import models
from django_filters.fields import RangeField

# The largest key a bigint column holds (the ids of every table).
MAX_ID = 2**63 - 1


class IdField(forms.IntegerField):
    """A row id: a positive integer a bigint column holds."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


class IdFilter(django_filters.NumberFilter):
    field_class = IdField


class ColumnDecimalField(forms.DecimalField):
    """A number compared with a decimal column: no more digits and decimal places than the
    column has (never NaN or infinity; Django's ``DecimalField`` refuses those)."""

    def __init__(self, *, column: models.DecimalField, **kwargs) -> None:
        kwargs.setdefault("max_digits", column.max_digits)
        kwargs.setdefault("decimal_places", column.decimal_places)
        super().__init__(**kwargs)


class ColumnDecimalFilter(django_filters.NumberFilter):
    """``NumberFilter`` of a decimal column: ``ColumnDecimalFilter(column=Deal.amount.field,
    lookup_expr="gte")`` (the field name is the column's)."""

    field_class = ColumnDecimalField

    def __init__(self, *args, column: models.DecimalField, **kwargs) -> None:
        kwargs.setdefault("field_name", column.name)
        super().__init__(*args, column=column, **kwargs)

    def get_max_validator(self) -> None:
        return None  # the column's digits bound it already (django-filter's is 1e50)


class ColumnDecimalRangeField(RangeField):
    def __init__(self, *args, column: models.DecimalField, **kwargs) -> None:
        fields = (ColumnDecimalField(column=column), ColumnDecimalField(column=column))
        super().__init__(fields, *args, **kwargs)


class ColumnDecimalRangeFilter(django_filters.RangeFilter):
    """``RangeFilter`` (from/to) of a decimal column, each end bounded by the column."""

    field_class = ColumnDecimalRangeField

    def __init__(self, *args, column: models.DecimalField, **kwargs) -> None:
        kwargs.setdefault("field_name", column.name)
        super().__init__(*args, column=column, **kwargs)
