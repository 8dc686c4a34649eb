"""``make loadtest``: the CRM as deployed, under load, on this machine.

A throwaway PostgreSQL database (``crm_loadtest``) and a Redis database of its own, migrated
and seeded (``loadtest.data``); gunicorn in production mode on the loopback and a real Celery
worker running the automation. Then locust, headless, at each number of users for a bounded
time: each step prints requests per second, p50/p95/p99 and the errors per kind, with the CPU
each part of the stack used and what the web workers say of their own time (SQL share,
queries). A last, shorter step at 16 users runs a sample of requests under cProfile to show
where the time goes. Afterwards every successful move is checked for its history row and its
automation; the run fails loudly if one is missing, or if any request failed.

Everything it started is stopped at the end, whatever happened; the database is dropped
unless ``--keep``.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path

from loadtest.processes import (
    ARTIFACTS,
    ROOT,
    Step,
    Web,
    database_create,
    database_drop,
    postgres_backends,
    redis_flush,
    redis_pid,
)

TARGET_USERS = 16
TARGET_P95_MS = 500.0
# The mix: five managers, two warehouse workers and the director in every eight users.
WAREHOUSE_SHARE = 2 / 8


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", default="8,16,32", help="users of each step, comma-separated")
    parser.add_argument("--step-seconds", type=int, default=50)
    parser.add_argument("--profile-seconds", type=int, default=20)
    parser.add_argument("--deals", type=int, default=10_000)
    parser.add_argument("--web-workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="crm_loadtest")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/11")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    return parser.parse_args(argv)


def _environment(args: argparse.Namespace, media: Path, server: Path) -> dict[str, str]:
    """Production settings on the loopback: no debug, plain HTTP, the run's own database,
    Redis database, media folder and secret."""
    return {
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": f"{args.postgres}/{args.database}",
        "CELERY_BROKER_URL": args.redis,
        "DJANGO_CACHE_URL": args.redis,
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_SECURE_COOKIES": "false",
        "DJANGO_MEDIA_ROOT": str(media),
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "LOADTEST_SERVER_DIR": str(server),
        "LOADTEST_PROFILE_FLAG": str(server / "profiling"),
    }


def _machine(args: argparse.Namespace) -> str:
    """The machine and the servers the figures come from."""
    import platform

    import redis
    from django.db import connection

    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        lines = cpuinfo.read_text(encoding="utf-8").splitlines()
        model = next((ln.split(":", 1)[1].strip() for ln in lines if "model name" in ln), "")
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0].split()[0]
    redis_version = redis.Redis.from_url(args.redis).info("server")["redis_version"]
    return (
        f"{os.cpu_count()} cores ({model or platform.machine()}), PostgreSQL {postgres}, "
        f"Redis {redis_version}, Python {platform.python_version()}; "
        f"gunicorn {args.web_workers} sync workers, a Celery worker of 2 processes"
    )


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    if ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS)
    ARTIFACTS.mkdir(parents=True)
    scratch = Path(tempfile.mkdtemp(prefix="crm-loadtest-"))
    server = ARTIFACTS / "server"
    server.mkdir()
    os.environ.update(_environment(args, scratch / "media", server))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fulfillment.settings")
    # The seeding here runs the automation in-process, as the demo's seeding expects; the web
    # workers and the Celery worker send it through Redis.
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"
    os.environ["DJANGO_LOG_LEVEL"] = "WARNING"  # the seeding's sign-ins are not news
    sys.path.insert(0, str(ROOT))
    # A terminated run stops what it started too (gunicorn and the worker have sessions of
    # their own, out of reach of the terminal's signals).
    signal.signal(signal.SIGTERM, _terminated)
    database_create(args.postgres, args.database)
    try:
        with ExitStack() as stack:
            return _run(args, server, stack)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            database_drop(args.postgres, args.database)
        shutil.rmtree(scratch, ignore_errors=True)


def _terminated(signum: int, _frame: object) -> None:
    raise SystemExit(f"terminated by signal {signum}")


def _say(text: str = "") -> None:
    print(text, flush=True)


def _run(args: argparse.Namespace, server: Path, stack: ExitStack) -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from fulfillment.celery_worker import WorkerProcess
    from loadtest import data

    started = time.monotonic()
    steps = [int(u) for u in args.users.split(",")]
    _say(f"Load test: {args.deals:,} deals, users {steps}, {args.step_seconds} s a step")
    call_command("migrate", verbosity=0)
    _say(f"  migrated ({time.monotonic() - started:.0f} s)")
    call_command("collectstatic", verbosity=0, interactive=False)
    data.seed(args.deals)
    _say(f"  seeded ({time.monotonic() - started:.0f} s)")
    ready = data.deals_make_ready()
    workers = data.warehouse_workers(data.workers_needed(max(steps), WAREHOUSE_SHARE))
    redis_flush(args.redis)
    _say(f"Seeded in {time.monotonic() - started:.0f} s; {ready:,} open deals made ready to move")
    _say(f"Machine: {_machine(args)}")

    web = Web(args.web_workers).start()
    stack.callback(web.stop)
    worker = WorkerProcess(args.redis, concurrency=2).start()
    stack.callback(worker.stop)
    redis_process = redis_pid(args.redis)

    def parts() -> dict[str, list[int]]:
        return {
            "gunicorn": [web.process.pid],
            "postgres": postgres_backends(args.database),
            "celery": [worker.process.pid],
            "redis": [redis_process] if redis_process else [],
        }

    since = timezone.now()
    results = _steps(args, steps, web, parts, workers, stack)
    return _finish(results, since, server, web, worker, started)


def _steps(
    args: argparse.Namespace,
    steps: list[int],
    web: Web,
    parts: Callable[[], dict[str, list[int]]],
    workers: list,
    stack: ExitStack,
) -> list:
    import json

    from loadtest import data, stats
    from loadtest.profiling import format_cpu, server_times

    flag = Path(os.environ["LOADTEST_PROFILE_FLAG"])
    runs = [Step("warm-up", 4, 10)]
    runs += [Step(f"users-{users}", users, args.step_seconds) for users in steps]
    runs += [Step("profile", TARGET_USERS, args.profile_seconds, profiled=True)]
    results = []
    for step in runs:
        data.clocks_stop(workers)
        plan = data.plan(workers)
        step.plan.write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
        stack.callback(step.stop)
        if step.profiled:
            flag.touch()
        cpu = step.run(web.url, parts)
        flag.unlink(missing_ok=True)
        samples = stats.read_samples(step.samples)
        figures = stats.figures(samples, step.ended - step.started)
        if step.name in ("warm-up", "profile"):
            # Not reported (a cold start, a profiler's slowness), but their errors count.
            if figures.errors:
                results.append((step, figures, {}))
                _say(f"\n{step.name}: errors {stats.format_errors(figures.errors)}")
            continue
        times = server_times(ARTIFACTS / "server", step.started, step.ended)
        moves = sum(len(walk["stages"]) - 1 for walks in plan["moves"].values() for walk in walks)
        results.append((step, figures, stats.by_name(samples, step.ended - step.started)))
        _say(f"\n{step.users} users, {step.seconds} s ({moves:,} moves ready):")
        _say("  " + stats.STEP_HEADER)
        _say("  " + stats.format_step(step.users, figures))
        _say(f"  CPU (cores of {os.cpu_count()}): {format_cpu(cpu)}")
        if figures.rps:
            each = {name: cores / figures.rps * 1000 for name, cores in cpu.items()}
            _say(
                f"  CPU a request: web {each['gunicorn']:.1f} ms, PostgreSQL "
                f"{each['postgres']:.1f} ms, Celery {each['celery']:.1f} ms, "
                f"locust {each['locust']:.1f} ms"
            )
        _say(
            f"  web workers: median {times.median_ms:.0f} ms a request, "
            f"{times.sql_share:.0%} of it SQL, {times.queries:.1f} queries"
        )
    return results


def _finish(results: list, since: datetime, server: Path, web: Web, worker, started: float) -> int:
    from loadtest import check, stats
    from loadtest.profiling import profile_areas

    _say("\nSummary:")
    _say("  " + stats.STEP_HEADER)
    for run, figures, _names in results:
        if not run.name.startswith(("warm-up", "profile")):
            _say("  " + stats.format_step(run.users, figures))
    failed = False
    for run, figures, names in results:
        if run.name == f"users-{TARGET_USERS}":
            met = figures.error_count == 0 and figures.p95 < TARGET_P95_MS
            _say(
                f"  target at {TARGET_USERS} users (0 errors, p95 under "
                f"{TARGET_P95_MS:.0f} ms): {'met' if met else 'MISSED'}"
            )
            _say(f"  the slowest requests at {run.users} users:")
            _say(f"    {'':<24} {'requests':>8} {'p50 ms':>7} {'p95 ms':>7}")
            for name, each in sorted(names.items(), key=lambda kv: -kv[1].p95)[:6]:
                _say(f"    {name:<24} {each.requests:>8} {each.p50:>7.0f} {each.p95:>7.0f}")
        failed |= figures.error_count > 0

    moves = [m for path in ARTIFACTS.glob("*/moves.jsonl") for m in check.read_moves(path)]
    left = check.wait_for_automation(since, timeout=90)
    report = check.check_moves(moves, since=since)
    _say(
        f"\nCheck: {report.moves:,} successful moves, {report.jobs:,} automation jobs expected"
        f"{f', {left} still pending' if left else ''}"
    )
    if report.ok:
        _say("  every move has its history row and its automation: OK")
    else:
        failed = True
        _say(f"  FAILED: {len(report.problems)} problems")
        for problem in report.problems[:30]:
            _say(f"    {problem}")

    web.stop()
    worker.stop()
    shares, functions = profile_areas(server)
    _say(f"\nProfile of a sample of requests at {TARGET_USERS} users (own time by area):")
    for area, share in shares.items():
        _say(f"  {area:<46} {share:>5.0%}")
    _say("  the CRM's functions with the most time (cumulative, s):")
    for name, seconds in functions:
        _say(f"    {seconds:>7.2f}  {name}")
    _say(f"\nDone in {time.monotonic() - started:.0f} s; logs in {ARTIFACTS.relative_to(ROOT)}/")
    if failed:
        _say("LOAD TEST FAILED")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
