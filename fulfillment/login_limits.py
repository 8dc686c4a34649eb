"""Attempt limits on every way in: the login page, the admin's login and the API token.

django-axes counts failed sign-ins per client address and per login (``AXES_*`` settings) in
the database; its backend comes first in ``AUTHENTICATION_BACKENDS``, so a locked-out try is
refused before any password is hashed. This module says where the client address comes from
(the same rule as the API throttles: a proxy's ``X-Forwarded-For`` only behind
``NUM_PROXIES`` proxies) and how a refusal reads: a page for people, JSON with
``Retry-After`` for the API. Password reset, which signs no one in, is limited per address by
the cache (``PASSWORD_RESET_PER_HOUR``).
"""

from __future__ import annotations

import math

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext

TOO_MANY_LOGINS = "Too many failed sign-in attempts. Try again in %(minutes)s min."
TOO_MANY_RESETS = "Too many password reset requests. Try again in %(minutes)s min."


def client_address(request: HttpRequest) -> str:
    """The client's address: the connection's, or the one the trusted proxies in front of us
    (``NUM_PROXIES``) saw; a client's own ``X-Forwarded-For`` counts for nothing."""
    remote = request.META.get("REMOTE_ADDR", "")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if settings.NUM_PROXIES and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-min(settings.NUM_PROXIES, len(hops))]
    return remote


def _refusal(request: HttpRequest, message: str, seconds: int) -> HttpResponse:
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": message}, status=429)
    else:
        response = render(request, "registration/locked_out.html", {"message": message}, status=429)
    response["Retry-After"] = str(seconds)
    return response


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """django-axes' answer to a locked-out sign-in (``AXES_LOCKOUT_CALLABLE``)."""
    seconds = int(settings.AXES_COOLOFF_TIME.total_seconds())
    message = gettext(TOO_MANY_LOGINS) % {"minutes": math.ceil(seconds / 60)}
    return _refusal(request, message, seconds)


class PasswordResetView(auth_views.PasswordResetView):
    """Django's password reset, with a limit per client address: each request sends an
    e-mail, so an unlimited form mails anyone's inbox full."""

    window = 3600

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        key = f"password-reset:{client_address(request)}"
        cache.add(key, 0, self.window)
        if cache.incr(key) > settings.PASSWORD_RESET_PER_HOUR:
            message = gettext(TOO_MANY_RESETS) % {"minutes": self.window // 60}
            return _refusal(request, message, self.window)
        return super().post(request, *args, **kwargs)
