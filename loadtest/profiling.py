"""Where the time goes: the CPU of each process of the stack during a step, the server's own
count of each request's SQL time, and the cProfile of a sample of requests by area."""

from __future__ import annotations

import json
import pstats
import statistics
import sysconfig
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
OURS = "the CRM's own code"

# Areas of a request's time, by where the function lives (first match wins).
AREAS = (
    ("waiting for PostgreSQL (psycopg)", ("psycopg",)),
    ("templates", ("django/template/", "templatetags")),
    ("ORM (queries built, rows made into objects)", ("django/db/",)),
    ("REST framework", ("rest_framework/", "django_filters/", "drf_spectacular/")),
    ("forms", ("django/forms/",)),
    ("translations", ("gettext", "django/utils/translation/")),
    ("Django (request, middleware, other)", ("django/",)),
    ("gunicorn (reading requests, sending answers)", ("gunicorn/",)),
    ("Python's standard library, asgiref", (sysconfig.get_paths()["stdlib"], "asgiref/")),
    ("other libraries", ("site-packages",)),
)


def _tree_cpu(pid: int) -> dict[int, float]:
    """CPU seconds of a process and its children, by process id."""
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return {}
    used = {}
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        used[process.pid] = times.user + times.system
    return used


def _machine_busy() -> float:
    machine = psutil.cpu_times()
    busy = machine.user + machine.system + getattr(machine, "nice", 0.0)
    return busy + getattr(machine, "irq", 0.0) + getattr(machine, "softirq", 0.0)


class CpuMeter:
    """The CPU each part of the stack uses during a step. Sampled often (``sample``), since
    processes come and go (a database connection is renewed every minute): each process
    counts from where it stood when first seen (from its start, if it started meanwhile) to
    where it stood when last seen."""

    def __init__(self, parts: Callable[[], dict[str, list[int]]]) -> None:
        self.parts = parts
        self.first: dict[str, dict[int, float]] = defaultdict(dict)
        self.last: dict[str, dict[int, float]] = defaultdict(dict)
        self.started = time.monotonic()
        self.busy = _machine_busy()
        self.sample(initial=True)

    def sample(self, *, initial: bool = False) -> None:
        for name, pids in self.parts().items():
            for pid in pids:
                for process, cpu in _tree_cpu(pid).items():
                    self.first[name].setdefault(process, cpu if initial else 0.0)
                    self.last[name][process] = cpu
            self.last.setdefault(name, {})

    def used(self, extra: dict[str, float] | None = None) -> dict[str, float]:
        """Cores used on average by each part, ``extra`` CPU seconds measured otherwise, the
        rest of the machine (``other``: whatever else runs on it) and what was left idle."""
        self.sample()
        seconds = time.monotonic() - self.started
        cores = psutil.cpu_count() or 1
        used = {
            name: sum(cpu - self.first[name].get(pid, 0.0) for pid, cpu in last.items()) / seconds
            for name, last in self.last.items()
        }
        for name, spent in (extra or {}).items():
            used[name] = spent / seconds
        busy = (_machine_busy() - self.busy) / seconds
        used["other"] = max(0.0, busy - sum(used.values()))
        used["idle"] = max(0.0, cores - busy)
        return used


def format_cpu(used: dict[str, float]) -> str:
    return ", ".join(f"{name} {cores:.2f}" for name, cores in used.items())


@dataclass(frozen=True)
class ServerTimes:
    requests: int
    median_ms: float
    sql_share: float  # of the server time
    queries: float  # per request


def server_times(folder: Path, start: float, end: float) -> ServerTimes:
    """The web workers' own figures for the requests served between two times (profiled
    requests left out: the profiler slows them)."""
    rows = []
    for path in folder.glob("requests-*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if start <= row[0] <= end and not row[7]:
                rows.append(row)
    if not rows:
        return ServerTimes(0, 0.0, 0.0, 0.0)
    total = sum(r[4] for r in rows)
    return ServerTimes(
        requests=len(rows),
        median_ms=statistics.median(r[4] for r in rows),
        sql_share=sum(r[5] for r in rows) / total if total else 0.0,
        queries=sum(r[6] for r in rows) / len(rows),
    )


def _ours(filename: str) -> bool:
    return filename.startswith(str(ROOT)) and not filename.startswith(
        (str(ROOT / ".venv"), str(ROOT / "loadtest"))
    )


def _area(filename: str, function: str) -> str:
    where = f"{filename}:{function}"
    if "psycopg" not in where and _ours(filename):
        return OURS
    for name, needles in AREAS:
        if any(needle in where for needle in needles):
            return name
    return "other"


def profile_areas(folder: Path) -> tuple[dict[str, float], list[tuple[str, float]]]:
    """The profiled requests' own time by area (shares of the total) and the functions of
    the CRM's code with the most cumulative time (seconds)."""
    files = sorted(str(p) for p in folder.glob("profile-*.prof"))
    if not files:
        return {}, []
    merged = pstats.Stats(*files)
    areas: dict[str, float] = defaultdict(float)
    ours: list[tuple[str, float]] = []
    for (filename, line, function), (_cc, _nc, tottime, cumtime, callers) in (
        merged.stats.items()  # type: ignore[attr-defined]
    ):
        if filename == "~" and "psycopg" not in function:
            # A builtin (getattr, str.join, a socket's send) counts where it was called from.
            for (caller_file, _line, caller_function), timing in callers.items():
                areas[_area(caller_file, caller_function)] += timing[2]
        else:
            areas[_area(filename, function)] += tottime
        if _ours(filename) and function not in ("__call__", "wrapper"):
            short = Path(filename).relative_to(ROOT)
            ours.append((f"{short}:{line} {function}", cumtime))
    total = sum(areas.values()) or 1.0
    shares = dict(sorted(((k, v / total) for k, v in areas.items()), key=lambda kv: -kv[1]))
    return shares, sorted(ours, key=lambda kv: -kv[1])[:12]
