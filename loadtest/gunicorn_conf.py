"""gunicorn hooks of the load run: what each request cost inside the web worker.

Every request: its server time, the time its SQL took (Django's ``execute_wrapper``) and its
query count, a line per request in a file per worker. While the runner's flag file exists,
one request in ``LOADTEST_PROFILE_EVERY`` is also run under cProfile; each worker writes its
profile when it exits. Nothing of this is in the app: the runner points gunicorn at this file.
"""

from __future__ import annotations

import cProfile
import json
import os
import time
from pathlib import Path

OUT = Path(os.environ.get("LOADTEST_SERVER_DIR", "."))
FLAG = os.environ.get("LOADTEST_PROFILE_FLAG", "")
EVERY = int(os.environ.get("LOADTEST_PROFILE_EVERY", "4"))


class _Request:
    """What one request has cost so far (a sync worker serves one at a time)."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.sql = 0.0
        self.queries = 0

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.sql += time.perf_counter() - start
            self.queries += 1


class _Worker:
    def __init__(self) -> None:
        path = OUT / f"requests-{os.getpid()}.jsonl"
        self.lines = path.open("a", encoding="utf-8", buffering=1)  # a line at a time
        self.profile = cProfile.Profile()
        self.seen = 0
        self.profiled = 0
        self.current: _Request | None = None
        self.profiling = False


_state: _Worker | None = None


def post_worker_init(worker) -> None:
    global _state
    _state = _Worker()


def pre_request(worker, req) -> None:
    from django.db import connection

    state = _state
    state.current = _Request()
    connection.execute_wrappers.append(state.current)
    state.seen += 1
    state.profiling = bool(FLAG) and state.seen % EVERY == 0 and Path(FLAG).exists()
    if state.profiling:
        state.profiled += 1
        state.profile.enable()


def post_request(worker, req, environ, resp) -> None:
    from django.db import connection

    state = _state
    if state.profiling:
        state.profile.disable()
    request = state.current
    if request in connection.execute_wrappers:
        connection.execute_wrappers.remove(request)
    elapsed = time.perf_counter() - request.started
    status = str(getattr(resp, "status", "") or "")[:3]
    line = [time.time(), req.method, req.path, status, elapsed * 1000, request.sql * 1000]
    state.lines.write(json.dumps([*line, request.queries, state.profiling]) + "\n")


def worker_exit(server, worker) -> None:
    state = _state
    if state is None:
        return
    state.lines.close()
    if state.profiled:
        state.profile.dump_stats(str(OUT / f"profile-{os.getpid()}.prof"))
