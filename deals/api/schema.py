"""OpenAPI post-processing for deals: each pipeline's stages are an enum of their own.

Every pipeline's deal schema has a ``stage`` with that pipeline's stage codes; the generic enum
naming would see five different sets under one name. This hook names them after their
pipeline (``CalculationStageEnum`` …) before the generic one runs. The enums are registered
with the generator's component registry: the generic hook rebuilds the components from it, so
a component only written into the result would be dropped and its references left dangling.
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
        enum = {
            "enum": stage.pop("enum"),
            "type": stage.pop("type"),
            "description": "\n".join(f"* `{s.code}` - {s.label}" for s in pipeline.stages),
        }
        schemas[name] = enum
        generator.registry.register_on_missing(
            ResolvedComponent(name=name, type=ResolvedComponent.SCHEMA, schema=enum, object=name)
        )
        stage["allOf"] = [{"$ref": f"#/components/schemas/{name}"}]
    return result
