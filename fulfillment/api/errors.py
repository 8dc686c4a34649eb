"""The API's error bodies and the handler that produces them.

Every error answers ``{"detail": "<message for a person>"}``; a 400 may add ``errors`` (the
messages of each field, under the field's code) or ``missing_fields`` (the codes of the
required fields a refused move lacks). Domain errors keep their translated message: the
handler maps the ``ApplicationError`` family to a status and adds the machine details.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from deals.exceptions import DealConflictError, DealFieldError, MissingFieldsError
from fulfillment.exceptions import ApplicationError, PermissionDeniedError

CHECK_FIELDS = "Check the highlighted fields."  # the msgid the deal services use too


class ErrorSerializer(serializers.Serializer):
    """An error: the reason, in the user's language."""

    detail = serializers.CharField()


class BadRequestSerializer(ErrorSerializer):
    """The request was refused and nothing was saved."""

    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Messages of each refused field, under the field's code.",
    )
    missing_fields = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="Codes of the required fields a refused move lacks (the pipeline spec's).",
    )


def _flatten(errors: Any) -> dict[str, list[str]]:
    """DRF's nested error structure as ``{code: [messages]}`` («fields.amount» for nested)."""
    if not isinstance(errors, dict):
        errors = {"non_field_errors": errors}
    flat: dict[str, list[str]] = {}
    for name, value in errors.items():
        if isinstance(value, dict) and value and all(isinstance(k, int) for k in value):
            # A list field's items: the messages belong to the field.
            flat[str(name)] = [m for messages in _flatten(value).values() for m in messages]
        elif isinstance(value, dict):
            for inner, messages in _flatten(value).items():
                key = inner if name == "non_field_errors" else f"{name}.{inner}"
                flat[key] = messages
        elif isinstance(value, list) and any(isinstance(v, dict) for v in value):
            for index, item in enumerate(value):
                for inner, messages in _flatten(item).items():
                    flat[f"{name}.{index}.{inner}"] = messages
        else:
            values = value if isinstance(value, list) else [value]
            flat[str(name)] = [str(v) for v in values]
    return flat


def bad_request(errors: Any) -> dict[str, Any]:
    """The 400 body of field errors; a form-wide error becomes the detail itself."""
    flat = _flatten(errors)
    general = flat.get("non_field_errors") or flat.get("__all__")
    detail = " ".join(general) if general and len(flat) == 1 else gettext(CHECK_FIELDS)
    return {"detail": detail, "errors": flat}


def _application_error(error: ApplicationError) -> Response:
    if isinstance(error, PermissionDeniedError):
        return Response({"detail": error.message}, status=status.HTTP_403_FORBIDDEN)
    if isinstance(error, DealConflictError):  # with the stage the deal is in now
        body = {"detail": error.message, **error.extra}
        return Response(body, status=status.HTTP_409_CONFLICT)
    body: dict[str, Any] = {"detail": error.message}
    if isinstance(error, MissingFieldsError):
        body["missing_fields"] = error.codes
    elif isinstance(error, DealFieldError) and error.errors:
        body["errors"] = error.errors
    return Response(body, status=status.HTTP_400_BAD_REQUEST)


def api_exception_handler(error: Exception, context: dict) -> Response | None:
    """DRF's exception handler extended with the domain errors and one body shape."""
    if isinstance(error, ApplicationError):
        return _application_error(error)
    if isinstance(error, DjangoValidationError):
        errors = error.message_dict if hasattr(error, "error_dict") else error.messages
        return Response(bad_request(errors), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(error, exceptions.ValidationError):
        response = exception_handler(error, context)
        if response is not None:
            response.data = bad_request(error.detail)
        return response
    response = exception_handler(error, context)
    if response is not None and isinstance(error, Http404):
        # Django's message names the model in English; DRF's own is translated.
        response.data = {"detail": str(exceptions.NotFound.default_detail)}
    return response


@csrf_exempt  # it changes nothing; a POST to a wrong path still gets the JSON 404
def api_not_found(request, *args, **kwargs) -> JsonResponse:
    """404 of a path the API does not have, as JSON like every other API error."""
    return JsonResponse({"detail": str(exceptions.NotFound.default_detail)}, status=404)
