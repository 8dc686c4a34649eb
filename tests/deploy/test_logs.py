"""Request logs: one line per request with an id that the response, every line logged while
serving it and the jobs it enqueues carry; JSON lines for a log collector."""

from __future__ import annotations

import io
import json
import logging
from types import SimpleNamespace

import pytest
from django.urls import reverse

from fulfillment.logs import (
    JsonFormatter,
    RequestIdFilter,
    job_finished,
    job_started,
    request_id,
    tag_published_job,
)

pytestmark = pytest.mark.django_db


def _request_lines(caplog):
    return [r for r in caplog.records if r.name == "fulfillment.requests"]


def test_each_request_has_an_id_and_one_line_naming_the_user_by_id_only(client, manager, caplog):
    client.force_login(manager)
    with caplog.at_level(logging.INFO, logger="fulfillment.requests"):
        first = client.get(reverse("deals:tasks"))
        second = client.get(reverse("deals:tasks"), HTTP_X_REQUEST_ID="nginx-42.a")
        odd = client.get(reverse("deals:tasks"), HTTP_X_REQUEST_ID="<script>")

    lines = _request_lines(caplog)
    assert len(lines) == 3
    assert len(first["X-Request-ID"]) == 32 and first["X-Request-ID"] != odd["X-Request-ID"]
    assert second["X-Request-ID"] == "nginx-42.a"  # the proxy's id is kept
    assert odd["X-Request-ID"] != "<script>"
    line = lines[1]
    assert (line.method, line.path, line.status, line.user_id) == (
        "GET",
        "/tasks/",
        200,
        manager.pk,
    )
    assert line.duration_ms > 0
    assert manager.username not in line.getMessage()


def test_json_lines_carry_the_request_id_and_the_request_s_fields(client, manager):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("fulfillment.requests")
    logger.addHandler(handler)
    client.force_login(manager)
    try:
        response = client.get(reverse("deals:tasks"), HTTP_X_REQUEST_ID="abc-1")
    finally:
        logger.removeHandler(handler)

    entry = json.loads(stream.getvalue().splitlines()[-1])
    assert response["X-Request-ID"] == "abc-1"
    assert entry["request_id"] == "abc-1"
    assert (entry["level"], entry["logger"]) == ("INFO", "fulfillment.requests")
    assert (entry["method"], entry["path"], entry["status"]) == ("GET", "/tasks/", 200)
    assert entry["user_id"] == manager.pk
    assert entry["message"].startswith("GET /tasks/ 200 ")


def test_a_job_carries_its_request_s_id_into_the_worker():
    headers: dict = {}
    token = request_id.set("req-7")
    try:
        tag_published_job(headers=headers)
    finally:
        request_id.reset(token)
    # The worker: the job's request holds the header; its lines carry it while it runs.
    task = SimpleNamespace(request=SimpleNamespace(id="t1", request_id=headers["request_id"]))
    job_started(task=task)
    during = request_id.get()
    job_finished(task=task)

    assert headers == {"request_id": "req-7"}
    assert during == "req-7"
    assert request_id.get() == "-"


def test_a_job_enqueued_outside_a_request_is_named_by_its_own_id():
    headers: dict = {}
    tag_published_job(headers=headers)
    task = SimpleNamespace(request=SimpleNamespace(id="t2"))
    job_started(task=task)
    during = request_id.get()
    job_finished(task=task)

    assert headers == {}
    assert during == "task-t2"
