"""``/rest/{user id}/{token}/{method}[.json]``: Bitrix24's inbound webhook protocol.

Every answer is JSON: ``{"result", "time"}`` (lists add an exact ``total`` and ``next`` when
another page exists); errors ``{"error", "error_description"}`` with a 4xx status for the
caller's mistakes (CRM validation: 400 with an empty code), so clients that retry on 5xx do
not hammer a refusal. ``batch`` runs up to 50 commands with ``$result[…]`` references.
"""

from __future__ import annotations

import re
import time
from typing import Any
from urllib.parse import parse_qsl

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt

from bitrix.rest.methods import METHODS, Call, Page, RestError
from bitrix.rest.params import lower_keys, php_nested, request_params
from bitrix.rest.records import FieldRefused
from bitrix.webhooks import webhook_for
from deals.exceptions import MissingFieldsError
from fulfillment.exceptions import ApplicationError, PermissionDeniedError

BATCH_LIMIT = 50
WRONG_AUTH = _("Wrong authorization data")
NO_METHOD = _("Method not found!")
TOO_MANY = _("Max batch length exceeded (%(limit)s commands).")
BAD_REQUEST = _("The parameters cannot be read: %(error)s")
ACCESS_DENIED = _("Access denied.")
_REFERENCE = re.compile(r"\$result\[([^\]]+)\]((?:\[[^\]]*\])*)")


class _Clock:
    def __init__(self) -> None:
        self.started, self.started_at = time.monotonic(), timezone.localtime()

    def block(self) -> dict[str, Any]:
        finished, finished_at = time.monotonic(), timezone.localtime()
        duration = finished - self.started
        return {
            "start": self.started_at.timestamp(),
            "finish": finished_at.timestamp(),
            "duration": duration,
            "processing": duration,
            "date_start": self.started_at.isoformat(timespec="seconds"),
            "date_finish": finished_at.isoformat(timespec="seconds"),
        }


def _error(code: str, description: str, status: int) -> JsonResponse:
    return JsonResponse(
        {"error": code, "error_description": description},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


def _run(webhook, name: str, params: dict[str, Any]) -> Any:
    """One method's result; refusals raise ``RestError``."""
    function = METHODS.get(name.lower().removesuffix(".json"))
    if function is None:
        raise RestError(gettext(NO_METHOD), "ERROR_METHOD_NOT_FOUND", 404)
    try:
        return function(Call(webhook.user, lower_keys(params), webhook))
    except MissingFieldsError as error:
        raise RestError(str(error.message)) from error
    except PermissionDeniedError as error:
        raise RestError(gettext(ACCESS_DENIED)) from error
    except ApplicationError as error:
        raise RestError(str(error.message)) from error
    except ValidationError as error:
        raise RestError(" ".join(error.messages)) from error
    except (ObjectDoesNotExist, FieldRefused, KeyError, TypeError, ValueError) as error:
        raise RestError(f"{error}") from error


def _body(result: Any, clock: _Clock) -> dict[str, Any]:
    if isinstance(result, Page):
        body: dict[str, Any] = {"result": result.result}
        if result.next is not None:
            body["next"] = result.next
        if result.total is not None:
            body["total"] = result.total
    else:
        body = {"result": result}
    body["time"] = clock.block()
    return body


@csrf_exempt
def rest(request: HttpRequest, user_id: int, token: str, method: str = "") -> JsonResponse:
    clock = _Clock()
    webhook = webhook_for(user_id, token)
    if webhook is None:
        return _error("NO_AUTH_FOUND", gettext(WRONG_AUTH), 401)
    try:
        params = request_params(request)
    except ValueError as error:
        return _error("INVALID_REQUEST", gettext(BAD_REQUEST) % {"error": error}, 400)
    name = method.lower().removesuffix(".json")
    try:
        if name == "batch":
            result: Any = _batch(webhook, params)
        else:
            result = _run(webhook, name, params)
    except RestError as error:
        return _error(error.code, error.description, error.status)
    return JsonResponse(_body(result, clock), json_dumps_params={"ensure_ascii": False})


def _flag(value: Any) -> bool:
    return str(value).strip().lower() in ("1", "true", "y", "yes")


def _resolve(text: str, results: dict[str, Any]) -> str:
    """``$result[key]``, ``$result[key][FIELD]``, ``$result[key][49][ID]`` replaced by the
    value an earlier command returned."""

    def value(match: re.Match) -> str:
        node: Any = results.get(match.group(1))
        for part in re.findall(r"\[([^\]]*)\]", match.group(2)):
            if isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            elif isinstance(node, dict):
                node = node.get(part, node.get(part.upper()))
            else:
                node = None
        return "" if node is None else str(node)

    return _REFERENCE.sub(value, text)


def _batch(webhook, params: dict[str, Any]) -> dict[str, Any]:
    commands = params.get("cmd") or {}
    if isinstance(commands, list):
        commands = {str(i): c for i, c in enumerate(commands)}
    if len(commands) > BATCH_LIMIT:
        raise RestError(gettext(TOO_MANY) % {"limit": BATCH_LIMIT})
    halt = _flag(params.get("halt", 0))
    results: dict[str, Any] = {}
    answers: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    totals: dict[str, Any] = {}
    nexts: dict[str, Any] = {}
    times: dict[str, Any] = {}
    for key, command in commands.items():
        clock = _Clock()
        name, _mark, query = str(command).partition("?")
        # Decoded first (``quote`` or ``quote_plus``), then the references replaced.
        pairs = [(k, _resolve(v, results)) for k, v in parse_qsl(query, keep_blank_values=True)]
        try:
            if name.lower().removesuffix(".json") == "batch":
                raise RestError(gettext(NO_METHOD), "ERROR_METHOD_NOT_FOUND", 404)
            result = _run(webhook, name, php_nested(pairs))
        except RestError as error:
            errors[key] = {"error": error.code, "error_description": error.description}
            if halt:
                break
            continue
        finally:
            times[key] = clock.block()
        results[key] = result.result if isinstance(result, Page) else result
        answers[key] = results[key]
        if isinstance(result, Page):
            if result.total is not None:
                totals[key] = result.total
            if result.next is not None:
                nexts[key] = result.next
    # Empty maps are written as ``[]``, as Bitrix24 (PHP) writes them.
    return {
        "result": answers or [],
        "result_error": errors or [],
        "result_total": totals or [],
        "result_next": nexts or [],
        "result_time": times or [],
    }
