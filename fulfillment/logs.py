"""Logs an operator can follow across machines: one line per request with a request id, the
same id on every line logged while serving it and on the Celery jobs it enqueued, and JSON
lines when ``DJANGO_LOG_FORMAT=json`` (for a log collector).

The id comes from the proxy's ``X-Request-ID`` when it sends a sane one (so nginx's and ours
match), else it is made here; the response carries it back. Jobs get it in a message header
and set it while they run.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.http import HttpRequest, HttpResponse

from fulfillment.metrics import observe_request

NO_REQUEST = "-"
HEADER = "X-Request-ID"
TASK_HEADER = "request_id"
_SANE = re.compile(r"[A-Za-z0-9._-]{1,64}")

request_id: ContextVar[str] = ContextVar("request_id", default=NO_REQUEST)
requests_log = logging.getLogger("fulfillment.requests")

# Attributes every LogRecord has; anything else on a record was passed in ``extra``.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}


class RequestIdFilter(logging.Filter):
    """Puts the current request id (or ``-``) on every record, for the formatters."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id and the record's
    ``extra`` fields (method, path, status, duration_ms, user_id of a request line)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", NO_REQUEST),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class RequestLogMiddleware:
    """Gives each request its id, writes its one line once the response is ready, and counts
    its time in the metrics."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get(HEADER, "")
        token = request_id.set(given if _SANE.fullmatch(given) else uuid.uuid4().hex)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[HEADER] = request_id.get()
            user = getattr(request, "user", None)
            seconds = time.perf_counter() - started
            observe_request(request, response.status_code, seconds)
            duration = round(seconds * 1000, 1)
            requests_log.info(
                "%s %s %s %.1fms",
                request.method,
                request.path,
                response.status_code,
                duration,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": duration,
                    # People are named by id only: no names or addresses in the logs.
                    "user_id": user.pk if user is not None and user.is_authenticated else None,
                },
            )
            return response
        finally:
            request_id.reset(token)


def tag_published_job(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    """Celery ``before_task_publish``: the job carries the id of the request that sent it."""
    if headers is not None and request_id.get() != NO_REQUEST:
        headers.setdefault(TASK_HEADER, request_id.get())


def job_started(task: Any = None, **kwargs: Any) -> None:
    """Celery ``task_prerun``: the job's lines carry its request's id (or its own task id)."""
    if task is None:
        return
    # In a worker: the header, else the job's own id; run in-process: the request's id.
    current = request_id.get()
    given = getattr(task.request, TASK_HEADER, None) or (
        current if current != NO_REQUEST else f"task-{task.request.id}"
    )
    task.request._request_id_token = request_id.set(given)


def job_finished(task: Any = None, **kwargs: Any) -> None:
    token = getattr(task.request, "_request_id_token", None) if task is not None else None
    if token is not None:
        request_id.reset(token)
