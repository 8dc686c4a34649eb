"""The OpenAPI schema: every operation documents the errors it can answer, in one place.

Views declare only what is particular to them (a 409 on a move); the rest follows from the
operation: authentication (401, 403), a path parameter or a page number (404), a request
body or query filters (400).
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework.permissions import AllowAny

from fulfillment.api.errors import BadRequestSerializer, ErrorSerializer


class ApiAutoSchema(AutoSchema):
    def _error_responses(self) -> dict[str, OpenApiResponse]:
        errors: dict[str, OpenApiResponse] = {}
        public = all(isinstance(p, AllowAny) for p in self.view.get_permissions())
        if self.method in ("POST", "PUT", "PATCH") or self._is_list_view():
            errors["400"] = OpenApiResponse(BadRequestSerializer, "The request was refused.")
        if not public:
            errors["401"] = OpenApiResponse(ErrorSerializer, "Not authenticated.")
            errors["403"] = OpenApiResponse(ErrorSerializer, "The role does not allow this.")
        if "{" in self.path or self._is_list_view():
            errors["404"] = OpenApiResponse(ErrorSerializer, "Not found or not visible.")
        return errors

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, response in self._error_responses().items():
            if code not in responses:
                responses[code] = self._get_response_for_code(response, code, direction=direction)
        return responses
