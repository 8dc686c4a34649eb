"""When a deal's current stage is due: the core asks, an app answers.

The board, the deal card and the API show a deal as overdue once its stage's time limit has
passed. The limits and the working-day calendar belong to the ``deadlines`` app, which the
core never imports: it registers a ``DueSource`` from its ``AppConfig.ready``. A source names
the deal columns it reads (so a board card carries them among its plain values) and loads its
rules once per request into a function of a deal's values — no query per card.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

# (the pipeline's code, a deal's ``stage``, ``stage_entered_at`` and the source's columns) →
# the due moment, or None when the stage has no limit (or the date it counts from is empty).
DueAt = Callable[[str, Mapping[str, Any]], datetime.datetime | None]


@dataclass(frozen=True)
class DueSource:
    columns: tuple[str, ...]  # deal columns the rules may read besides the stage and its entry
    load: Callable[[], DueAt]  # reads the rules (and calendar) once; called per request


_SOURCE: list[DueSource] = []


def register_due_source(source: DueSource) -> None:
    _SOURCE[:] = [source]


def due_columns() -> tuple[str, ...]:
    return _SOURCE[0].columns if _SOURCE else ()


def _never(pipeline: str, values: Mapping[str, Any]) -> None:
    return None


def due_loader() -> DueAt:
    """A deal's due moment from its values, with the rules read now (once for many deals)."""
    return _SOURCE[0].load() if _SOURCE else _never


def deal_values(deal: Any) -> dict[str, Any]:
    """What ``DueAt`` reads, from a ``Deal`` instance."""
    names = ("stage", "stage_entered_at", *due_columns())
    return {name: getattr(deal, name) for name in names}


@dataclass(frozen=True)
class Due:
    """A deal's stage deadline as the pages show it."""

    at: datetime.datetime
    overdue: bool


def deal_due(deal: Any, due_at: DueAt | None = None, *, now: datetime.datetime) -> Due | None:
    """The deadline of the deal's current stage, and whether it has passed (closed stages are
    never due)."""
    due_at = due_at or due_loader()
    moment = due_at(deal.pipeline, deal_values(deal))
    return None if moment is None else Due(at=moment, overdue=moment <= now)
