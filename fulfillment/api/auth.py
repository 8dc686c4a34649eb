"""Token authentication for integrations and scripts: ``POST /api/auth/token/`` with the
login and password answers the user's token; requests then send ``Authorization: Token …``;
``DELETE /api/auth/token/`` signs the token out (deletes it).

A token lives ``API_TOKEN_TTL_HOURS`` from its creation (then it answers 401 and is deleted;
a new ``POST`` gives a new one) and dies with a change of its user's password, whatever the
path (admin, password change or reset page: anything through ``set_password``).

The endpoint is throttled per client address and per login (``API_TOKEN_RATE_PER_*``), so
passwords cannot be guessed at speed from one machine or against one account from many.
"""

from __future__ import annotations

import hashlib

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from fulfillment.api.errors import ErrorSerializer
from fulfillment.api.parsers import JSONParser
from fulfillment.api.tokens import ExpiringTokenAuthentication, token_expired
from fulfillment.login_limits import lockout_response


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


class AddressThrottle(SimpleRateThrottle):
    """Token requests from one client address."""

    scope = "auth-token"

    def get_cache_key(self, request: Request, view: APIView) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginThrottle(SimpleRateThrottle):
    """Token requests for one login, from wherever they come."""

    scope = "auth-token-login"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        data = request.data
        username = data.get("username") if hasattr(data, "get") else None
        if not isinstance(username, str) or not username.strip():
            return None  # refused as a bad request anyway
        # Hashed: a login may hold any character and any length; a cache key may not.
        ident = hashlib.sha256(username.strip().casefold().encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AuthTokenApi(APIView):
    parser_classes = (JSONParser,)

    def _signing_out(self) -> bool:
        return getattr(getattr(self, "request", None), "method", None) == "DELETE"

    def get_authenticators(self) -> list:
        # Signing in takes no session: a script posts credentials, and CSRF does not apply.
        if self._signing_out():
            return [ExpiringTokenAuthentication(), SessionAuthentication()]
        return []

    def get_permissions(self) -> list:
        return [IsAuthenticated()] if self._signing_out() else [AllowAny()]

    def get_throttles(self) -> list:
        return [] if self._signing_out() else [AddressThrottle(), LoginThrottle()]

    @extend_schema(
        operation_id="auth_token_create",
        request=AuthTokenSerializer,
        responses={
            200: TokenSerializer,
            429: OpenApiResponse(ErrorSerializer, "Too many tries: wait and retry."),
        },
        auth=[],
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        """The active user's API token (created on first request)."""
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        if not serializer.is_valid():
            if getattr(request, "axes_locked_out", False):  # refused before hashing
                return lockout_response(request._request, None, None)
            raise ValidationError(serializer.errors)
        user = serializer.validated_data["user"]
        token, _created = Token.objects.get_or_create(user=user)
        if token_expired(token):
            token.delete()
            token = Token.objects.create(user=user)
        return Response({"token": token.key})

    @extend_schema(
        operation_id="auth_token_destroy",
        request=None,
        responses={204: None, 401: ErrorSerializer},
        tags=["auth"],
    )
    def delete(self, request: Request) -> Response:
        """Sign out: the caller's API token is deleted (a new ``POST`` gives a new one)."""
        Token.objects.filter(user=request.user).delete()
        return Response(status=204)
