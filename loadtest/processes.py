"""The processes and services of the load run: the database and Redis database of its own,
gunicorn with the run's hooks, and each locust step, with the CPU each part of the stack uses
meanwhile."""

from __future__ import annotations

import os
import resource
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts" / "loadtest"
# Users start over the first seconds of a step, as people do, not all in the same instant
# (every first request at once would be a burst no office makes).
RAMP_SECONDS = 5


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_create(server: str, name: str) -> None:
    """A new, empty database ``name`` (one left by an interrupted run is dropped first)."""
    import psycopg

    database_drop(server, name)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')


def database_drop(server: str, name: str) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def redis_flush(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


def redis_pid(url: str) -> int | None:
    import redis

    try:
        return int(redis.Redis.from_url(url).info("server")["process_id"])
    except (redis.RedisError, KeyError, ValueError):
        return None


class Web:
    """gunicorn serving the CRM on a loopback port, with the load run's hooks."""

    def __init__(self, workers: int) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.log = ARTIFACTS / "gunicorn.log"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> Web:
        env = {**os.environ, "CELERY_TASK_ALWAYS_EAGER": "false", "DJANGO_LOG_LEVEL": "INFO"}
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "fulfillment.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--config",
            str(ROOT / "loadtest" / "gunicorn_conf.py"),
        ]
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited at start (log: {self.log})")
            try:
                with urllib.request.urlopen(f"{self.url}/readyz", timeout=2) as answer:
                    if answer.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer /readyz in {timeout}s (log: {self.log})")

    def stop(self) -> None:
        """Graceful: the workers finish their request and write their profiles."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def postgres_backends(database: str) -> list[int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [database],
        )
        return [row[0] for row in cursor.fetchall()]


class Step:
    """One bounded locust run; its samples, moves and the CPU each part used meanwhile."""

    def __init__(self, name: str, users: int, seconds: int, *, profiled: bool = False) -> None:
        self.name, self.users, self.seconds = name, users, seconds
        self.profiled = profiled  # a sample of its requests runs under cProfile
        folder = ARTIFACTS / name
        folder.mkdir(parents=True, exist_ok=True)
        self.plan = folder / "plan.json"
        self.samples = folder / "samples.jsonl"
        self.moves = folder / "moves.jsonl"
        self.log = folder / "locust.log"
        self.started = self.ended = 0.0
        self.process: subprocess.Popen | None = None

    def run(self, host: str, parts: Callable[[], dict[str, list[int]]]) -> dict[str, float]:
        from loadtest.profiling import CpuMeter

        command = [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(ROOT / "loadtest" / "locustfile.py"),
            "--headless",
            "--host",
            host,
            "--users",
            str(self.users),
            "--spawn-rate",
            f"{self.users / RAMP_SECONDS:g}",
            "--run-time",
            f"{self.seconds}s",
            "--stop-timeout",
            "10",
            "--only-summary",
            "--loglevel",
            "WARNING",
        ]
        env = {
            **os.environ,
            "LOADTEST_PLAN": str(self.plan),
            "LOADTEST_SAMPLES": str(self.samples),
            "LOADTEST_MOVES": str(self.moves),
            "PYTHONPATH": str(ROOT),
        }
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
            )
            meter = CpuMeter(parts)
            self.started = time.time()
            deadline = time.monotonic() + self.seconds + 60
            while self.process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.5)
                meter.sample()
            if self.process.poll() is None:
                raise RuntimeError(f"locust did not stop in time (log: {self.log})")
            self.ended = time.time()
        # locust, the only process waited for meanwhile, is counted when it has exited.
        done = resource.getrusage(resource.RUSAGE_CHILDREN)
        spent = done.ru_utime + done.ru_stime - children.ru_utime - children.ru_stime
        if not self.samples.exists():
            raise RuntimeError(f"locust wrote no samples (log: {self.log})")
        return meter.used({"locust": spent})

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
