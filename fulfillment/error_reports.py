"""Error reports to Sentry when ``SENTRY_DSN`` is set: failed web requests and Celery jobs,
with the person identified by id only — no names, e-mails, addresses, cookies or request
bodies leave the CRM (clients' data is in those bodies)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sentry_sdk
from django.http import HttpRequest, HttpResponse

# Keys of an event's ``user`` and ``request`` that may carry personal data.
_REQUEST_KEEP = ("url", "method", "query_string")


def _scrub(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    """Keep the user's id only and the request's address and method only."""
    user = event.get("user") or {}
    event["user"] = {"id": str(user["id"])} if user.get("id") is not None else {}
    request = event.get("request")
    if request:
        event["request"] = {key: request[key] for key in _REQUEST_KEEP if key in request}
    return event


def sentry_init(dsn: str, *, environment: str, release: str = "") -> None:
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release or None,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        # No user details, bodies, SQL parameters or frame variables: a client's details
        # live in them.
        data_collection={
            "user_info": False,
            "http_bodies": [],
            "database_query_data": False,
            "stack_frame_variables": False,
        },
        before_send=_scrub,
        traces_sample_rate=0,
    )


def with_user_ids(middleware: list[str]) -> list[str]:
    """``middleware`` with ``UserIdMiddleware`` right after authentication: installed only
    when reports are sent, so no request pays for it otherwise."""
    after = middleware.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1
    return [*middleware[:after], "fulfillment.error_reports.UserIdMiddleware", *middleware[after:]]


class UserIdMiddleware:
    """Names the signed-in person in error reports by id (after authentication)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            sentry_sdk.get_isolation_scope().set_user({"id": str(user.pk)})
        return self.get_response(request)
