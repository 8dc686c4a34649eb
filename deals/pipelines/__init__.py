"""The declarative spec of the five pipelines: the one place that lists stages, moves and
required fields. See ``base.py`` for the building blocks and ``fields.py`` for deal fields."""

from deals.pipelines.acceptance import ACCEPTANCE
from deals.pipelines.base import Pipeline, Requirement, Stage, StageKind, Transition
from deals.pipelines.calculation import CALCULATION
from deals.pipelines.contract import CONTRACT
from deals.pipelines.processing import PROCESSING
from deals.pipelines.shipment import SHIPMENT

PIPELINES: dict[str, Pipeline] = {
    p.code: p for p in (CALCULATION, ACCEPTANCE, PROCESSING, SHIPMENT, CONTRACT)
}


def get_pipeline(code: str) -> Pipeline:
    try:
        return PIPELINES[code]
    except KeyError:
        raise KeyError(f"Unknown pipeline {code!r}") from None


def pipeline_choices() -> list[tuple[str, object]]:
    return [(p.code, p.label) for p in PIPELINES.values()]


__all__ = [
    "ACCEPTANCE",
    "CALCULATION",
    "CONTRACT",
    "PIPELINES",
    "PROCESSING",
    "SHIPMENT",
    "Pipeline",
    "Requirement",
    "Stage",
    "StageKind",
    "Transition",
    "get_pipeline",
    "pipeline_choices",
]
