"""Start and stop a real Celery worker process on the current database and a Redis broker:
used by the integration tests and the handoff benchmark."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from fulfillment.backups import postgres_url

ROOT = Path(__file__).resolve().parents[1]


class WorkerProcess:
    def __init__(self, broker_url: str, concurrency: int = 2, queue: str = "celery") -> None:
        self.broker_url = broker_url
        self.queue = queue
        self.concurrency = concurrency
        self.process: subprocess.Popen | None = None
        self.log = ROOT / "test-artifacts" / f"celery-worker-{os.getpid()}-{time.time_ns()}.log"
        # The log lives with the test artifacts so a failed CI run shows what the worker said.

    def start(self, timeout: float = 30) -> WorkerProcess:
        self.log.parent.mkdir(exist_ok=True)
        env = {
            **os.environ,
            "DJANGO_DEBUG": "true",
            "DATABASE_URL": postgres_url(),
            "CELERY_BROKER_URL": self.broker_url,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "CELERY_TASK_DEFAULT_QUEUE": self.queue,
            "CELERY_LOG_LEVEL": "INFO",
            "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        }
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "fulfillment",
                    "worker",
                    "--loglevel=INFO",
                    f"--concurrency={self.concurrency}",
                    "--pool=prefork",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                ],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for(
            lambda: b" ready." in self.log.read_bytes(),
            timeout,
            what=f"the Celery worker to start (log: {self.log})",
            alive=lambda: self.process.poll() is None,
        )
        return self

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes, as a crash would."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        """Warm shutdown: the worker finishes the tasks it holds, then exits."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


def wait_for(
    condition: Callable[[], bool],
    timeout: float,
    *,
    what: str,
    alive: Callable[[], bool] | None = None,
) -> None:
    """Poll another process's work until ``condition`` holds (not a sleep for time to pass)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if alive is not None and not alive():
            raise AssertionError(f"gave up waiting for {what}: the process exited")
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
