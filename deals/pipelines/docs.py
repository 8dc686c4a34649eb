"""The pipelines as a Markdown document, generated from the spec (``docs/pipelines.md``)."""

from __future__ import annotations

from django.utils import translation

from deals.pipelines import PIPELINES
from deals.pipelines.fields import (
    DEAL_FIELDS,
    field_label,
    field_type,
    model_field,
    requirement_label,
)


def _labels(text) -> tuple[str, str]:
    with translation.override("ru"):
        ru = str(text)
    with translation.override("en"):
        en = str(text)
    return ru, en


def pipelines_markdown() -> str:
    lines = [
        "# Pipelines (generated from `deals/pipelines`; do not edit by hand)",
        "",
        "Regenerate with `python manage.py describe_pipelines > docs/pipelines.md`.",
        "",
    ]
    for pipeline in PIPELINES.values():
        ru, en = _labels(pipeline.label)
        lines += [
            f"## {ru} — {en} (`{pipeline.code}`)",
            "",
            "| code | stage | English | kind | required to leave |",
            "|---|---|---|---|---|",
        ]
        for stage in pipeline.stages:
            ru, en = _labels(stage.label)
            with translation.override("ru"):
                required = ", ".join(f"{requirement_label(r)} (`{r.code}`)" for r in stage.requires)
            lines.append(f"| `{stage.code}` | {ru} | {en} | {stage.kind} | {required or '—'} |")
        lines += ["", "| move | from | to | kind |", "|---|---|---|---|"]
        for move in pipeline.transitions:
            sources = ", ".join(f"`{s}`" for s in move.sources)
            target = f"`{move.target}`" if move.target else "the stage it was closed from"
            lines.append(f"| `{move.name}` | {sources} | {target} | {move.kind} |")
        lines += ["", "| field | label | type | filled by | handoff |", "|---|---|---|---|---|"]
        renamed = dict(pipeline.carried_as)
        for code in pipeline.field_codes:
            spec = DEAL_FIELDS[code]
            with translation.override("ru"):
                label = field_label(code)
            handoff = "copied" if spec.carry_over else "—"
            if code in renamed:
                handoff = f"copied as `{renamed[code]}`"
            lines.append(
                f"| `{code}` | {label} | {field_type(model_field(code))} | "
                f"{'staff' if spec.editable else 'automation'} | {handoff} |"
            )
        lines.append("")
    return "\n".join(lines)
