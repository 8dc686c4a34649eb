"""The same records pulled live from a Bitrix24 portal through its inbound webhook
(``https://PORTAL/rest/UID/TOKEN/``), for a company whose portal still answers: more faithful
than an export (ids instead of display text).

Each list is read page by page (``start``, 50 a page, until Bitrix24 gives no ``next``) and
turned into the rows an export gives (``Row.values`` keyed by meaning, names instead of ids),
so the import matches and validates them exactly as it does a file.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bitrix.exports import Export, Row

PAGE = 50
TIMEOUT = 30  # seconds per call
UNREACHABLE = _("The portal «%(url)s» did not answer %(method)s: %(error)s")
NOT_A_WEBHOOK = _("«%(url)s» is not a webhook address (https://PORTAL/rest/UID/TOKEN/).")
REFUSED = _("The portal refused %(method)s: %(error)s")


class PortalError(RuntimeError):
    """The portal cannot be read (unreachable, or it refused a call)."""


class Portal:
    """A Bitrix24 portal's REST API through an inbound webhook URL."""

    def __init__(self, webhook: str) -> None:
        if not webhook.startswith(("https://", "http://")):
            raise PortalError(gettext(NOT_A_WEBHOOK) % {"url": webhook})
        self.base = webhook.rstrip("/") + "/"

    def call(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        request = urllib.request.Request(
            f"{self.base}{method}.json",
            data=json.dumps(params or {}).encode(),
            headers={"Content-Type": "application/json", "Accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                body = json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as error:
            try:
                body = json.loads(error.read().decode("utf-8"))
            except ValueError:
                body = {"error_description": str(error)}
            description = body.get("error_description") or body.get("error") or str(error)
            raise PortalError(
                gettext(REFUSED) % {"method": method, "error": description}
            ) from error
        except (OSError, ValueError) as error:
            raise PortalError(
                gettext(UNREACHABLE) % {"url": self.base, "method": method, "error": error}
            ) from error
        if "error" in body:
            raise PortalError(
                gettext(REFUSED)
                % {"method": method, "error": body.get("error_description") or body["error"]}
            )
        return body

    def items(self, method: str, params: dict[str, Any] | None = None) -> Iterator[dict]:
        """Every item of a list method, page by page."""
        start = 0
        while True:
            body = self.call(method, {**(params or {}), "start": start})
            result = body.get("result") or []
            if isinstance(result, dict):  # wrapped lists: {"categories": […]}
                result = next(iter(result.values()), [])
            yield from result
            if "next" not in body:
                return
            start = int(body["next"])


def _first(values: Any) -> str:
    """The first value of a multi-value field (``[{"VALUE": …, "VALUE_TYPE": …}]``)."""
    if isinstance(values, list):
        for item in values:
            if isinstance(item, dict) and item.get("VALUE"):
                return str(item["VALUE"])
    return ""


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def pull(webhook: str) -> list[Export]:
    """The portal's companies, contacts and deals as exports (``pull:companies`` …)."""
    portal = Portal(webhook)
    users = {
        str(user["ID"]): " ".join(
            part for part in (_text(user.get("NAME")), _text(user.get("LAST_NAME"))) if part
        )
        or _text(user.get("EMAIL"))
        for user in portal.items("user.get")
    }
    categories = {
        str(c["id"]): c["name"] for c in portal.items("crm.category.list", {"entityTypeId": 2})
    }
    stages: dict[str, str] = {}
    for category in categories:
        entity = "DEAL_STAGE" if category == "0" else f"DEAL_STAGE_{category}"
        for status in portal.items("crm.status.list", {"filter": {"ENTITY_ID": entity}}):
            stages[status["STATUS_ID"]] = status["NAME"]
    requisites: dict[str, dict[str, str]] = {}
    for requisite in portal.items("crm.requisite.list", {"filter": {"ENTITY_TYPE_ID": 4}}):
        requisites.setdefault(str(requisite.get("ENTITY_ID")), requisite)

    companies = Export(name="pull:companies", kind="company", encoding="json")
    titles: dict[str, str] = {}
    for company in portal.items("crm.company.list", {"select": ["*", "UF_*", "PHONE", "EMAIL"]}):
        company_id = _text(company.get("ID"))
        titles[company_id] = _text(company.get("TITLE"))
        requisite = requisites.get(company_id, {})
        values = {
            "id": company_id,
            "title": titles[company_id],
            "phone": _first(company.get("PHONE")),
            "email": _first(company.get("EMAIL")),
            "inn": _text(requisite.get("RQ_INN")),
            "kpp": _text(requisite.get("RQ_KPP")),
            "ogrn": _text(requisite.get("RQ_OGRN") or requisite.get("RQ_OGRNIP")),
            "legal_name": _text(requisite.get("RQ_COMPANY_FULL_NAME")),
            "signatory": _text(requisite.get("RQ_DIRECTOR")),
        }
        companies.rows.append(_row(len(companies.rows), values, company))

    contacts = Export(name="pull:contacts", kind="contact", encoding="json")
    names: dict[str, str] = {}
    for contact in portal.items("crm.contact.list", {"select": ["*", "UF_*", "PHONE", "EMAIL"]}):
        contact_id = _text(contact.get("ID"))
        first, last = _text(contact.get("NAME")), _text(contact.get("LAST_NAME"))
        names[contact_id] = f"{first} {last}".strip()
        values = {
            "id": contact_id,
            "first_name": first,
            "second_name": _text(contact.get("SECOND_NAME")),
            "last_name": last,
            "position": _text(contact.get("POST")),
            "company": titles.get(_text(contact.get("COMPANY_ID")), ""),
            "phone": _first(contact.get("PHONE")),
            "email": _first(contact.get("EMAIL")),
        }
        contacts.rows.append(_row(len(contacts.rows), values, contact))

    deals = Export(name="pull:deals", kind="deal", encoding="json")
    for deal in portal.items("crm.deal.list", {"select": ["*", "UF_*"]}):
        values = {
            "id": _text(deal.get("ID")),
            "title": _text(deal.get("TITLE")),
            "pipeline": categories.get(_text(deal.get("CATEGORY_ID") or "0"), ""),
            "stage": stages.get(_text(deal.get("STAGE_ID")), _text(deal.get("STAGE_ID"))),
            "amount": _text(deal.get("OPPORTUNITY")),
            "company": titles.get(_text(deal.get("COMPANY_ID")), ""),
            "contact": names.get(_text(deal.get("CONTACT_ID")), ""),
            "responsible": users.get(_text(deal.get("ASSIGNED_BY_ID")), ""),
            "created": _text(deal.get("DATE_CREATE")),
            "comment": _text(deal.get("COMMENTS")),
        }
        deals.rows.append(_row(len(deals.rows), values, deal))
    return [companies, contacts, deals]


def _row(index: int, values: dict[str, str], raw: dict) -> Row:
    """A record as a row: ``line`` is its place in the list (the header being 1, as in a file)."""
    return Row(
        line=index + 2,
        values={key: value for key, value in values.items() if value},
        raw={key: _text(value) for key, value in raw.items() if not isinstance(value, list)},
    )
