"""Every move of every pipeline, allowed and refused, generated from the pipeline spec."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile

from deals import services
from deals.exceptions import (
    COMMENT_REQUIRED,
    REASON_NOT_OFFERED,
    REASON_REQUIRED,
    REOPEN_COMMENT_REQUIRED,
    CommentRequiredError,
    FailureReasonRequiredError,
    MissingFieldsError,
    TransitionNotAvailableError,
)
from deals.models import AutomationJob, Company, Deal, FieldChange, LossReason, StageChange
from deals.pipelines import PIPELINES
from deals.pipelines.base import StageKind
from deals.pipelines.fields import model_field
from fulfillment.exceptions import PermissionDeniedError
from tests.factories import make_deal

pytestmark = pytest.mark.django_db

MOVES = [
    pytest.param(p.code, move, source, id=f"{p.code}.{move.name}.from_{source}")
    for p in PIPELINES.values()
    for move in p.transitions
    for source in move.sources
]
FORWARD = [m for m in MOVES if m.values[1].kind == "forward"]
REQUIREMENTS = [
    pytest.param(p.code, stage.code, requirement, id=f"{p.code}.{stage.code}.{requirement.code}")
    for p in PIPELINES.values()
    for stage in p.stages
    for requirement in stage.requires
]
CLOSED = [
    pytest.param(p.code, stage.code, id=f"{p.code}.{stage.code}")
    for p in PIPELINES.values()
    for stage in p.stages
    if not stage.is_open
]


def _empty(path: str):
    field = model_field(path)
    return field.get_default()


def _move_kwargs(move, pipeline: str) -> dict:
    if move.kind == "fail":
        return {"reason": LossReason.objects.filter(pipeline="").first(), "comment": "Отказ"}
    if move.kind in ("return", "reopen"):
        return {"comment": "Нужны правки"}
    return {}


def _assert_unchanged(deal: Deal, stage: str) -> None:
    assert Deal.objects.get(pk=deal.pk).stage == stage
    assert not StageChange.objects.filter(deal=deal).exists()
    assert not AutomationJob.objects.filter(deal=deal).exists()


@pytest.mark.parametrize(("pipeline", "move", "source"), MOVES)
def test_every_move_succeeds_when_its_rules_are_met(
    pipeline, move, source, director, administrator, django_capture_on_commit_callbacks
):
    deal = make_deal(pipeline, source)
    actor = administrator if move.kind == "reopen" else director
    if move.kind == "reopen":
        StageChange.objects.create(
            deal=deal,
            transition="x",
            from_stage=PIPELINES[pipeline].open_stages[1].code,
            to_stage=source,
        )
    with django_capture_on_commit_callbacks(execute=True):
        change = services.deal_move(
            deal=deal, transition=move.name, actor=actor, **_move_kwargs(move, pipeline)
        )
    stored = Deal.objects.get(pk=deal.pk)
    expected = move.target or PIPELINES[pipeline].open_stages[1].code
    assert stored.stage == expected
    assert (change.from_stage, change.to_stage, change.transition, change.actor) == (
        source,
        expected,
        move.name,
        actor,
    )
    assert (stored.closed_at is None) == PIPELINES[pipeline].stage(expected).is_open
    if move.kind == "fail":
        assert stored.failure_reason is not None and stored.failure_comment == "Отказ"


@pytest.mark.parametrize(("pipeline", "stage", "requirement"), REQUIREMENTS)
def test_each_required_field_blocks_leaving_its_stage(
    pipeline, stage, requirement, director, django_capture_on_commit_callbacks
):
    deal = make_deal(pipeline, stage)
    for path in requirement.paths:
        if path.startswith("company."):
            Company.objects.filter(pk=deal.company_id).update(**{path.split(".")[1]: ""})
        else:
            setattr(deal, path, _empty(path))
    deal.save()
    deal = Deal.objects.select_related("company").get(pk=deal.pk)
    forward = f"to_{PIPELINES[pipeline].next_stage(stage).code}"

    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(MissingFieldsError) as err,
    ):
        services.deal_move(deal=deal, transition=forward, actor=director)

    assert err.value.codes == [requirement.code]
    assert err.value.extra == {"missing_fields": [requirement.code]}
    assert err.value.fields[0]["label"] in err.value.message
    assert callbacks == []
    _assert_unchanged(deal, stage)


@pytest.mark.parametrize(("pipeline", "move", "source"), FORWARD)
def test_missing_fields_are_named_all_at_once(pipeline, move, source, director):
    deal = make_deal(pipeline, source, complete=False, company=None)
    requirements = PIPELINES[pipeline].stage(source).requires
    # On a blank deal every unconditional requirement is missing; the company's details are
    # folded into «company» itself.
    expected = [r.code for r in requirements if r.applies is None and "." not in r.code]
    if not expected:
        services.deal_move(deal=deal, transition=move.name, actor=director)
        assert Deal.objects.get(pk=deal.pk).stage == move.target
        return
    with pytest.raises(MissingFieldsError) as err:
        services.deal_move(deal=deal, transition=move.name, actor=director)
    assert err.value.codes == expected
    _assert_unchanged(deal, source)


def test_fields_filled_in_the_move_request_satisfy_the_guard(manager):
    deal = make_deal("calculation", "proposal", responsible=manager, proposal_file="", amount=None)
    services.deal_move(
        deal=deal,
        transition="to_director_approval",
        actor=manager,
        data={"proposal_file": ContentFile(b"%PDF", name="kp.pdf"), "amount": "150000.50"},
    )
    stored = Deal.objects.get(pk=deal.pk)
    assert stored.stage == "director_approval"
    assert str(stored.amount) == "150000.50"
    assert stored.proposal_file.name.endswith("kp.pdf")


@pytest.mark.parametrize(("pipeline", "stage"), CLOSED)
def test_closed_stages_refuse_every_move_but_an_admin_reopening(
    pipeline, stage, director, administrator
):
    deal = make_deal(pipeline, stage)
    for move in PIPELINES[pipeline].transitions:
        if move.kind == "reopen":
            continue
        with pytest.raises(TransitionNotAvailableError):
            services.deal_move(
                deal=deal, transition=move.name, actor=director, **_move_kwargs(move, pipeline)
            )
    with pytest.raises(PermissionDeniedError):
        services.deal_move(deal=deal, transition="reopen", actor=director, comment="Ошибка")
    _assert_unchanged(deal, stage)

    services.deal_move(deal=deal, transition="reopen", actor=administrator, comment="Ошибка")
    reopened = Deal.objects.get(pk=deal.pk)
    assert reopened.stage == PIPELINES[pipeline].first_stage.code
    assert reopened.closed_at is None and reopened.failure_reason is None
    log = StageChange.objects.get(deal=deal)
    assert (log.transition, log.actor, log.comment) == ("reopen", administrator, "Ошибка")


def test_reopen_returns_to_the_stage_the_deal_was_closed_from(manager, administrator):
    deal = make_deal("acceptance", "awaiting_payment", responsible=manager)
    reason = LossReason.objects.filter(pipeline="").first()
    services.deal_move(deal=deal, transition="fail", actor=manager, reason=reason, comment="Нет")
    with pytest.raises(CommentRequiredError, match=str(REOPEN_COMMENT_REQUIRED)):
        services.deal_move(deal=deal, transition="reopen", actor=administrator)
    services.deal_move(deal=deal, transition="reopen", actor=administrator, comment="Оплатили")
    assert Deal.objects.get(pk=deal.pk).stage == "awaiting_payment"


@pytest.mark.parametrize("pipeline", PIPELINES)
def test_failure_needs_a_reason_and_a_comment(pipeline, manager):
    deal = make_deal(pipeline, "new", responsible=manager)
    reason = LossReason.objects.filter(pipeline="").first()
    with pytest.raises(FailureReasonRequiredError, match=str(REASON_REQUIRED)):
        services.deal_move(deal=deal, transition="fail", actor=manager, comment="Передумал")
    with pytest.raises(FailureReasonRequiredError, match=str(REASON_REQUIRED)):
        services.deal_move(deal=deal, transition="fail", actor=manager, reason=reason)
    _assert_unchanged(deal, "new")


def test_failure_reason_must_be_offered_in_the_pipeline(manager):
    deal = make_deal("calculation", "new", responsible=manager)
    foreign = LossReason.objects.create(label="Только для договоров", pipeline="contract")
    inactive = LossReason.objects.create(label="Устарела", is_active=False)
    for reason in (foreign, inactive, foreign.pk + 1000):
        with pytest.raises(FailureReasonRequiredError, match=str(REASON_NOT_OFFERED)):
            services.deal_move(
                deal=deal, transition="fail", actor=manager, reason=reason, comment="x"
            )
    _assert_unchanged(deal, "new")


RETURNS = [m for m in MOVES if m.values[1].kind == "return"]


@pytest.mark.parametrize(("pipeline", "move", "source"), RETURNS)
def test_return_needs_a_comment_and_clears_what_must_be_redone(pipeline, move, source, manager):
    deal = make_deal(pipeline, source, responsible=manager)
    with pytest.raises(CommentRequiredError, match=str(COMMENT_REQUIRED)):
        services.deal_move(deal=deal, transition=move.name, actor=manager)
    _assert_unchanged(deal, source)

    services.deal_move(deal=deal, transition=move.name, actor=manager, comment="Клиент просит")
    stored = Deal.objects.get(pk=deal.pk)
    assert stored.stage == move.target
    for code in PIPELINES[pipeline].stage(move.target).clears_on_return:
        assert not getattr(stored, code), f"{code} must be cleared on a return"


def test_unknown_move_and_move_from_wrong_stage_are_refused(manager):
    deal = make_deal("calculation", "new", responsible=manager)
    with pytest.raises(TransitionNotAvailableError):
        services.deal_move(deal=deal, transition="to_warehouse", actor=manager)
    with pytest.raises(TransitionNotAvailableError):
        services.deal_move(deal=deal, transition="to_client_approval", actor=manager)
    _assert_unchanged(deal, "new")


def test_a_manager_moves_only_their_own_deals(manager, other_manager, worker, director):
    deal = make_deal("shipment", "new", responsible=manager)
    for outsider in (other_manager, worker):
        with pytest.raises(PermissionDeniedError):
            services.deal_move(deal=deal, transition="to_to_warehouse", actor=outsider)
    _assert_unchanged(deal, "new")
    services.deal_move(deal=deal, transition="to_to_warehouse", actor=director)
    assert Deal.objects.get(pk=deal.pk).stage == "to_warehouse"


def test_history_records_each_move_in_order(manager):
    deal = make_deal("contract", "new", responsible=manager)
    for name in ("to_drafting", "to_client_approval"):
        services.deal_move(deal=deal, transition=name, actor=manager, comment=name)
    services.deal_move(
        deal=deal, transition="return_to_drafting", actor=manager, comment="Правки юриста"
    )
    rows = list(
        StageChange.objects.filter(deal=deal).values_list("from_stage", "to_stage", "comment")
    )
    assert rows == [
        ("new", "drafting", "to_drafting"),
        ("drafting", "client_approval", "to_client_approval"),
        ("client_approval", "drafting", "Правки юриста"),
    ]


def test_refused_move_with_invalid_data_saves_nothing(manager):
    deal = make_deal("acceptance", "new", responsible=manager, boxes=None)
    from deals.exceptions import DealFieldError

    with pytest.raises(DealFieldError) as err:
        services.deal_move(
            deal=deal,
            transition="to_to_warehouse",
            actor=manager,
            data={"boxes": "много", "units": -3},
        )
    assert set(err.value.errors) == {"boxes", "units"}
    stored = Deal.objects.get(pk=deal.pk)
    assert stored.boxes is None and stored.units == 5
    _assert_unchanged(deal, "new")


def test_automation_only_fields_cannot_be_set_by_hand(manager):
    from deals.exceptions import DealFieldError

    deal = make_deal(
        "calculation", "director_approval", responsible=manager, director_approved_at=None
    )
    with pytest.raises(DealFieldError):
        services.deal_move(
            deal=deal,
            transition="to_client_approval",
            actor=manager,
            data={"director_approved_at": "2026-01-01T00:00:00Z"},
        )
    _assert_unchanged(deal, "director_approval")


def test_kpp_is_required_only_for_organisations(manager):
    entrepreneur = Company.objects.create(
        name="ИП Соколов",
        legal_name="ИП Соколов",
        inn="500100732259",
        ogrn="304500116000157",
        legal_address="Химки",
        bik="044525225",
        bank_account="40802810900000000777",
        signatory="Соколов А. П.",
    )
    deal = make_deal("contract", "new", responsible=manager, company=entrepreneur)
    services.deal_move(deal=deal, transition="to_drafting", actor=manager)
    assert Deal.objects.get(pk=deal.pk).stage == "drafting"


def test_supply_number_is_required_only_for_marketplace_shipments(manager):
    deal = make_deal(
        "shipment",
        "new",
        responsible=manager,
        destination_type="address",
        marketplace_supply_number="",
    )
    services.deal_move(deal=deal, transition="to_to_warehouse", actor=manager)
    other = make_deal(
        "shipment",
        "new",
        responsible=manager,
        destination_type="marketplace",
        marketplace_supply_number="",
    )
    with pytest.raises(MissingFieldsError) as err:
        services.deal_move(deal=other, transition="to_to_warehouse", actor=manager)
    assert err.value.codes == ["marketplace_supply_number"]


def test_processing_instructions_may_be_text_or_file(manager):
    as_file = make_deal(
        "processing",
        "new",
        responsible=manager,
        instructions="",
        instructions_file=ContentFile(b"%PDF", name="tz.pdf"),
    )
    services.deal_move(deal=as_file, transition="to_to_warehouse", actor=manager)
    neither = make_deal(
        "processing", "new", responsible=manager, instructions="", instructions_file=""
    )
    with pytest.raises(MissingFieldsError) as err:
        services.deal_move(deal=neither, transition="to_to_warehouse", actor=manager)
    assert err.value.codes == ["instructions"]


def test_success_and_failure_stages_are_terminal_in_the_spec():
    for pipeline in PIPELINES.values():
        for stage in pipeline.stages:
            moves = [m for m in pipeline.transitions if stage.code in m.sources]
            if stage.kind in (StageKind.SUCCESS, StageKind.FAILURE):
                assert [m.name for m in moves] == ["reopen"]
            else:
                assert {"fail"} <= {m.name for m in moves}


def test_a_deal_read_with_only_some_columns_moves_and_records_the_stage_it_moved_to(manager):
    """Saving loaded the deferred columns midway, which put the old stage back on the object:
    the row moved, but the history row and the caller's object said it had not."""
    deal = make_deal("calculation", "new", responsible=manager)
    partial = Deal.objects.only("pk", "pipeline", "stage", "responsible").get(pk=deal.pk)

    change = services.deal_move(deal=partial, transition="to_proposal", actor=manager)

    assert (change.from_stage, change.to_stage) == ("new", "proposal")
    assert partial.stage == "proposal"
    assert Deal.objects.get(pk=deal.pk).stage == "proposal"


def test_a_deal_read_with_only_some_columns_is_edited_and_audited(manager):
    deal = make_deal("calculation", "new", responsible=manager, title="До")
    partial = Deal.objects.only("pk", "pipeline", "stage", "responsible").get(pk=deal.pk)

    services.deal_update(deal=partial, actor=manager, data={"title": "После"})

    assert Deal.objects.get(pk=deal.pk).title == "После"
    change = FieldChange.objects.get(field="title")
    assert (change.old_text, change.new_text) == ("До", "После")
