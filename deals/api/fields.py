"""Serializer fields of deal fields, built from the model columns the pipeline spec names.

Nothing here lists fields: the codes come from ``Pipeline.field_codes`` and the
``company.*`` requirements, the types, labels and choices from the columns (through
``deals.pipelines.fields``).
"""

from __future__ import annotations

from functools import cache

from django.db import models
from django.urls import reverse
from rest_framework import serializers
from rest_framework.fields import empty

from deals.fields import MultipleChoiceField
from deals.pipelines import PIPELINES
from deals.pipelines.fields import DEAL_FIELDS, field_choices, field_label, model_field


class DownloadFileField(serializers.FileField):
    """Takes an upload; answers the API's protected download URL (``/api/files/<name>``),
    never the storage's public one."""

    def to_representation(self, value) -> str | None:
        if not value:
            return None
        url = reverse("api:file", args=[value.name])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class FormBooleanField(serializers.BooleanField):
    """A flag that, absent from a multipart form, is not sent rather than «no»."""

    default_empty_html = empty


def _build(code: str, field: models.Field, *, read_only: bool) -> serializers.Field:
    """One serializer field for one model column, typed and validated like the column."""
    common = {"label": field_label(code), "required": False, "read_only": read_only}
    if field.null:
        common["allow_null"] = True
    if isinstance(field, MultipleChoiceField):
        return serializers.ListField(
            child=serializers.ChoiceField(choices=field_choices(field)), **common
        )
    if isinstance(field, models.FileField):
        common["allow_null"] = True
        return DownloadFileField(**common)
    if isinstance(field, models.ForeignKey):
        if read_only:
            return serializers.IntegerField(source=field.attname, **common)
        queryset = field.related_model._default_manager.all()
        return serializers.PrimaryKeyRelatedField(queryset=queryset, **common)
    if isinstance(field, models.BooleanField):
        return FormBooleanField(**common)
    if isinstance(field, models.DecimalField):
        return serializers.DecimalField(
            max_digits=field.max_digits, decimal_places=field.decimal_places, min_value=0, **common
        )
    if isinstance(field, models.IntegerField):
        return serializers.IntegerField(min_value=0, max_value=2**31 - 1, **common)
    if isinstance(field, models.DateTimeField):
        return serializers.DateTimeField(**common)
    if isinstance(field, models.DateField):
        return serializers.DateField(**common)
    if field.choices:
        return serializers.ChoiceField(choices=field_choices(field), allow_blank=True, **common)
    return serializers.CharField(
        allow_blank=True, max_length=field.max_length, trim_whitespace=False, **common
    )


def deal_field(code: str, *, read_only: bool = False) -> serializers.Field:
    return _build(code, model_field(code), read_only=read_only)


@cache
def company_detail_codes() -> tuple[str, ...]:
    """The company's details that moves require (``company.inn`` …): a deal form or move may
    fill them in along with the deal's own fields."""
    return tuple(sorted({path for p in PIPELINES.values() for path in p.company_paths}))


def writable_codes() -> list[str]:
    """Every deal field staff fill in, in any pipeline, then the company details."""
    seen: dict[str, None] = {}
    for pipeline in PIPELINES.values():
        for code in pipeline.field_codes:
            if DEAL_FIELDS[code].editable:
                seen[code] = None
    return [*seen, *company_detail_codes()]


def source_name(code: str) -> str:
    """Serializer ``source`` of a code: dots would mean nesting to DRF."""
    return code.replace(".", "__")


def code_of(source: str) -> str:
    return source.replace("__", ".")
