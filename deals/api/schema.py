"""OpenAPI post-processing for deals: each pipeline's stages are an enum of their own.

Every pipeline's deal schema has a ``stage`` with that pipeline's stage codes; the generic enum
naming would see five different sets under one name. This hook names them after their
pipeline (``CalculationStageEnum`` …) before the generic one runs. The components are
registered with the generator, not written into the result: the generic hook rebuilds the
components from the registry, and a component only in the result would leave its references
dangling.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.plumbing import ResolvedComponent

from deals.api.deal_serializers import deal_serializer_class
from deals.pipelines import PIPELINES


def pipeline_stage_enums(result: dict[str, Any], generator, request, public) -> dict[str, Any]:
    schemas = result.get("components", {}).get("schemas", {})
    for pipeline in PIPELINES.values():
        component = schemas.get(deal_serializer_class(pipeline).Meta.ref_name)
        stage = component and component["properties"].get("stage")
        if not stage or "enum" not in stage:
            continue
        name = f"{pipeline.code.title()}StageEnum"
        enum = ResolvedComponent(
            name=name,
            type=ResolvedComponent.SCHEMA,
            object=name,
            schema={
                "enum": stage.pop("enum"),
                "type": stage.pop("type"),
                "description": "\n".join(f"* `{s.code}` - {s.label}" for s in pipeline.stages),
            },
        )
        generator.registry.register_on_missing(enum)
        schemas[name] = enum.schema
        stage["allOf"] = [enum.ref]
    return result
