"""The pipelines as the spec declares them: stages, moves, and every deal field with its type,
labels, choices and the stages that require it. Clients build their forms from this."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.utils.translation import override
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from deals import selectors
from deals.api.serializers import FailureReasonSerializer
from deals.pipelines import PIPELINES, Pipeline, StageKind
from deals.pipelines.base import TRANSITION_KINDS
from deals.pipelines.fields import (
    DEAL_FIELDS,
    field_choices,
    field_label,
    field_type,
    model_field,
    stages_requiring,
)
from fulfillment.api.pagination import paginated


def _labels(value: Any) -> dict[str, str]:
    """The Russian and English label of a lazily translated text (or of a callable's)."""
    labels = {}
    for language in ("ru", "en"):
        with override(language):
            labels[f"label_{language}"] = str(value() if callable(value) else value)
    return labels


class ChoiceSerializer(serializers.Serializer):
    value = serializers.CharField()
    label_ru = serializers.CharField()
    label_en = serializers.CharField()


class StageSerializer(serializers.Serializer):
    code = serializers.CharField()
    label_ru = serializers.CharField()
    label_en = serializers.CharField()
    kind = serializers.ChoiceField(choices=[kind.value for kind in StageKind])
    requires = serializers.ListField(
        child=serializers.CharField(), help_text="Codes required to leave the stage."
    )


class TransitionSerializer(serializers.Serializer):
    name = serializers.CharField()
    sources = serializers.ListField(child=serializers.CharField())
    target = serializers.CharField(allow_null=True)
    kind = serializers.ChoiceField(choices=TRANSITION_KINDS)
    label_ru = serializers.CharField()
    label_en = serializers.CharField()


class PipelineSerializer(serializers.Serializer):
    code = serializers.CharField()
    label_ru = serializers.CharField()
    label_en = serializers.CharField()
    stages = StageSerializer(many=True)
    transitions = TransitionSerializer(many=True)


class PipelineFieldSerializer(serializers.Serializer):
    code = serializers.CharField()
    label_ru = serializers.CharField()
    label_en = serializers.CharField()
    type = serializers.ChoiceField(
        choices=[
            "string",
            "text",
            "choice",
            "multichoice",
            "integer",
            "decimal",
            "boolean",
            "date",
            "datetime",
            "file",
            "reference",
        ]
    )
    choices = ChoiceSerializer(many=True)
    required_in_stages = serializers.ListField(
        child=serializers.CharField(), help_text="Stages that cannot be left without it."
    )
    editable = serializers.BooleanField(help_text="False: filled in by the automation only.")
    money = serializers.BooleanField(help_text="Amounts and invoices: hidden from the warehouse.")


def pipeline_data(pipeline: Pipeline) -> dict[str, Any]:
    return {
        "code": pipeline.code,
        **_labels(pipeline.label),
        "stages": [
            {
                "code": stage.code,
                **_labels(stage.label),
                "kind": str(stage.kind),
                "requires": [r.code for r in stage.requires],
            }
            for stage in pipeline.stages
        ],
        "transitions": [
            {
                "name": move.name,
                "sources": list(move.sources),
                "target": move.target,
                "kind": move.kind,
                **_labels(move.label),
            }
            for move in pipeline.transitions
        ],
    }


def pipeline_fields(pipeline: Pipeline) -> list[dict[str, Any]]:
    """The deal's fields, then the company details its requirements name (``company.inn``)."""
    requiring = stages_requiring(pipeline.code)
    company_codes = sorted({p for p in requiring if p.startswith("company.")})
    fields = []
    for code in (*pipeline.field_codes, *company_codes):
        field = model_field(code)
        choices = [{"value": str(value), **_labels(label)} for value, label in field_choices(field)]
        spec = DEAL_FIELDS.get(code)
        fields.append(
            {
                "code": code,
                **_labels(partial(field_label, code)),
                "type": field_type(field),
                "choices": choices,
                "required_in_stages": list(requiring.get(code, ())),
                "editable": spec.editable if spec else True,
                "money": spec.money if spec else False,
            }
        )
    return fields


PIPELINE_CODE = OpenApiParameter(
    "code", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(PIPELINES)
)


class PipelineViewSet(viewsets.GenericViewSet):
    """The five pipelines of the spec (the same for every user)."""

    lookup_field = "code"
    filter_backends = ()

    def _pipeline(self, code: str) -> Pipeline:
        if code not in PIPELINES:
            raise NotFound
        return PIPELINES[code]

    @extend_schema(responses=PipelineSerializer(many=True))
    def list(self, request: Request) -> Response:
        items = [pipeline_data(p) for p in PIPELINES.values()]
        return paginated(self, items, PipelineSerializer)

    @extend_schema(parameters=[PIPELINE_CODE], responses=PipelineSerializer)
    def retrieve(self, request: Request, code: str) -> Response:
        return Response(PipelineSerializer(pipeline_data(self._pipeline(code))).data)

    @extend_schema(parameters=[PIPELINE_CODE], responses=PipelineFieldSerializer(many=True))
    @action(detail=True, methods=["get"])
    def fields(self, request: Request, code: str) -> Response:
        """Every field of the pipeline's deals: type, labels, choices, required-in stages."""
        return paginated(self, pipeline_fields(self._pipeline(code)), PipelineFieldSerializer)

    @extend_schema(parameters=[PIPELINE_CODE], responses=FailureReasonSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="failure-reasons")
    def failure_reasons(self, request: Request, code: str) -> Response:
        """The reasons to choose from when a deal of the pipeline fails (the `fail` move)."""
        pipeline = self._pipeline(code)
        reasons = selectors.failure_reasons_offered(pipeline=pipeline.code)
        return paginated(self, reasons, FailureReasonSerializer)
