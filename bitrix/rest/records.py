"""Our records as Bitrix24 writes them, and Bitrix24's fields as our services take them.

Pipelines are categories (their order in the spec: calculation is the default category 0),
stages are statuses (``NEW``, ``PROPOSAL``…, the closing ones ``WON`` and ``LOSE``; outside
category 0 prefixed ``C{id}:``). The pipeline spec's fields that Bitrix24 has no standard field
for are user fields ``UF_CRM_<CODE>`` (``UF_CRM_SKU_COUNT``). Values come back as Bitrix24
writes them: ids and numbers as strings, flags ``Y``/``N``, dates ISO 8601 with offset.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext

from deals.models import Company, Contact, Deal, Task
from deals.pipelines import PIPELINES
from deals.pipelines.base import StageKind
from deals.pipelines.fields import DEAL_FIELDS, field_label, field_type, model_field
from fulfillment.notifications import absolute_url

CATEGORIES: list[str] = list(PIPELINES)  # category id = the pipeline's place in the spec


class FieldRefused(ValueError):
    """A field value Bitrix24's caller sent that cannot be ours (an unknown category…)."""


# --- pipelines and stages ------------------------------------------------------------------


def category_id(pipeline: str) -> int:
    return CATEGORIES.index(pipeline)


def pipeline_of(category: Any) -> str:
    try:
        return CATEGORIES[int(category or 0)]
    except (ValueError, IndexError):
        raise FieldRefused(f"CATEGORY_ID {category}") from None


def status_id(pipeline: str, stage: str) -> str:
    kind = PIPELINES[pipeline].stage(stage).kind
    code = {StageKind.SUCCESS: "WON", StageKind.FAILURE: "LOSE"}.get(kind, stage.upper())
    category = category_id(pipeline)
    return code if category == 0 else f"C{category}:{code}"


def stage_of(pipeline: str, status: str) -> str:
    """Our stage code of a Bitrix24 status id in a pipeline."""
    for stage in PIPELINES[pipeline].stages:
        if status_id(pipeline, stage.code) == str(status).upper():
            return stage.code
    raise FieldRefused(f"STAGE_ID {status}")


def semantic(pipeline: str, stage: str) -> str:
    kind = PIPELINES[pipeline].stage(stage).kind
    return {StageKind.SUCCESS: "S", StageKind.FAILURE: "F"}.get(kind, "P")


def statuses(pipeline: str) -> list[dict[str, Any]]:
    """The ``crm.status.list`` rows of a pipeline's stages."""
    category = category_id(pipeline)
    entity = "DEAL_STAGE" if category == 0 else f"DEAL_STAGE_{category}"
    rows = []
    for sort, stage in enumerate(PIPELINES[pipeline].stages, start=1):
        kind = {StageKind.SUCCESS: "S", StageKind.FAILURE: "F"}.get(stage.kind)
        rows.append(
            {
                "ID": str(category * 100 + sort),
                "ENTITY_ID": entity,
                "STATUS_ID": status_id(pipeline, stage.code),
                "NAME": str(stage.label),
                "SORT": str(sort * 10),
                "SEMANTICS": kind,
                "CATEGORY_ID": str(category),
            }
        )
    return rows


# --- values --------------------------------------------------------------------------------


def _iso(value: datetime.datetime | datetime.date | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    return value.isoformat()


def written(field: models.Field, value: Any) -> Any:
    """A value as Bitrix24 writes it."""
    kind = field_type(field)
    if value is None or value == "":
        return "" if kind != "multichoice" else []
    if kind == "file":
        return absolute_url(f"/api/files/{value.name}") if value else ""
    if kind == "boolean":
        return "Y" if value else "N"
    if kind == "multichoice":
        return list(value)
    if kind in ("datetime", "date"):
        return _iso(value)
    if kind == "decimal":
        return f"{Decimal(value):.2f}"
    if isinstance(value, models.Model):
        return str(value.pk)
    return str(value)


def _multi(value: str, kind: str) -> list[dict[str, str]]:
    if not value:
        return []
    value_type = "WORK"
    return [{"ID": "1", "VALUE_TYPE": value_type, "VALUE": value, "TYPE_ID": kind}]


def first_value(value: Any) -> str:
    """The value of a multi-value field as sent: ``[{"VALUE": …}]`` or a plain string."""
    if isinstance(value, list):
        for item in value:
            if isinstance(item, dict) and item.get("VALUE"):
                return str(item["VALUE"])
            if isinstance(item, str) and item:
                return item
        return ""
    if isinstance(value, dict):
        return str(value.get("VALUE", ""))
    return "" if value is None else str(value)


# --- deals ---------------------------------------------------------------------------------

# Bitrix24's standard deal fields backed by one of ours.
DEAL_STANDARD = {
    "TITLE": "title",
    "OPPORTUNITY": "amount",
    "COMPANY_ID": "company",
    "CONTACT_ID": "contact",
    "ASSIGNED_BY_ID": "responsible",
    "COMMENTS": "comment",
}
DEAL_READ_ONLY = (
    "ID",
    "DATE_CREATE",
    "DATE_MODIFY",
    "CREATED_BY_ID",
    "STAGE_SEMANTIC_ID",
    "MOVED_TIME",
    "CLOSED",
    "CLOSEDATE",
    "OPENED",
    "CURRENCY_ID",
)
_STANDARD_CODES = set(DEAL_STANDARD.values())


def user_field(code: str) -> str:
    return f"UF_CRM_{code.upper()}"


def deal_user_fields() -> dict[str, str]:
    """``UF_CRM_*`` name → our field code, for every spec field without a standard one."""
    return {user_field(code): code for code in DEAL_FIELDS if code not in _STANDARD_CODES}


def deal_record(deal: Deal) -> dict[str, Any]:
    """Every field of a deal, standard then user fields, as Bitrix24 writes them."""
    record: dict[str, Any] = {
        "ID": str(deal.pk),
        "TITLE": deal.title,
        "CATEGORY_ID": str(category_id(deal.pipeline)),
        "STAGE_ID": status_id(deal.pipeline, deal.stage),
        "STAGE_SEMANTIC_ID": semantic(deal.pipeline, deal.stage),
        "OPPORTUNITY": f"{deal.amount:.2f}" if deal.amount is not None else "0.00",
        "CURRENCY_ID": "RUB",
        "COMPANY_ID": str(deal.company_id or 0),
        "CONTACT_ID": str(deal.contact_id) if deal.contact_id else None,
        "CONTACT_IDS": [str(deal.contact_id)] if deal.contact_id else [],
        "ASSIGNED_BY_ID": str(deal.responsible_id),
        "CREATED_BY_ID": str(deal.created_by_id or deal.responsible_id),
        "COMMENTS": deal.comment,
        "OPENED": "Y",
        "CLOSED": "N" if deal.is_open else "Y",
        "DATE_CREATE": _iso(deal.created_at),
        "DATE_MODIFY": _iso(deal.updated_at),
        "MOVED_TIME": _iso(deal.stage_entered_at),
        "CLOSEDATE": _iso(deal.closed_at),
    }
    codes = set(deal.pipeline_spec.field_codes)
    for name, code in deal_user_fields().items():
        record[name] = written(model_field(code), getattr(deal, code)) if code in codes else ""
    return record


def deal_fields_description() -> dict[str, dict[str, Any]]:
    """``crm.deal.fields``: each field's type, flags and title."""
    described: dict[str, dict[str, Any]] = {}

    def describe(name: str, kind: str, title: str, **flags: Any) -> None:
        described[name] = {
            "type": kind,
            "isRequired": flags.get("required", False),
            "isReadOnly": flags.get("read_only", False),
            "isImmutable": flags.get("immutable", False),
            "isMultiple": flags.get("multiple", False),
            "isDynamic": flags.get("dynamic", False),
            "title": title,
            **({"statusType": flags["status_type"]} if "status_type" in flags else {}),
        }

    describe("ID", "integer", "ID", read_only=True)
    describe("TITLE", "string", field_label("title"), required=True)
    describe("CATEGORY_ID", "crm_category", gettext("Pipeline"), immutable=True)
    describe("STAGE_ID", "crm_status", field_label("stage"), status_type="DEAL_STAGE")
    describe("STAGE_SEMANTIC_ID", "string", gettext("Stage group"), read_only=True)
    describe("OPPORTUNITY", "double", field_label("amount"))
    describe("CURRENCY_ID", "crm_currency", gettext("Currency"), read_only=True)
    describe("COMPANY_ID", "crm_company", field_label("company"))
    describe("CONTACT_ID", "crm_contact", field_label("contact"))
    describe("CONTACT_IDS", "crm_contact", field_label("contact"), multiple=True)
    describe("ASSIGNED_BY_ID", "user", field_label("responsible"), required=True)
    describe("CREATED_BY_ID", "user", gettext("Created by"), read_only=True)
    describe("COMMENTS", "string", field_label("comment"))
    describe("OPENED", "char", gettext("Open to everyone"), read_only=True)
    describe("CLOSED", "char", gettext("Closed"), read_only=True)
    describe("DATE_CREATE", "datetime", gettext("Created"), read_only=True)
    describe("DATE_MODIFY", "datetime", gettext("Modified"), read_only=True)
    describe("MOVED_TIME", "datetime", gettext("Moved to the stage"), read_only=True)
    describe("CLOSEDATE", "datetime", gettext("Closed on"), read_only=True)
    types = {
        "decimal": "double",
        "integer": "integer",
        "boolean": "boolean",
        "date": "date",
        "datetime": "datetime",
        "file": "file",
        "multichoice": "enumeration",
        "choice": "enumeration",
    }
    for name, code in deal_user_fields().items():
        field = model_field(code)
        kind = field_type(field)
        describe(
            name,
            types.get(kind, "string"),
            field_label(code),
            read_only=not DEAL_FIELDS[code].editable or kind == "file",
            multiple=kind == "multichoice",
            dynamic=True,
        )
    return described


def deal_data(fields: dict[str, Any], pipeline: str) -> dict[str, Any]:
    """The part of ``fields`` our services take for a deal of ``pipeline``, under our codes:
    standard fields, ``CONTACT_IDS``' first contact, and the pipeline's user fields. Fields
    we do not have, read-only ones and files are ignored, as Bitrix24 ignores unknown ones."""
    codes = set(PIPELINES[pipeline].field_codes) | {"title"}
    data: dict[str, Any] = {}
    for name, code in DEAL_STANDARD.items():
        if name in fields and code in codes:
            value = fields[name]
            if code in ("company", "contact") and str(value) in ("", "0"):
                value = None
            data[code] = value
    if "CONTACT_IDS" in fields and "contact" in codes and "CONTACT_ID" not in fields:
        contacts = fields["CONTACT_IDS"]
        contacts = contacts if isinstance(contacts, list) else [contacts]
        data["contact"] = next((c for c in contacts if str(c) not in ("", "0")), None)
    for name, code in deal_user_fields().items():
        if name not in fields or code not in codes or not DEAL_FIELDS[code].editable:
            continue
        field = model_field(code)
        kind = field_type(field)
        if kind == "file":
            continue
        value = fields[name]
        if kind == "boolean" and isinstance(value, str):
            value = value.upper() in ("Y", "1", "TRUE")
        if kind == "multichoice" and isinstance(value, str):
            value = [value] if value else []
        data[code] = value
    return data


# --- companies and contacts -----------------------------------------------------------------

COMPANY_USER_FIELDS = {
    f"UF_CRM_{name.upper()}": name for name in (*Company.LEGAL_FIELDS, *Company.CONTRACT_FIELDS)
}


def company_record(company: Company) -> dict[str, Any]:
    record: dict[str, Any] = {
        "ID": str(company.pk),
        "TITLE": company.name,
        "COMPANY_TYPE": "CUSTOMER",
        "PHONE": _multi(company.phone, "PHONE"),
        "EMAIL": _multi(company.email, "EMAIL"),
        "HAS_PHONE": "Y" if company.phone else "N",
        "HAS_EMAIL": "Y" if company.email else "N",
        "OPENED": "Y",
        "DATE_CREATE": _iso(company.created_at),
    }
    for name, attr in COMPANY_USER_FIELDS.items():
        record[name] = written(Company._meta.get_field(attr), getattr(company, attr))
    return record


def company_data(fields: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if "TITLE" in fields:
        data["name"] = str(fields["TITLE"] or "")
    for name, kind in (("PHONE", "phone"), ("EMAIL", "email")):
        if name in fields:
            data[kind] = first_value(fields[name])
    for name, attr in COMPANY_USER_FIELDS.items():
        if name in fields and attr in Company.EDITABLE_FIELDS:
            data[attr] = "" if fields[name] is None else str(fields[name])
    return data


def contact_record(contact: Contact) -> dict[str, Any]:
    words = contact.name.split()
    first, last = (words[0], words[-1]) if len(words) > 1 else (contact.name, "")
    return {
        "ID": str(contact.pk),
        "NAME": first,
        "SECOND_NAME": " ".join(words[1:-1]) if len(words) > 2 else "",
        "LAST_NAME": last,
        "POST": contact.position,
        "COMPANY_ID": str(contact.company_id),
        "COMPANY_IDS": [str(contact.company_id)],
        "PHONE": _multi(contact.phone, "PHONE"),
        "EMAIL": _multi(contact.email, "EMAIL"),
        "HAS_PHONE": "Y" if contact.phone else "N",
        "HAS_EMAIL": "Y" if contact.email else "N",
        "OPENED": "Y",
    }


def contact_data(fields: dict[str, Any], current: Contact | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if {"NAME", "SECOND_NAME", "LAST_NAME"} & set(fields):
        was = contact_record(current) if current else {}
        parts = [
            str(fields.get(name, was.get(name, "")) or "")
            for name in ("NAME", "SECOND_NAME", "LAST_NAME")
        ]
        data["name"] = " ".join(part for part in parts if part)
    if "POST" in fields:
        data["position"] = str(fields["POST"] or "")
    for name, kind in (("PHONE", "phone"), ("EMAIL", "email")):
        if name in fields:
            data[kind] = first_value(fields[name])
    return data


def simple_fields_description(record: dict[str, Any]) -> dict:
    """``crm.company.fields``/``crm.contact.fields`` from a record's names."""
    return {
        name: {
            "type": "crm_multifield" if isinstance(value, list) else "string",
            "isRequired": name in ("TITLE", "NAME"),
            "isReadOnly": name in ("ID", "DATE_CREATE", "HAS_PHONE", "HAS_EMAIL"),
            "isImmutable": False,
            "isMultiple": isinstance(value, list),
            "isDynamic": name.startswith("UF_"),
            "title": name,
        }
        for name, value in record.items()
    }


# --- tasks ---------------------------------------------------------------------------------

# Our task statuses as Bitrix24's numbers (2 ждет выполнения, 3 выполняется, 5 завершена,
# 6 отложена, 7 отклонена), and Bitrix24's as ours (1 новая, 4 ждет контроля).
TASK_STATUS_OUT = {
    Task.Status.NEW: "2",
    Task.Status.IN_PROGRESS: "3",
    Task.Status.PAUSED: "6",
    Task.Status.DONE: "5",
    Task.Status.RETURNED: "5",
    Task.Status.CANCELLED: "7",
}
TASK_STATUS_IN = {
    "1": Task.Status.NEW,
    "2": Task.Status.NEW,
    "3": Task.Status.IN_PROGRESS,
    "4": Task.Status.DONE,
    "5": Task.Status.DONE,
    "6": Task.Status.PAUSED,
    "7": Task.Status.CANCELLED,
}
_SITE_MOMENT = ("%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y")


def task_status(value: Any) -> str:
    try:
        return TASK_STATUS_IN[str(value).strip()]
    except KeyError:
        raise FieldRefused(f"STATUS {value}") from None


def camel(name: str) -> str:
    """``RESPONSIBLE_ID`` → ``responsibleId``: tasks take names UPPER_CASE, answer camelCase."""
    head, *rest = name.lower().split("_")
    return head + "".join(part.capitalize() for part in rest)


def moment(value: Any) -> datetime.datetime | None:
    """A deadline as integrations send it: ISO 8601 (with or without offset), or the portal's
    ``dd.mm.yyyy hh:mm:ss``; a date alone is the end of that day; empty clears it."""
    text = str(value or "").strip()
    if not text:
        return None
    parsed: datetime.datetime | datetime.date | None = parse_datetime(text) or parse_date(text)
    for pattern in _SITE_MOMENT:
        if parsed is not None:
            break
        try:
            parsed = datetime.datetime.strptime(text, pattern)
        except ValueError:
            continue
    if parsed is None:
        raise FieldRefused(f"DEADLINE {value}")
    if not isinstance(parsed, datetime.datetime):
        parsed = datetime.datetime.combine(parsed, datetime.time(23, 59, 59))
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


def task_deal_id(value: Any) -> int | None:
    """The deal of ``UF_CRM_TASK`` (``["D_10"]``, ``"D_10"``): its first ``D_`` binding."""
    for item in value if isinstance(value, list) else [value]:
        kind, _sep, number = str(item or "").upper().partition("_")
        if kind == "D" and number.isdigit():
            return int(number)
    return None


def task_record(task: Task) -> dict[str, Any]:
    """A task as ``tasks.task.*`` answers it: camelCase names, values as strings."""
    return {
        "id": str(task.pk),
        "title": task.title,
        "description": task.description,
        "status": TASK_STATUS_OUT[task.status],
        "subStatus": TASK_STATUS_OUT[task.status],
        "responsibleId": str(task.assignee_id or ""),
        "createdBy": str(task.created_by_id or ""),
        "createdDate": _iso(task.created_at),
        "deadline": _iso(task.deadline) or None,
        "closedDate": _iso(task.completed_at) or None,
        "closedBy": str(task.completed_by_id or ""),
        "groupId": "0",
        "priority": "1",
        "ufCrmTask": [f"D_{task.deal_id}"],
    }
