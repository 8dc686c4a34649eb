"""A load step's figures from the samples its users wrote: one line per request (what was
asked, when, how long it took, and the kind of error if it failed).

Percentiles are computed from every sample (nearest rank), not from a histogram's buckets, so
p99 of a short step is the request it names. Failed requests count in the rate and the
percentiles too: a conflict answered in 20 ms was still an answer the user waited for.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Sample:
    name: str  # the kind of request: "board", "deal card", "move (API)", …
    started: float  # seconds since the epoch
    elapsed_ms: float
    error: str = ""  # the kind of error, empty for a success


@dataclass(frozen=True)
class Figures:
    requests: int
    rps: float
    p50: float
    p95: float
    p99: float
    errors: dict[str, int] = field(default_factory=dict)

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile: the smallest value with ``share`` of the values at or
    below it (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def figures(samples: Sequence[Sample], seconds: float) -> Figures:
    """Requests per second over ``seconds``, the latency percentiles and errors per kind."""
    elapsed = [s.elapsed_ms for s in samples]
    errors = Counter(s.error for s in samples if s.error)
    return Figures(
        requests=len(samples),
        rps=len(samples) / seconds if seconds > 0 else 0.0,
        p50=percentile(elapsed, 0.50),
        p95=percentile(elapsed, 0.95),
        p99=percentile(elapsed, 0.99),
        errors=dict(sorted(errors.items())),
    )


def by_name(samples: Iterable[Sample], seconds: float) -> dict[str, Figures]:
    """The figures of each kind of request, the busiest (total time) first."""
    groups: dict[str, list[Sample]] = {}
    for sample in samples:
        groups.setdefault(sample.name, []).append(sample)
    ordered = sorted(groups.items(), key=lambda item: -sum(s.elapsed_ms for s in item[1]))
    return {name: figures(group, seconds) for name, group in ordered}


def format_errors(errors: dict[str, int]) -> str:
    return ", ".join(f"{kind}: {count}" for kind, count in errors.items()) or "none"


def format_step(users: int, result: Figures) -> str:
    return (
        f"{users:>5} {result.requests:>8} {result.rps:>7.1f} {result.p50:>7.0f} "
        f"{result.p95:>7.0f} {result.p99:>7.0f}   {format_errors(result.errors)}"
    )


STEP_HEADER = (
    f"{'users':>5} {'requests':>8} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}   errors"
)


def write_samples(path: Path, samples: Iterable[Sample]) -> None:
    with path.open("w", encoding="utf-8") as out:
        for s in samples:
            out.write(json.dumps([s.name, s.started, s.elapsed_ms, s.error]) + "\n")


def read_samples(path: Path) -> list[Sample]:
    with path.open(encoding="utf-8") as lines:
        return [Sample(*json.loads(line)) for line in lines if line.strip()]
