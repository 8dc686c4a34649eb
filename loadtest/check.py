"""After the load: every move the users saw succeed has its stage history row and its
automation — each job the stage entered registers, done, and what it makes (the warehouse
task, the director's approval, the handoff or the contract deal waited on, the signed
contract on the company).

The users write each successful move (deal, from, to); this reads the database the server
wrote, so a move answered «done» whose row or job was lost in the server is found.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from deals.automation import actions_for
from deals.models import AutomationJob, Deal, Handoff, StageChange, Task


@dataclass(frozen=True)
class Move:
    deal_id: int
    from_stage: str
    to_stage: str


@dataclass
class Report:
    moves: int = 0
    jobs: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def read_moves(path: Path) -> list[Move]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as lines:
        return [Move(*json.loads(line)) for line in lines if line.strip()]


def pending_jobs(since: datetime) -> int:
    """Automation jobs of the moves made since ``since`` that have not run yet."""
    return AutomationJob.objects.filter(
        stage_change__created_at__gte=since, status=AutomationJob.Status.PENDING
    ).count()


def wait_for_automation(since: datetime, timeout: float) -> int:
    """Let the worker finish the jobs of the run (polling the outbox); returns those left."""
    deadline = time.monotonic() + timeout
    while (left := pending_jobs(since)) and time.monotonic() < deadline:
        time.sleep(0.5)
    return left


@dataclass(frozen=True)
class _Made:
    """What the automation made for the moves checked, read in a few queries."""

    tasks: set[tuple[int, str]]  # (stage change, kind)
    handed_over: set[int]  # source deals with a handoff
    awaiting: set[int]  # calculation deals waiting on a contract deal
    contracted: set[int]  # deals whose company has a contract

    @classmethod
    def read(cls, changes: Sequence[StageChange], deals: dict[int, Deal]) -> _Made:
        ids = [d.pk for d in deals.values()]
        return cls(
            tasks=set(
                Task.objects.filter(stage_change__in=[c.pk for c in changes]).values_list(
                    "stage_change_id", "kind"
                )
            ),
            handed_over=set(
                Handoff.objects.filter(source_id__in=ids).values_list("source_id", flat=True)
            ),
            awaiting={d.pk for d in deals.values() if d.awaiting_contract_id},
            contracted={d.pk for d in deals.values() if d.company.has_contract},
        )


# What each action leaves behind (by the last part of its key), as a question on _Made.
ARTIFACTS: dict[str, tuple[str, Callable[[_Made, StageChange], bool]]] = {
    "approval_task": (
        "the director's approval task",
        lambda made, change: (change.pk, Task.Kind.APPROVAL) in made.tasks,
    ),
    "warehouse_task": (
        "the warehouse task",
        lambda made, change: (change.pk, Task.Kind.WAREHOUSE) in made.tasks,
    ),
    "contract_check": (
        "the handoff (or the contract deal waited on)",
        lambda made, change: change.deal_id in made.handed_over or change.deal_id in made.awaiting,
    ),
    "contract_signed": (
        "the company's contract",
        lambda made, change: change.deal_id in made.contracted,
    ),
}


def check_moves(moves: Iterable[Move], *, since: datetime) -> Report:
    """Check each move against the database: one history row for it since ``since``, a done
    job for every action registered on the stage it entered, and what that action makes."""
    moves = list(moves)
    report = Report(moves=len(moves))
    deals = Deal.objects.select_related("company").in_bulk({m.deal_id for m in moves})
    changes: dict[tuple[int, str, str], list[StageChange]] = {}
    for change in StageChange.objects.filter(deal_id__in=deals, created_at__gte=since):
        changes.setdefault((change.deal_id, change.from_stage, change.to_stage), []).append(change)
    found = [rows[0] for rows in changes.values() if rows]
    jobs: dict[int, dict[str, str]] = {}
    for change_id, action, status in AutomationJob.objects.filter(
        stage_change__in=[c.pk for c in found]
    ).values_list("stage_change_id", "action", "status"):
        jobs.setdefault(change_id, {})[action] = status
    made = _Made.read(found, deals)
    for move in moves:
        report.problems += _move_problems(move, deals, changes, jobs, made, report)
    return report


def _move_problems(
    move: Move,
    deals: dict[int, Deal],
    changes: dict[tuple[int, str, str], list[StageChange]],
    jobs: dict[int, dict[str, str]],
    made: _Made,
    report: Report,
) -> list[str]:
    what = f"deal {move.deal_id} {move.from_stage} → {move.to_stage}"
    deal = deals.get(move.deal_id)
    if deal is None:
        return [f"{what}: the deal does not exist"]
    rows = changes.get((move.deal_id, move.from_stage, move.to_stage), [])
    if not rows:
        return [f"{what}: no stage history row"]
    if len(rows) > 1:
        return [f"{what}: {len(rows)} stage history rows for one move"]
    change = rows[0]
    problems = []
    done = jobs.get(change.pk, {})
    for action in actions_for(deal.pipeline, move.to_stage):
        report.jobs += 1
        status = done.get(action.key)
        if status is None:
            problems.append(f"{what}: no automation job {action.key}")
        elif status != AutomationJob.Status.DONE:
            problems.append(f"{what}: automation job {action.key} is {status}")
        else:
            label, made_it = ARTIFACTS.get(action.key.rsplit(".", 1)[-1], ("", None))
            if made_it is not None and not made_it(made, change):
                problems.append(f"{what}: {action.key} is done but {label} is missing")
    return problems
