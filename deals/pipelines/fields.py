"""What the spec knows about each deal field beyond the model column.

The column (type, label, choices, validators) is declared once on ``deals.models.Deal``; this
module says who fills a field in (staff, or only the automation), whether a handoff copies
it, and whether it is money (hidden from warehouse staff). ``field_info()`` joins both for
forms, the API and the docs.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from django.apps import apps
from django.db import models

from deals.pipelines.base import Pipeline, Requirement


@dataclass(frozen=True)
class DealField:
    code: str
    editable: bool = True  # False: set only by automation (ГД approval, warehouse results)
    carry_over: bool = True  # copied when automation opens a deal in another pipeline
    money: bool = False  # amounts and invoices: never shown to warehouse staff


_AUTOMATION_ONLY = (
    "director_approved_at",
    "recount_file",
    "processing_report_file",
    "packing_list_file",
)
_MONEY = (
    "amount",
    "proposal_amount",
    "paid_amount",
    "invoice_number",
    "invoice_file",
    "payment_date",
    "proposal_file",
)
# What automation or the warehouse produced, and the invoices and payments, belong to the deal
# they were produced in; everything staff filled in goes on (rule 6: «все поля, которые ранее
# заполнял сотрудник»), the КП and its amount included (see ``Pipeline.carried_as``).
_NOT_CARRIED = (
    _AUTOMATION_ONLY
    + tuple(code for code in _MONEY if code != "proposal_file")
    + (
        "recount_agreed",
        "accepted_units",
        "result_agreed",
        "documents_agreed",
        "tracking_number",
        "contract_draft_file",
        "signed_contract_file",
    )
)

DEAL_FIELDS: dict[str, DealField] = {
    code: DealField(
        code,
        editable=code not in _AUTOMATION_ONLY,
        carry_over=code not in _NOT_CARRIED,
        money=code in _MONEY,
    )
    for code in (
        "title",
        "company",
        "contact",
        "responsible",
        "amount",
        "proposal_amount",
        "comment",
        "services",
        "marketplaces",
        "goods_description",
        "sku_count",
        "units_per_month",
        "proposal_file",
        "director_approved_at",
        "arrival_date",
        "boxes",
        "units",
        "delivery_method",
        "acceptance_type",
        "recount_file",
        "recount_agreed",
        "accepted_units",
        "operations",
        "deadline",
        "instructions",
        "instructions_file",
        "processing_report_file",
        "result_agreed",
        "destination_type",
        "destination",
        "marketplace_supply_number",
        "shipment_date",
        "packing_list_file",
        "documents_agreed",
        "tracking_number",
        "invoice_number",
        "invoice_file",
        "payment_date",
        "paid_amount",
        "contract_draft_file",
        "contract_number",
        "contract_date",
        "signed_contract_file",
    )
}

# Amounts and invoices: hidden from whoever does not see money (``fulfillment.roles.sees_money``).
MONEY_FIELDS: tuple[str, ...] = tuple(code for code, field in DEAL_FIELDS.items() if field.money)


def model_field(path: str) -> models.Field:
    """The model field behind a code: ``units`` on Deal, ``company.inn`` on Company."""
    model = apps.get_model("deals", "Deal")
    *links, name = path.split(".")
    for link in links:
        model = model._meta.get_field(link).related_model
    return model._meta.get_field(name)


def field_type(field: models.Field) -> str:
    from deals.fields import MultipleChoiceField

    if isinstance(field, MultipleChoiceField):
        return "multichoice"
    if isinstance(field, models.FileField):
        return "file"
    if isinstance(field, models.ForeignKey):
        return "reference"
    if isinstance(field, models.BooleanField):
        return "boolean"
    if isinstance(field, models.DecimalField):
        return "decimal"
    if isinstance(field, models.IntegerField):
        return "integer"
    if isinstance(field, models.DateTimeField):
        return "datetime"
    if isinstance(field, models.DateField):
        return "date"
    if field.choices:
        return "choice"
    if isinstance(field, models.TextField):
        return "text"
    return "string"


def field_choices(field: models.Field) -> list[tuple[str, Any]]:
    from deals.fields import MultipleChoiceField

    if isinstance(field, MultipleChoiceField):
        return list(field.item_choices)
    return [c for c in (field.choices or []) if c[0] != ""]


def field_label(path: str) -> str:
    label = str(model_field(path).verbose_name)
    return label[:1].upper() + label[1:]


def requirement_label(requirement: Requirement) -> str:
    return str(requirement.label) if requirement.label else field_label(requirement.paths[0])


def requirement_labels(requirements) -> dict[str, str]:
    return {r.code: requirement_label(r) for r in requirements}


@cache
def stages_requiring(pipeline_code: str) -> dict[str, tuple[str, ...]]:
    """For each field path of a pipeline, the stages that require it to be left."""
    from deals.pipelines import get_pipeline

    result: dict[str, list[str]] = {}
    for stage in get_pipeline(pipeline_code).stages:
        for requirement in stage.requires:
            for path in requirement.paths:
                result.setdefault(path, []).append(stage.code)
    return {path: tuple(stages) for path, stages in result.items()}


def filled_by_staff(path: str) -> bool:
    """Whether people fill this path in (``company.*`` details are staff's too); the others
    only the automation fills (the director's approval, the warehouse's results)."""
    return "." in path or DEAL_FIELDS[path].editable


def automation_requirement(requirement: Requirement) -> bool:
    """A requirement only the automation can meet: none of its paths is filled by staff."""
    return not any(filled_by_staff(path) for path in requirement.paths)


def creation_blocker(pipeline: Pipeline, stage: str) -> Requirement | None:
    """The first requirement of a stage before ``stage`` that only the automation can meet:
    a deal can stand in ``stage`` only by having moved there. None: nothing blocks it."""
    return next(
        (
            requirement
            for passed in pipeline.stages_before(stage)
            for requirement in passed.requires
            if automation_requirement(requirement)
        ),
        None,
    )


@cache
def creatable_stages(pipeline_code: str) -> tuple[str, ...]:
    """Open stages a deal can be created in: those with no ``creation_blocker``."""
    from deals.pipelines import get_pipeline

    pipeline = get_pipeline(pipeline_code)
    return tuple(
        stage.code
        for stage in pipeline.open_stages
        if creation_blocker(pipeline, stage.code) is None
    )


def carried_fields(source: Pipeline, target: Pipeline) -> tuple[tuple[str, str], ...]:
    """``(source field, target field)`` pairs a handoff from ``source`` to ``target`` copies:
    the fields both have that a handoff carries, and those the source pipeline carries under
    another name (``Pipeline.carried_as``: the calculation's amount is the agreed КП amount)."""
    target_codes = set(target.field_codes)
    renamed = dict(source.carried_as)
    pairs = []
    for code in source.field_codes:
        if code in renamed:
            if renamed[code] in target_codes:
                pairs.append((code, renamed[code]))
        elif code in target_codes and DEAL_FIELDS[code].carry_over:
            pairs.append((code, code))
    return tuple(pairs)
