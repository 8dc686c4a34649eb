"""A deal in the API: its pipeline's fields under their spec codes, the stage, and the moves
the user may make now. Input goes to ``deal_create``/``deal_update``/``deal_move``; the
serializers only parse it.

Each pipeline has its own output serializer, generated from its spec (the schema shows a
deal as one of five shapes, told apart by ``pipeline``); ``DealSerializer`` picks the right
one per deal.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers

from deals.api.fields import code_of, deal_field, source_name, writable_codes
from deals.due import Due, deal_due, due_loader
from deals.models import Deal
from deals.pipelines import PIPELINES, Pipeline, pipeline_choices
from deals.pipelines.base import TRANSITION_KINDS
from deals.pipelines.fields import DEAL_FIELDS
from deals.services import deal_available_moves
from fulfillment.roles import sees_money


class AvailableMoveSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="The transition to send to /transition/.")
    target = serializers.CharField(
        allow_null=True, help_text="The stage it leads to (null: chosen when reopening)."
    )
    label = serializers.CharField()
    kind = serializers.ChoiceField(
        choices=TRANSITION_KINDS,
        help_text="fail needs a reason and a comment; return and reopen need a comment.",
    )
    missing_fields = serializers.ListField(
        child=serializers.CharField(),
        help_text="Codes of the fields still required for this move (send them in `fields`).",
    )


def _head_fields(pipeline: Pipeline) -> dict[str, serializers.Field]:
    return {
        "id": serializers.IntegerField(read_only=True),
        "pipeline": serializers.ChoiceField(choices=pipeline_choices(), read_only=True),
        "stage": serializers.ChoiceField(
            choices=[(stage.code, stage.label) for stage in pipeline.stages], read_only=True
        ),
        "stage_label": serializers.CharField(read_only=True),
    }


def _tail_fields() -> dict[str, serializers.Field]:
    return {
        "created_at": serializers.DateTimeField(read_only=True),
        "updated_at": serializers.DateTimeField(read_only=True),
        "stage_entered_at": serializers.DateTimeField(read_only=True),
        "closed_at": serializers.DateTimeField(read_only=True, allow_null=True),
        "created_by": serializers.IntegerField(
            source="created_by_id", read_only=True, allow_null=True
        ),
        "source_deal": serializers.IntegerField(
            source="source_deal_id", read_only=True, allow_null=True
        ),
        "failure_reason": serializers.IntegerField(
            source="failure_reason_id", read_only=True, allow_null=True
        ),
        "failure_comment": serializers.CharField(read_only=True),
        "due_at": serializers.SerializerMethodField(),
        "overdue": serializers.SerializerMethodField(),
        "available_transitions": serializers.SerializerMethodField(),
    }


class _DealBase(serializers.Serializer):
    """What every deal has besides its pipeline's fields: the moves the user may make now."""

    @extend_schema_field(AvailableMoveSerializer(many=True))
    def get_available_transitions(self, deal: Deal) -> list[dict[str, Any]]:
        moves = deal_available_moves(deal=deal, user=self.context["request"].user)
        return [
            {
                "name": move.name,
                "target": move.transition.target,
                "label": str(move.transition.label),
                "kind": move.transition.kind,
                "missing_fields": [r.code for r in move.missing],
            }
            for move in moves
        ]

    def _due(self, deal: Deal) -> Due | None:
        """The deadline of the deal's stage; the rules are read once per response."""
        if "deal_due" not in self.context:
            self.context["deal_due"] = (due_loader(), timezone.now())
        due_at, now = self.context["deal_due"]
        return deal_due(deal, due_at, now=now)

    @extend_schema_field(
        serializers.DateTimeField(
            allow_null=True,
            help_text="When the deal's current stage is due (its stage deadline); null: none.",
        )
    )
    def get_due_at(self, deal: Deal) -> str | None:
        due = self._due(deal)
        return None if due is None else serializers.DateTimeField().to_representation(due.at)

    @extend_schema_field(
        serializers.BooleanField(help_text="The stage deadline has passed (`due_at` is past).")
    )
    def get_overdue(self, deal: Deal) -> bool:
        due = self._due(deal)
        return due is not None and due.overdue

    def to_representation(self, deal: Deal) -> dict[str, Any]:
        data = super().to_representation(deal)
        if not sees_money(self.context["request"].user):
            for code in [c for c in data if c in DEAL_FIELDS and DEAL_FIELDS[c].money]:
                del data[code]
        return data


@cache
def deal_serializer_class(pipeline: Pipeline) -> type[_DealBase]:
    """The output serializer of one pipeline's deals, from its spec. Money fields are optional
    in the schema: warehouse staff never get them."""
    attrs: dict[str, Any] = _head_fields(pipeline)
    for code in pipeline.field_codes:
        attrs[code] = deal_field(code, read_only=not DEAL_FIELDS[code].money)
    attrs.update(_tail_fields())
    name = f"{pipeline.code.title()}Deal"
    serializer = type(name, (_DealBase,), {**attrs, "__doc__": f"A deal of «{pipeline.code}»."})
    serializer.Meta = type("Meta", (), {"ref_name": name})
    return serializer


class DealSerializer(serializers.BaseSerializer):
    """A deal of any pipeline, shaped by its pipeline's serializer."""

    def to_representation(self, deal: Deal) -> dict[str, Any]:
        by_pipeline = self.__dict__.setdefault("_by_pipeline", {})
        if deal.pipeline not in by_pipeline:
            serializer_class = deal_serializer_class(deal.pipeline_spec)
            by_pipeline[deal.pipeline] = serializer_class(context=self.context)
        return by_pipeline[deal.pipeline].to_representation(deal)


def deal_field_values(deal: Deal, serializer: _DealBase) -> dict[str, Any]:
    """The values of the deal's pipeline fields alone (``serializer`` is its pipeline's), as
    a task shows them; money only to those who see it."""
    show_money = sees_money(serializer.context["request"].user)
    values: dict[str, Any] = {}
    for code in deal.pipeline_spec.field_codes:
        if DEAL_FIELDS[code].money and not show_money:
            continue
        field = serializer.fields[code]
        attribute = field.get_attribute(deal)
        values[code] = None if attribute is None else field.to_representation(attribute)
    return values


DEAL_SCHEMA = PolymorphicProxySerializer(
    component_name="Deal",
    serializers={code: deal_serializer_class(p) for code, p in PIPELINES.items()},
    resource_type_field_name="pipeline",
)


# --- input -----------------------------------------------------------------------------


class DealFieldsSerializer(serializers.Serializer):
    """Deal fields to set, under their spec codes; the company's details as ``company.<name>``.
    Only the fields of the deal's pipeline are accepted, and not those the automation fills."""

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        for code in writable_codes():
            field = deal_field(code)
            if "." in code:  # a dotted source would mean a nested object to DRF
                field.source = source_name(code)
            fields[code] = field
        return fields


def service_data(validated: Mapping[str, Any], raw: Any) -> dict[str, Any]:
    """The parsed fields as the deal services take them. Codes this API does not accept for
    input (filled by the automation) are handed over as sent, for the service to refuse."""
    data = {code_of(name): value for name, value in validated.items()}
    if isinstance(raw, Mapping):
        for code, spec in DEAL_FIELDS.items():
            if not spec.editable and code in raw:
                data[code] = raw[code]
    return data


class DealCreateSerializer(DealFieldsSerializer):
    pipeline = serializers.ChoiceField(choices=pipeline_choices())
    stage = serializers.ChoiceField(
        choices=sorted({s.code for p in PIPELINES.values() for s in p.stages}),
        required=False,
        help_text="An open stage of the pipeline that a deal can be created in (none after a "
        "field only the automation fills); its first stage by default.",
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["title"].required = True
        fields["title"].allow_blank = False
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        stage = attrs.get("stage")
        if stage and stage not in PIPELINES[attrs["pipeline"]].stages_by_code:
            message = self.fields["stage"].error_messages["invalid_choice"].format(input=stage)
            raise serializers.ValidationError({"stage": [message]})
        return attrs


class DealTransitionSerializer(serializers.Serializer):
    transition = serializers.CharField(
        help_text="A move's name from the deal's `available_transitions`."
    )
    expected_stage = serializers.CharField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The `stage` the client saw the deal in. If the deal is in another stage now "
        "(someone moved it meanwhile), nothing is moved: 409 with the current `stage`.",
    )
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    reason = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="A failure reason (/api/pipelines/{code}/failure-reasons/) for `fail`.",
    )
    fields = DealFieldsSerializer(
        required=False,
        help_text="Fields to set with the move, as the move dialog does. In multipart, send "
        "them as `fields.<code>`.",
    )
