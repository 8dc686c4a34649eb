"""The Bitrix24 REST methods the compatible webhook answers, each acting as the webhook's user
through the same selectors (what the user may see) and services (every rule) as the pages.

A method takes the call's parameters (names in lower case; ``fields``, ``filter`` and ``order``
with Bitrix24's upper-case field names) and returns its ``result``, or a ``Page`` for a list.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bitrix.leads import lead_accept
from bitrix.rest import records
from bitrix.rest.params import upper_keys
from deals import selectors, services
from deals.models import Company, Contact, Deal, DealComment, Task
from deals.pipelines import PIPELINES, get_pipeline
from deals.services.assignments import assignment_create, assignment_update
from fulfillment.roles import person_name

PAGE_SIZE = 50

NOT_FOUND = _("Not found")
ID_INVALID = _("ID is not defined or invalid")
NO_MOVE = _("The deal cannot be moved from «%(source)s» to «%(target)s».")
BAD_VALUE = _("Invalid value of %(field)s: %(value)s")
CATEGORY_FIXED = _("A deal's CATEGORY_ID cannot change.")
ENTITY_TYPE = _("Only comments of deals are supported (ENTITY_TYPE = deal).")
TASK_NEEDS_DEAL = _(
    'A task here is always about a deal: name it in UF_CRM_TASK, for example ["D_10"].'
)


class RestError(Exception):
    """A refused call: Bitrix24's error code (empty for CRM validation), text, status."""

    def __init__(self, description: str, code: str = "", status: int = 400) -> None:
        super().__init__(description)
        self.description, self.code, self.status = description, code, status


@dataclass
class Page:
    """A list method's page: the items, the exact ``total`` (None with ``start=-1``) and the
    ``next`` offset when another page exists."""

    items: list[Any]
    total: int | None
    next: int | None
    key: str = ""  # ``tasks.task.list`` answers ``{"tasks": [...]}``

    @property
    def result(self) -> Any:
        return {self.key: self.items} if self.key else self.items


@dataclass
class Call:
    user: Any
    params: dict[str, Any]
    webhook: Any = None

    def get(self, name: str, default: Any = None) -> Any:
        return self.params.get(name, default)

    def fields(self) -> dict[str, Any]:
        return upper_keys(self.get("fields") or {})

    def id(self, name: str = "id") -> int:
        value = self.get(name)
        try:
            number = int(str(value))
        except (TypeError, ValueError):
            raise RestError(gettext(ID_INVALID)) from None
        if number <= 0:
            raise RestError(gettext(ID_INVALID))
        return number


METHODS: dict[str, Callable[[Call], Any]] = {}


def method(name: str):
    def register(function: Callable[[Call], Any]) -> Callable[[Call], Any]:
        METHODS[name] = function
        return function

    return register


# --- lists: select, filter, order, start -----------------------------------------------------

_OPERATORS = (
    (">=", "gte", False),
    ("<=", "lte", False),
    ("!@", "in", True),
    ("!=", "exact", True),
    ("=%", "istartswith", False),
    ("%=", "iendswith", False),
    (">", "gt", False),
    ("<", "lt", False),
    ("@", "in", False),
    ("%", "icontains", False),
    ("=", "exact", False),
    ("!", "exact", True),
)


def _split(key: str) -> tuple[str, str, bool]:
    for prefix, lookup, negate in _OPERATORS:
        if key.startswith(prefix):
            return key[len(prefix) :], lookup, negate
    return key, "exact", False


# A filter field: its value and lookup (``gte``, ``icontains``, ``exact``…) as a condition.
Condition = Callable[[Any, str], Q]


def _filtered(queryset: QuerySet, filters: Any, conditions: dict[str, Condition]) -> QuerySet:
    """Bitrix24's ``filter``: ``{">=OPPORTUNITY": 1000, "@STAGE_ID": [...], "%TITLE": "x"}``.
    ``conditions`` turn a field's value into a condition; unknown fields are ignored, as
    Bitrix24 ignores them. A list (or ``@``) matches any of its values."""
    for key, value in upper_keys(filters).items():
        name, lookup, negate = _split(key)
        if name not in conditions:
            continue
        try:
            if lookup == "in" or isinstance(value, list):
                condition = Q()
                for item in value if isinstance(value, list) else [value]:
                    condition |= conditions[name](item, "exact")
            else:
                condition = conditions[name](value, lookup)
        except (ValueError, TypeError, InvalidOperation, records.FieldRefused):
            raise RestError(gettext(BAD_VALUE) % {"field": name, "value": value}) from None
        queryset = queryset.exclude(condition) if negate else queryset.filter(condition)
    return queryset


def _ordered(queryset: QuerySet, order: Any, columns: dict[str, str]) -> QuerySet:
    fields = []
    for name, direction in upper_keys(order).items():
        if name in columns:
            prefix = "-" if str(direction).upper() == "DESC" else ""
            fields.append(prefix + columns[name])
    return queryset.order_by(*fields, "pk")


def _listed(
    call: Call,
    queryset: QuerySet,
    conditions: dict[str, Condition],
    order: dict[str, str],
    record: Callable[[Any], dict],
    selected: Callable[[dict, Any], dict] | None = None,
) -> Page:
    """A list method: the call's ``filter``, ``order``, ``select`` and page applied."""
    queryset = _ordered(
        _filtered(queryset, call.get("filter") or {}, conditions), call.get("order"), order
    )
    select, selected = call.get("select"), selected or _selected
    return _page(call, queryset, lambda item: selected(record(item), select))


def _page(call: Call, queryset: QuerySet, record: Callable[[Any], dict]) -> Page:
    try:
        start = int(str(call.get("start") or 0))
    except ValueError:
        start = 0
    if start == -1:  # no count: the first page only, without ``total``
        return Page([record(item) for item in queryset[:PAGE_SIZE]], None, None)
    start = max(start, 0)
    total = queryset.count()
    items = [record(item) for item in queryset[start : start + PAGE_SIZE]]
    following = start + PAGE_SIZE if start + PAGE_SIZE < total else None
    return Page(items, total, following)


def _selected(record: dict[str, Any], select: Any) -> dict[str, Any]:
    """``select``: default and ``["*", "UF_*"]`` all fields; ``*`` alone leaves user fields
    out; names pick those (and ``ID``)."""
    if not select:
        return record
    names = [str(s).upper() for s in (select if isinstance(select, list) else [select])]
    chosen = {"ID"}
    for name in names:
        if name == "*":
            chosen |= {k for k in record if not k.startswith("UF_")}
        elif name == "UF_*":
            chosen |= {k for k in record if k.startswith("UF_")}
        else:
            chosen.add(name)
    return {k: v for k, v in record.items() if k in chosen}


def _number(value: Any) -> Decimal:
    return Decimal(str(value).replace(",", "."))


def _moment(value: Any):
    parsed = parse_datetime(str(value)) or parse_date(str(value))
    if parsed is None:
        raise ValueError(value)
    return parsed


def _column(path: str, convert: Callable[[Any], Any] = lambda value: value) -> Condition:
    """A column compared with the value as the lookup says."""
    return lambda value, lookup: Q(**{f"{path}__{lookup}": convert(value)})


def _closed(value: Any, lookup: str) -> Q:
    return Q(closed_at__isnull=str(value).upper() != "Y")


def _stage(value: Any, lookup: str) -> Q:
    """A status id (``NEW``, ``C1:WON``) is a pipeline and one of its stages."""
    status = str(value).upper()
    category, _colon, _code = status.rpartition(":")
    pipeline = records.pipeline_of(category[1:] if category else 0)
    return Q(pipeline=pipeline, stage=records.stage_of(pipeline, status))


DEAL_FILTERS: dict[str, Condition] = {
    "ID": _column("pk", int),
    "TITLE": _column("title"),
    "CATEGORY_ID": _column("pipeline", records.pipeline_of),
    "STAGE_ID": _stage,
    "OPPORTUNITY": _column("amount", _number),
    "COMPANY_ID": _column("company_id", int),
    "CONTACT_ID": _column("contact_id", int),
    "ASSIGNED_BY_ID": _column("responsible_id", int),
    "CREATED_BY_ID": _column("created_by_id", int),
    "DATE_CREATE": _column("created_at", _moment),
    "DATE_MODIFY": _column("updated_at", _moment),
    "MOVED_TIME": _column("stage_entered_at", _moment),
    "CLOSEDATE": _column("closed_at", _moment),
    "CLOSED": _closed,
    **{name: _column(code) for name, code in records.deal_user_fields().items()},
}
DEAL_ORDER = {
    "ID": "pk",
    "TITLE": "title",
    "OPPORTUNITY": "amount",
    "DATE_CREATE": "created_at",
    "DATE_MODIFY": "updated_at",
    "MOVED_TIME": "stage_entered_at",
    "ASSIGNED_BY_ID": "responsible_id",
    "COMPANY_ID": "company_id",
}


def _deal(call: Call, deal_id: int) -> Deal:
    deal = selectors.deal_visible_to(call.user).filter(pk=deal_id).first()
    if deal is None:
        raise RestError(gettext(NOT_FOUND))
    return deal.as_pipeline()


# --- deals ---------------------------------------------------------------------------------


@method("crm.deal.fields")
def deal_fields(call: Call) -> dict:
    return records.deal_fields_description()


@method("crm.deal.list")
def deal_list(call: Call) -> Page:
    deals = selectors.deal_visible_to(call.user).select_related("company", "contact")
    return _listed(call, deals, DEAL_FILTERS, DEAL_ORDER, records.deal_record)


@method("crm.deal.get")
def deal_get(call: Call) -> dict:
    return records.deal_record(_deal(call, call.id()))


@method("crm.deal.add")
def deal_add(call: Call) -> int:
    fields = call.fields()
    pipeline = records.pipeline_of(fields.get("CATEGORY_ID", 0))
    stage = records.stage_of(pipeline, fields["STAGE_ID"]) if fields.get("STAGE_ID") else None
    data = records.deal_data(fields, pipeline)
    deal = services.deal_create(
        pipeline=pipeline,
        stage=stage,
        title=str(data.pop("title", "") or ""),
        actor=call.user,
        data=data,
    )
    return deal.pk


@method("crm.deal.update")
def deal_update(call: Call) -> bool:
    """Fields change through ``deal_update``; a new ``STAGE_ID`` moves the deal through
    ``deal_move`` (the move from its stage to that one), with the same guards, history and
    automation as a move on the board; the other fields are set with the move."""
    deal = _deal(call, call.id())
    fields = call.fields()
    if "CATEGORY_ID" in fields and records.pipeline_of(fields["CATEGORY_ID"]) != deal.pipeline:
        raise RestError(gettext(CATEGORY_FIXED))
    data = records.deal_data(fields, deal.pipeline)
    target = records.stage_of(deal.pipeline, fields["STAGE_ID"]) if fields.get("STAGE_ID") else None
    if target is None or target == deal.stage:
        if data:
            services.deal_update(deal=deal, actor=call.user, data=data)
        return True
    move = next(
        (
            m
            for m in deal.pipeline_spec.transitions
            if deal.stage in m.sources and m.target == target and m.kind != "reopen"
        ),
        None,
    )
    if move is None:
        pipeline = get_pipeline(deal.pipeline)
        raise RestError(
            gettext(NO_MOVE) % {"source": deal.stage_label, "target": pipeline.stage(target).label}
        )
    services.deal_move(
        deal=deal,
        transition=move.name,
        actor=call.user,
        comment=str(fields.get("COMMENTS", "") if move.kind != "forward" else ""),
        data=data,
    )
    return True


# --- companies and contacts ----------------------------------------------------------------

COMPANY_FILTERS: dict[str, Condition] = {
    "ID": _column("pk", int),
    "TITLE": _column("name"),
    "DATE_CREATE": _column("created_at", _moment),
    **{name: _column(attr) for name, attr in records.COMPANY_USER_FIELDS.items()},
}
CONTACT_FILTERS: dict[str, Condition] = {
    "ID": _column("pk", int),
    "NAME": _column("name"),
    "LAST_NAME": _column("name"),
    "COMPANY_ID": _column("company_id", int),
    "POST": _column("position"),
}


def _company(call: Call) -> Company:
    company = Company.objects.filter(pk=call.id()).first()
    if company is None:
        raise RestError(gettext(NOT_FOUND))
    return company


def _contact(call: Call) -> Contact:
    contact = Contact.objects.filter(pk=call.id()).first()
    if contact is None:
        raise RestError(gettext(NOT_FOUND))
    return contact


@method("crm.company.fields")
def company_fields(call: Call) -> dict:
    return records.simple_fields_description(records.company_record(Company(name="")))


@method("crm.company.list")
def company_list(call: Call) -> Page:
    order = {"ID": "pk", "TITLE": "name"}
    return _listed(call, Company.objects.all(), COMPANY_FILTERS, order, records.company_record)


@method("crm.company.get")
def company_get(call: Call) -> dict:
    return records.company_record(_company(call))


@method("crm.company.add")
def company_add(call: Call) -> int:
    return services.company_create(**records.company_data(call.fields())).pk


@method("crm.company.update")
def company_update(call: Call) -> bool:
    company = _company(call)
    data = records.company_data(call.fields())
    if data:
        services.company_update(company=company, data=data, actor=call.user)
    return True


@method("crm.contact.fields")
def contact_fields(call: Call) -> dict:
    return records.simple_fields_description(records.contact_record(Contact(name="", company_id=0)))


@method("crm.contact.list")
def contact_list(call: Call) -> Page:
    order = {"ID": "pk", "NAME": "name"}
    return _listed(call, Contact.objects.all(), CONTACT_FILTERS, order, records.contact_record)


@method("crm.contact.get")
def contact_get(call: Call) -> dict:
    return records.contact_record(_contact(call))


@method("crm.contact.add")
def contact_add(call: Call) -> int:
    fields = call.fields()
    company_id = fields.get("COMPANY_ID")
    if not company_id and isinstance(fields.get("COMPANY_IDS"), list) and fields["COMPANY_IDS"]:
        company_id = fields["COMPANY_IDS"][0]
    company = Company.objects.filter(pk=int(str(company_id or 0) or 0)).first()
    if company is None:
        raise RestError(gettext(BAD_VALUE) % {"field": "COMPANY_ID", "value": company_id})
    return services.contact_create(company=company, **records.contact_data(fields)).pk


@method("crm.contact.update")
def contact_update(call: Call) -> bool:
    contact = _contact(call)
    data = records.contact_data(call.fields(), contact)
    if data:
        services.contact_update(contact=contact, data=data, actor=call.user)
    return True


# --- a website's request --------------------------------------------------------------------


@method("crm.lead.add")
def lead_add(call: Call) -> int:
    """A website form's request: a new calculation request (there are no leads here) with
    its company and contact found or created, for the webhook's responsible for website
    requests (else the webhook's user). Returns the deal's ID."""
    fields = call.fields()
    person = " ".join(
        str(fields.get(name) or "") for name in ("NAME", "SECOND_NAME", "LAST_NAME")
    ).split()
    responsible = (call.webhook.lead_responsible if call.webhook else None) or call.user
    deal = lead_accept(
        actor=call.user,
        responsible=responsible,
        title=str(fields.get("TITLE") or ""),
        company_title=str(fields.get("COMPANY_TITLE") or ""),
        person=" ".join(person),
        phone=records.first_value(fields.get("PHONE")),
        email=records.first_value(fields.get("EMAIL")),
        comment=str(fields.get("COMMENTS") or ""),
    )
    return deal.pk


# --- pipelines, stages, comments, the user -------------------------------------------------


@method("crm.category.list")
def category_list(call: Call) -> dict:
    return {
        "categories": [
            {
                "id": records.category_id(code),
                "name": str(pipeline.label),
                "sort": (records.category_id(code) + 1) * 100,
                "entityTypeId": 2,
                "isDefault": "Y" if records.category_id(code) == 0 else "N",
            }
            for code, pipeline in PIPELINES.items()
        ]
    }


@method("crm.status.list")
def status_list(call: Call) -> list:
    rows = [row for code in PIPELINES for row in records.statuses(code)]
    for key, value in upper_keys(call.get("filter") or {}).items():
        name, _lookup, negate = _split(key)
        values = {str(v) for v in (value if isinstance(value, list) else [value])}
        rows = [r for r in rows if name in r and (str(r[name]) in values) != negate]
    return rows


@method("crm.dealcategory.stage.list")
def deal_category_stages(call: Call) -> list:
    return records.statuses(records.pipeline_of(call.get("id") or 0))


@method("crm.timeline.comment.add")
def timeline_comment_add(call: Call) -> int:
    fields = call.get("fields") or {}  # Bitrix24 takes only lower-case ``fields`` here
    fields = upper_keys(fields)
    if str(fields.get("ENTITY_TYPE", "deal")).lower() != "deal":
        raise RestError(gettext(ENTITY_TYPE))
    deal = _deal(call, Call(call.user, {"id": fields.get("ENTITY_ID")}).id())
    comment: DealComment = services.deal_comment_add(
        deal=deal, author=call.user, text=str(fields.get("COMMENT") or ""), file=None
    )
    return comment.pk


# --- tasks ----------------------------------------------------------------------------------

TASK_FILTERS: dict[str, Condition] = {
    "ID": _column("pk", int),
    "TITLE": _column("title"),
    "RESPONSIBLE_ID": _column("assignee_id", int),
    "CREATED_BY": _column("created_by_id", int),
    "STATUS": _column("status", records.task_status),
    "REAL_STATUS": _column("status", records.task_status),
    "DEADLINE": _column("deadline", records.moment),
    "CREATED_DATE": _column("created_at", _moment),
    "CLOSED_DATE": _column("completed_at", _moment),
    "UF_CRM_TASK": _column("deal_id", records.task_deal_id),
}
TASK_ORDER = {
    "ID": "pk",
    "TITLE": "title",
    "DEADLINE": "deadline",
    "CREATED_DATE": "created_at",
    "CLOSED_DATE": "completed_at",
    "STATUS": "status",
    "RESPONSIBLE_ID": "assignee_id",
}


def _task_selected(record: dict[str, Any], select: Any) -> dict[str, Any]:
    """``select`` of tasks: UPPER_CASE names of camelCase keys; none or ``*`` is all."""
    names = [str(s).upper() for s in (select if isinstance(select, list) else [select]) if s]
    if not names or "*" in names:
        return record
    chosen = {"id", *(records.camel(name) for name in names)}
    return {k: v for k, v in record.items() if k in chosen}


def _task(call: Call) -> Task:
    task = (
        selectors.task_visible_to(call.user).filter(pk=call.id("taskid")).select_related("deal")
    ).first()
    if task is None:
        raise RestError(gettext(NOT_FOUND))
    return task


def _person(value: Any) -> Any:
    number = str(value).strip()
    user = (
        get_user_model().objects.filter(pk=int(number), is_active=True).first()
        if number.isdigit()
        else None
    )
    if user is None:
        raise RestError(gettext(BAD_VALUE) % {"field": "RESPONSIBLE_ID", "value": value})
    return user


def _task_data(fields: dict[str, Any]) -> dict[str, Any]:
    """Our names for what ``tasks.task.add``/``update`` may set."""
    data: dict[str, Any] = {}
    for name, code in (("TITLE", "title"), ("DESCRIPTION", "description")):
        if name in fields:
            data[code] = str(fields[name] or "")
    if "DEADLINE" in fields:
        data["deadline"] = records.moment(fields["DEADLINE"])
    if str(fields.get("RESPONSIBLE_ID") or "") not in ("", "0"):
        data["assignee"] = _person(fields["RESPONSIBLE_ID"])
    return data


@method("tasks.task.list")
def task_list(call: Call) -> Page:
    tasks = selectors.task_visible_to(call.user)
    page = _listed(call, tasks, TASK_FILTERS, TASK_ORDER, records.task_record, _task_selected)
    return replace(page, key="tasks")


@method("tasks.task.get")
def task_get(call: Call) -> dict:
    return {"task": _task_selected(records.task_record(_task(call)), call.get("select"))}


@method("tasks.task.add")
def task_add(call: Call) -> dict:
    """An assignment on the deal ``UF_CRM_TASK`` names, given by the webhook's user (Bitrix24's
    ``CREATED_BY`` is not taken: the author is whoever calls)."""
    fields = call.fields()
    deal_id = records.task_deal_id(fields.get("UF_CRM_TASK"))
    if deal_id is None:
        raise RestError(gettext(TASK_NEEDS_DEAL))
    data = _task_data(fields)
    task = assignment_create(deal=_deal(call, deal_id), actor=call.user, **{"title": "", **data})
    return {"task": records.task_record(task)}


@method("tasks.task.update")
def task_update(call: Call) -> dict:
    """An assignment's title, description, deadline, responsible and ``STATUS`` (5 closes it,
    2 opens it again); approvals and warehouse tasks are changed on their own pages."""
    task = _task(call)
    fields = call.fields()
    status = records.task_status(fields["STATUS"]) if "STATUS" in fields else None
    task = assignment_update(task=task, actor=call.user, data=_task_data(fields), status=status)
    return {"task": records.task_record(task)}


@method("tasks.task.complete")
def task_complete(call: Call) -> dict:
    task = assignment_update(task=_task(call), actor=call.user, data={}, status=Task.Status.DONE)
    return {"task": records.task_record(task)}


@method("user.current")
def user_current(call: Call) -> dict:
    user = call.user
    return {
        "ID": str(user.pk),
        "ACTIVE": True,
        "NAME": user.first_name,
        "LAST_NAME": user.last_name,
        "EMAIL": user.email,
        "FULL_NAME": person_name(user),
        "LAST_LOGIN": (user.last_login.isoformat(timespec="seconds") if user.last_login else None),
        "DATE_REGISTER": user.date_joined.date().isoformat(),
        "IS_ONLINE": "Y",
        "TIME_ZONE": "",
    }
