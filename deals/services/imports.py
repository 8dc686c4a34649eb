"""Deals brought over from Bitrix24 («импорт»): they stand in the stage they are in there.

A deal's history starts with an «Импортировано из Bitrix24» entry. Its fields are validated
as on every other path (``_apply_fields``, ``full_clean``), but the requirements of the stages
before its own are not asked for (its past happened elsewhere; the guards apply to its next
move), and entering the stage runs no automation: no tasks, no handoffs, no e-mails.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Literal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from deals import exceptions as exc
from deals.models import PIPELINE_MODELS, Deal, LossReason, StageChange
from deals.pipelines import get_pipeline
from deals.services import audit
from deals.services.deals import _apply_fields
from fulfillment.roles import AnyUser, acting_person

IMPORT_TRANSITION = "import"
IMPORTED = _("Imported from Bitrix24")
# Reference data, as the seeded failure reasons: given to a lost deal that came without one,
# and not offered to people choosing a reason for a failure of their own.
NO_REASON = "Импорт: причина не указана"
OTHER_PIPELINE = _("The deal was imported into «%(pipeline)s» before; it cannot change pipeline.")

Outcome = Literal["created", "updated", "unchanged"]


def import_loss_reason(label: str, pipeline: str) -> LossReason:
    """The failure reason of an imported lost deal: the one of that label offered in the
    pipeline (any case), else «Импорт: причина не указана»."""
    label = (label or "").strip()
    if label:
        reason = (
            LossReason.objects.filter(label__iexact=label, pipeline__in=("", pipeline))
            .order_by("-pipeline")
            .first()
        )
        if reason is not None:
            return reason
    reason, _created = LossReason.objects.get_or_create(
        label=NO_REASON, pipeline="", defaults={"is_active": False, "sort": 1000}
    )
    return reason


def deal_import(
    *,
    bitrix24_id: int,
    pipeline: str,
    stage: str,
    actor: AnyUser | None,
    data: Mapping[str, Any],
    created_at: datetime.datetime | None = None,
    loss_reason: str = "",
    new: bool = False,
) -> tuple[Deal, Outcome]:
    """Create the deal Bitrix24 knows as ``bitrix24_id``, or bring the one imported before up
    to date; ``data`` holds field codes as ``deal_update`` takes them (``title`` and
    ``responsible`` included). Changes of an imported deal go to its audit trail; a deal whose
    values and stage are the same as the export's is left untouched (``"unchanged"``).

    ``new``: the caller knows that no deal has this ID (an import reads the IDs it holds
    once), so none is looked up; the ID's unique index still refuses a second one.

    Raises ``DealFieldError`` (every field's errors at once) and writes nothing when a value
    does not fit.
    """
    spec = get_pipeline(pipeline)
    stage_spec = spec.stage(stage)
    now = timezone.now()
    with transaction.atomic():
        deal = None
        if not new:
            deal = (
                Deal.objects.select_for_update(no_key=True, of=("self",))
                .select_related("company", "contact", "responsible")
                .filter(bitrix24_id=bitrix24_id)
                .first()
            )
        if deal is None:
            return _create(bitrix24_id, spec.code, stage, actor, data, created_at, loss_reason), (
                "created"
            )
        if deal.pipeline != pipeline:
            label = deal.pipeline_spec.label
            raise exc.DealFieldError(gettext(OTHER_PIPELINE) % {"pipeline": label})
        deal = deal.as_pipeline()
        before = audit.snapshot(deal, data)
        edit = _apply_fields(deal, data)
        changed = [code for code, old in audit.snapshot(deal, data).items() if old != before[code]]
        edit.columns = changed
        moved = deal.stage != stage
        if not changed and not moved and not edit.company_columns:
            return deal, "unchanged"
        deal.full_clean(exclude=["stage"])
        if changed or edit.company_columns:
            edit.write(deal, actor, lambda: deal.save(update_fields=[*changed, "updated_at"]))
        if moved:
            reason = None if stage_spec.is_open else _reason(stage_spec, loss_reason, pipeline)
            Deal.objects.filter(pk=deal.pk).update(
                stage=stage,
                stage_entered_at=now,
                closed_at=None if stage_spec.is_open else now,
                failure_reason=reason,
            )
            _imported(deal, deal.stage, stage, actor, reason, now, deal.stage_entered_at)
            deal.refresh_from_db()
        return deal, "updated"


def _reason(stage_spec, label: str, pipeline: str) -> LossReason | None:
    return import_loss_reason(label, pipeline) if stage_spec.kind == "failure" else None


def _create(
    bitrix24_id: int,
    pipeline: str,
    stage: str,
    actor: AnyUser | None,
    data: Mapping[str, Any],
    created_at: datetime.datetime | None,
    loss_reason: str,
) -> Deal:
    stage_spec = get_pipeline(pipeline).stage(stage)
    at = created_at or timezone.now()
    deal = PIPELINE_MODELS[pipeline](
        pipeline=pipeline,
        stage=stage,
        created_at=at,
        stage_entered_at=at,
        closed_at=None if stage_spec.is_open else at,
        bitrix24_id=bitrix24_id,
    )
    edit = _apply_fields(deal, data)
    edit.columns = []  # a new deal's values are not changes; its company's are
    deal.failure_reason = _reason(stage_spec, loss_reason, pipeline)
    # The import's bench showed ``full_clean``'s queries to be half of a deal's cost: the
    # references are rows the caller has just read or written, the stage is the pipeline
    # spec's own and the Bitrix24 ID has a unique index, so only the values are validated.
    references = [name for name in ("company", "contact", "responsible") if name in data]
    deal.full_clean(
        exclude=["stage", *references], validate_unique=False, validate_constraints=False
    )
    edit.write(deal, actor, deal.save)
    _imported(deal, "", stage, actor, deal.failure_reason, at)
    return deal


def _imported(
    deal: Deal,
    source: str,
    stage: str,
    actor: AnyUser | None,
    reason: LossReason | None,
    at: datetime.datetime,
    source_entered_at: datetime.datetime | None = None,
) -> StageChange:
    """The history row of an import: «Импортировано из Bitrix24», into the stage it brought."""
    return StageChange.objects.create(
        deal=deal,
        transition=IMPORT_TRANSITION,
        from_stage=source,
        to_stage=stage,
        actor=acting_person(actor),
        comment=str(IMPORTED),
        reason=reason,
        created_at=at,
        from_stage_entered_at=source_entered_at,
    )
