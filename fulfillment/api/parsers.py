"""JSON bodies, read the same way by the API and by the pages' JSON endpoints.

Python's ``json`` accepts input that breaks what comes after it: nesting deep enough to exhaust
the interpreter's recursion limit (a ``RecursionError``, not a ``ValueError``) and numbers
such as ``1e400`` that silently become infinity. ``loads`` refuses both with a message for a
person; ``JSONParser`` (the API's default parser) turns that into a 400 in the API's error
shape.
"""

from __future__ import annotations

import codecs
import json
import math
from typing import Any

from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

TOO_DEEP = _("The JSON is nested too deeply: at most %(limit)s levels.")
NOT_A_NUMBER = _("The JSON holds a number that cannot be used: %(number)s.")
MALFORMED = _("The request body is not valid JSON.")


class JSONInputError(ValueError):
    """A JSON body refused; ``str()`` is the message for a person."""


# Deals, tasks and moves nest three or four levels; nothing the API takes needs more.
MAX_DEPTH = 32


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):  # 1e400, -1e1000000: beyond what a float holds
        raise JSONInputError(gettext(NOT_A_NUMBER) % {"number": text[:40]})
    return number


def _refuse_constant(name: str) -> None:
    raise JSONInputError(gettext(NOT_A_NUMBER) % {"number": name})


def _check_depth(data: Any, limit: int) -> None:
    """Refuse containers nested deeper than ``limit`` (walked without recursion)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            raise JSONInputError(gettext(TOO_DEEP) % {"limit": limit})
        stack.extend((child, depth + 1) for child in children)


def loads(text: str | bytes) -> Any:
    """``json.loads`` with finite numbers only and at most ``MAX_DEPTH`` levels of
    nesting; every refusal is a ``JSONInputError`` (a ``ValueError``)."""
    try:
        data = json.loads(text, parse_float=_finite_float, parse_constant=_refuse_constant)
    except RecursionError:
        raise JSONInputError(gettext(TOO_DEEP) % {"limit": MAX_DEPTH}) from None
    except JSONInputError:
        raise
    except ValueError as error:  # malformed, bad encoding, an integer of thousands of digits
        raise JSONInputError(gettext(MALFORMED)) from error
    _check_depth(data, MAX_DEPTH)
    return data


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser on top of ``loads``: a refused body is a 400 with its reason."""

    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.getreader(encoding)(stream).read()
            return loads(text)
        except JSONInputError as error:
            raise ParseError(str(error)) from None
        except ValueError:  # undecodable bytes
            raise ParseError(gettext(MALFORMED)) from None
