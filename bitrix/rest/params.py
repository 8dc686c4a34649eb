"""A call's parameters as Bitrix24's clients send them: a GET query string, POST form data
(urlencoded or multipart) with PHP-style keys (``fields[TITLE]``, ``fields[PHONE][0][VALUE]``,
``select[]``), or a JSON body. Parameter names are case-insensitive (``ID``/``id``)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest

from fulfillment.api.parsers import loads

_SEGMENTS = re.compile(r"\[([^\]]*)\]")


def php_nested(pairs: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """PHP-style keys made nested: ``a[b][0][c]=1``, ``a[]=x`` → dicts and lists."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        base, _bracket, _rest = key.partition("[")
        segments = [base, *_SEGMENTS.findall(key[len(base) :])] if _bracket else [key]
        node = root
        for index, segment in enumerate(segments):
            last = index == len(segments) - 1
            if segment == "":
                segment = str(len(node))
            if last:
                node[segment] = value
            else:
                child = node.get(segment)
                if not isinstance(child, dict):
                    child = node[segment] = {}
                node = child
    return _lists(root)


def _lists(node: Any) -> Any:
    """Dicts whose keys are 0, 1, 2 … become lists."""
    if not isinstance(node, dict):
        return node
    node = {key: _lists(value) for key, value in node.items()}
    if node and all(key.isdigit() for key in node):
        keys = sorted(node, key=int)
        if keys == [str(i) for i in range(len(keys))]:
            return [node[key] for key in keys]
    return node


def request_params(request: HttpRequest) -> dict[str, Any]:
    """Every parameter of a call, names in lower case at the top level."""
    params = php_nested(_pairs(request.GET))
    if request.method == "POST":
        content_type = request.content_type or ""
        if content_type == "application/json":
            # The API's reader: bounded nesting, finite numbers, a refusal said plainly.
            body = loads(request.body or b"{}")
            if not isinstance(body, dict):
                raise ValueError("a JSON object is expected")
            params.update(body)
        else:
            params.update(php_nested(_pairs(request.POST)))
            params.update(php_nested(_pairs(request.FILES)))
    return lower_keys(params)


def _pairs(data) -> list[tuple[str, Any]]:
    return [(key, value) for key in data for value in data.getlist(key)]


def lower_keys(params: dict[str, Any]) -> dict[str, Any]:
    return {str(key).lower(): value for key, value in params.items()}


def upper_keys(fields: Any) -> dict[str, Any]:
    """A ``fields``/``filter``/``order`` map with its names as Bitrix24 writes them."""
    if not isinstance(fields, dict):
        return {}
    return {str(key).upper(): value for key, value in fields.items()}
