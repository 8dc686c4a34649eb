"""Error reports reach a Sentry server (one started by the test, receiving what the SDK
sends) with the person named by id only: no login, name, e-mail, cookie or request body."""

from __future__ import annotations

import gzip
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sentry_sdk

from fulfillment.error_reports import sentry_init, with_user_ids

pytestmark = pytest.mark.django_db


@pytest.fixture
def sentry_server():
    received: list[bytes] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            encoding = self.headers.get("Content-Encoding")
            if encoding == "gzip":
                body = gzip.decompress(body)
            elif encoding == "br":  # the SDK's choice when brotli is installed (locust's)
                import brotli

                body = brotli.decompress(body)
            received.append(body)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sentry_init(f"http://public@127.0.0.1:{server.server_port}/1", environment="test")
    yield received
    sentry_sdk.get_client().close()
    sentry_sdk.init(dsn=None)
    server.shutdown()


def _events(received: list[bytes]) -> list[dict]:
    events = []
    for envelope in received:
        lines = envelope.split(b"\n")
        for header, payload in zip(lines[1::2], lines[2::2], strict=False):
            if json.loads(header).get("type") == "event":
                events.append(json.loads(payload))
    return events


def test_a_failed_page_is_reported_with_the_user_s_id_only(
    settings, client, manager, sentry_server
):
    settings.ROOT_URLCONF = "tests.deploy.sentry_urls"
    settings.MIDDLEWARE = with_user_ids(settings.MIDDLEWARE)  # as SENTRY_DSN installs it
    client.raise_request_exception = False
    client.force_login(manager)

    response = client.post("/broken/?page=2", {"comment": "ИНН 7707083893, тел. +79161234567"})
    sentry_sdk.flush(timeout=5)

    assert response.status_code == 500
    (event,) = _events(sentry_server)
    assert event["exception"]["values"][-1]["type"] == "RuntimeError"
    assert event["user"] == {"id": str(manager.pk)}
    assert set(event["request"]) <= {"url", "method", "query_string"}
    frames = event["exception"]["values"][-1]["stacktrace"]["frames"]
    assert not any("vars" in frame for frame in frames)  # locals hold clients' details
    sent = json.dumps(event, ensure_ascii=False)
    for private in (manager.username, manager.email, "+79161234567", "sessionid"):
        assert private not in sent, sent[max(0, sent.find(private) - 300) : sent.find(private) + 80]
