"""The building blocks of the declarative pipeline spec.

A pipeline is a list of stages; each stage says what must be filled to *leave* it, where a
deal may return from it, and which fields a return into it clears. Guards, forms, the API's
field metadata and the generated docs all read these objects; nothing else lists stages or
required fields.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from functools import cached_property
from typing import TYPE_CHECKING, Any

from django.db.models.fields.files import FieldFile
from django.utils.functional import Promise

if TYPE_CHECKING:
    from deals.models import Deal


class StageKind(StrEnum):
    OPEN = "open"
    SUCCESS = "success"
    FAILURE = "failure"


def resolve(deal: Deal, path: str) -> Any:
    """The value at a dotted path (``company.inn``); ``None`` when a link on the way is empty."""
    value: Any = deal
    for part in path.split("."):
        if value is None:
            return None
        value = getattr(value, part)
    return value


def is_filled(value: Any) -> bool:
    """Whether a value counts as filled in for a required-field check.

    A flag must be *yes* («да»): «recount agreed with the client» means it was agreed.
    """
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, FieldFile):
        return bool(value.name)
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list | tuple | set | dict):
        return bool(value)
    if isinstance(value, int | Decimal | float | date | datetime):
        return True
    return bool(value)


@dataclass(frozen=True)
class Requirement:
    """One thing that must be filled to leave a stage.

    ``code`` is what a refusal reports (the API's ``missing_fields``); ``paths`` are the
    attributes checked — any one filled satisfies the requirement («text or file»).
    ``applies`` limits it to some deals (KPP only for organisations).
    """

    code: str
    paths: tuple[str, ...] = ()
    label: str | Promise | None = None
    applies: Callable[[Deal], bool] | None = None

    def __post_init__(self) -> None:
        if not self.paths:
            object.__setattr__(self, "paths", (self.code,))

    def is_met(self, deal: Deal) -> bool:
        if self.applies is not None and not self.applies(deal):
            return True
        return any(is_filled(resolve(deal, path)) for path in self.paths)


def req(code: str, *paths: str, label: str | Promise | None = None, applies=None) -> Requirement:
    return Requirement(code=code, paths=tuple(paths), label=label, applies=applies)


@dataclass(frozen=True)
class Stage:
    code: str
    label: str | Promise
    kind: StageKind = StageKind.OPEN
    requires: tuple[Requirement, ...] = ()
    returns_to: tuple[str, ...] = ()
    clears_on_return: tuple[str, ...] = ()

    @property
    def is_open(self) -> bool:
        return self.kind == StageKind.OPEN


@dataclass(frozen=True)
class FieldGroup:
    """Fields of a deal card shown together, as staff think of them."""

    label: str | Promise
    fields: tuple[str, ...]


TRANSITION_KINDS = ("forward", "return", "fail", "reopen")


@dataclass(frozen=True)
class Transition:
    """A move of a pipeline as the spec sees it; the model methods are generated from these."""

    name: str
    sources: tuple[str, ...]
    target: str | None  # None: chosen at run time (reopen)
    kind: str  # one of TRANSITION_KINDS
    label: str | Promise


@dataclass(frozen=True)
class Pipeline:
    code: str
    label: str | Promise
    stages: tuple[Stage, ...]
    groups: tuple[FieldGroup, ...] = ()
    plural_label: str | Promise = ""  # the admin's list title; the label when not given
    # Fields a handoff from this pipeline copies into a field of another name in the next:
    # ``(("amount", "proposal_amount"),)``.
    carried_as: tuple[tuple[str, str], ...] = ()
    stages_by_code: dict[str, Stage] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "stages_by_code", {s.code: s for s in self.stages})
        kinds = [s.kind for s in self.stages]
        assert kinds.count(StageKind.SUCCESS) == 1 and kinds.count(StageKind.FAILURE) == 1
        for stage in self.stages:
            for target in stage.returns_to:
                assert self.stage(target).is_open, f"{self.code}: return to closed {target}"

    def stage(self, code: str) -> Stage:
        try:
            return self.stages_by_code[code]
        except KeyError:
            raise KeyError(f"Pipeline {self.code!r} has no stage {code!r}") from None

    @property
    def open_stages(self) -> tuple[Stage, ...]:
        return tuple(s for s in self.stages if s.is_open)

    @property
    def first_stage(self) -> Stage:
        return self.stages[0]

    @property
    def success_stage(self) -> Stage:
        return next(s for s in self.stages if s.kind == StageKind.SUCCESS)

    @property
    def failure_stage(self) -> Stage:
        return next(s for s in self.stages if s.kind == StageKind.FAILURE)

    @property
    def field_codes(self) -> tuple[str, ...]:
        return tuple(code for group in self.groups for code in group.fields)

    def next_stage(self, code: str) -> Stage:
        """The one forward step from an open stage: the next open stage, or success."""
        opens = [s.code for s in self.open_stages]
        index = opens.index(code)
        return self.stage(opens[index + 1]) if index + 1 < len(opens) else self.success_stage

    def stages_before(self, code: str) -> tuple[Stage, ...]:
        """Open stages a deal has passed to stand in ``code`` (for creating it there)."""
        if self.stage(code).kind == StageKind.FAILURE:
            return ()
        opens = self.open_stages
        if self.stage(code).kind == StageKind.SUCCESS:
            return opens
        return opens[: [s.code for s in opens].index(code)]

    def requirements_to_leave(self, code: str) -> tuple[Requirement, ...]:
        return self.stage(code).requires

    @cached_property
    def company_paths(self) -> tuple[str, ...]:
        """The company's details a requirement of this pipeline names (``company.inn`` …):
        the only ones a deal of it may set along with its own fields (never the contract
        status, which only the contract pipeline's automation sets)."""
        paths = {
            path
            for stage in self.stages
            for requirement in stage.requires
            for path in requirement.paths
            if path.startswith("company.")
        }
        return tuple(sorted(paths))

    @cached_property
    def transitions(self) -> tuple[Transition, ...]:
        """Every move of the pipeline, named predictably: ``to_<stage>``, ``return_to_<stage>``,
        ``fail``, ``reopen``."""
        from django.utils.translation import gettext_lazy as _

        moves: list[Transition] = []
        for stage in self.open_stages:
            target = self.next_stage(stage.code)
            moves.append(
                Transition(f"to_{target.code}", (stage.code,), target.code, "forward", target.label)
            )
        returns: dict[str, list[str]] = {}
        for stage in self.stages:
            for target in stage.returns_to:
                returns.setdefault(target, []).append(stage.code)
        for target, sources in returns.items():
            moves.append(
                Transition(
                    f"return_to_{target}",
                    tuple(sources),
                    target,
                    "return",
                    self.stage(target).label,
                )
            )
        failure = self.failure_stage
        moves.append(
            Transition(
                "fail", tuple(s.code for s in self.open_stages), failure.code, "fail", failure.label
            )
        )
        closed = (self.success_stage.code, failure.code)
        moves.append(Transition("reopen", closed, None, "reopen", _("Reopen")))
        return tuple(moves)

    def transition(self, name: str) -> Transition | None:
        return next((t for t in self.transitions if t.name == name), None)
