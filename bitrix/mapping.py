"""How Bitrix24's pipelines («Направление»/«Воронка») and stages map to ours.

Defaults: our pipelines' and stages' own names (Russian and English, as the business titles
them) and Bitrix24's standard names of the closing stages («Сделка успешна», «Сделка
провалена»). A mapping file (JSON) adds a portal's own names::

    {"pipelines": {"Продажи": "calculation"},
     "stages": {"calculation": {"Подготовка КП": "proposal"}},
     "default_pipeline": "calculation"}

``default_pipeline`` is taken for an export without a pipeline column (a portal with one).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from deals.pipelines import PIPELINES
from deals.pipelines.base import StageKind

_SUCCESS_NAMES = ("сделка успешна", "успешно", "успешна", "выиграна", "won", "deal won", "success")
_FAILURE_NAMES = (
    "сделка провалена",
    "провалена",
    "проиграна",
    "отказ",
    "lost",
    "deal lost",
    "lose",
)


NO_PIPELINE = _("Mapping file: there is no pipeline «%(code)s» (for «%(name)s»).")


class MappingError(ValueError):
    """The mapping file names a pipeline or stage we do not have, or is not valid JSON."""


def _key(name: str) -> str:
    return " ".join(str(name).split()).lower().replace("ё", "е")


@dataclass
class Mapping:
    pipelines: dict[str, str] = field(default_factory=dict)  # name → our pipeline code
    stages: dict[str, dict[str, str]] = field(default_factory=dict)  # code → name → stage
    default_pipeline: str | None = None

    def pipeline(self, name: str) -> str | None:
        if not name.strip():
            return self.default_pipeline
        return self.pipelines.get(_key(name))

    def stage(self, pipeline: str, name: str) -> str | None:
        return self.stages.get(pipeline, {}).get(_key(name))


def default_mapping() -> Mapping:
    mapping = Mapping()
    for code, pipeline in PIPELINES.items():
        names: dict[str, str] = {}
        for language in ("ru", "en"):
            with translation.override(language):
                mapping.pipelines[_key(pipeline.label)] = code
                for stage in pipeline.stages:
                    names[_key(stage.label)] = stage.code
        mapping.pipelines[code] = code
        for stage in pipeline.stages:
            names.setdefault(stage.code, stage.code)
            standard = {StageKind.SUCCESS: _SUCCESS_NAMES, StageKind.FAILURE: _FAILURE_NAMES}
            for name in standard.get(stage.kind, ()):
                names.setdefault(name, stage.code)
        mapping.stages[code] = names
    return mapping


def load_mapping(path: str | Path | None) -> Mapping:
    """The defaults, with a mapping file's names over them."""
    if path is None:
        return default_mapping()
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, ValueError) as error:
        raise MappingError(
            gettext("The mapping file «%(path)s» cannot be read: %(error)s")
            % {"path": path, "error": error}
        ) from error
    return parse_mapping(text, str(path))


def parse_mapping(text: str, name: str) -> Mapping:
    """The defaults, with the names of a mapping file's JSON ``text`` over them."""
    mapping = default_mapping()
    try:
        spec = json.loads(text)
    except ValueError as error:
        raise MappingError(
            gettext("The mapping file «%(path)s» cannot be read: %(error)s")
            % {"path": name, "error": error}
        ) from error
    if not isinstance(spec, dict):
        raise MappingError(
            gettext("The mapping file «%(path)s» must hold a JSON object.") % {"path": name}
        )
    for name, code in (spec.get("pipelines") or {}).items():
        if code not in PIPELINES:
            raise MappingError(gettext(NO_PIPELINE) % {"code": code, "name": name})
        mapping.pipelines[_key(name)] = code
    for code, names in (spec.get("stages") or {}).items():
        if code not in PIPELINES:
            raise MappingError(gettext(NO_PIPELINE) % {"code": code, "name": code})
        stages = {stage.code for stage in PIPELINES[code].stages}
        for name, stage in (names or {}).items():
            if stage not in stages:
                raise MappingError(
                    gettext(
                        "Mapping file: the pipeline «%(code)s» has no stage «%(stage)s» "
                        "(for «%(name)s»)."
                    )
                    % {"code": code, "stage": stage, "name": name}
                )
            mapping.stages[code][_key(name)] = stage
    default = spec.get("default_pipeline")
    if default is not None and default not in PIPELINES:
        raise MappingError(gettext(NO_PIPELINE) % {"code": default, "name": "default_pipeline"})
    mapping.default_pipeline = default
    return mapping
