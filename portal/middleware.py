"""Keeps a client inside /client/: a signed-in client who opens any other page of the site
(the staff pages, reports, the warehouse, the admin, the API with the session) is sent to
the portal's home (GET) or refused with 403 (anything else, JSON for the API). The staff
views refuse a user without a role already; this makes the rule one line to read and covers
the pages every signed-in user may open (notifications, the warehouse's task list).

Install after ``AuthenticationMiddleware`` (``MIDDLEWARE`` in settings). Who is a client is
decided once, at sign-in (``mark_client_session``, on Django's ``user_logged_in``: every way
in calls ``login()``), and kept in the session, so a staff request pays no query for it."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext

from portal.accounts import client_account_of

SESSION_KEY = "portal_client"

CLIENT_PREFIX = "/client/"
# What a client's browser may still ask for outside /client/.
OPEN_PREFIXES = ("/i18n/", "/favicon.ico", "/healthz", "/readyz")
CLIENTS_ONLY_HERE = "The client portal is at /client/."


class ClientAreaMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path
        if (
            path.startswith(CLIENT_PREFIX)
            or path.startswith(OPEN_PREFIXES)
            or path.startswith(settings.STATIC_URL or "/static/")
        ):
            return self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or not session.get(SESSION_KEY):
            return self.get_response(request)
        if path.startswith("/api/"):
            return JsonResponse({"detail": gettext(CLIENTS_ONLY_HERE)}, status=403)
        if request.method in ("GET", "HEAD"):
            return redirect(CLIENT_PREFIX)
        return HttpResponseForbidden(gettext(CLIENTS_ONLY_HERE))


def mark_client_session(sender, request, user, **kwargs) -> None:
    """``user_logged_in``: a client's session carries the mark the middleware reads."""
    if request is not None and hasattr(request, "session") and client_account_of(user):
        request.session[SESSION_KEY] = True
