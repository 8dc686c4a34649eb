"""A deal that is no longer in the stage its caller saw: the move, the edit and the automation's
write are refused with a conflict naming the current stage, nothing is saved, and no file
sent with them is left in storage. (The races themselves run on PostgreSQL, in
``test_concurrency.py``.)"""

from __future__ import annotations

from unittest import mock

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from deals import services
from deals.exceptions import DealConflictError, DealFieldError
from deals.models import Deal, LossReason, StageChange
from tests.factories import make_deal

pytestmark = pytest.mark.django_db

MOVED_TO_LOST = "Сделку уже перевели на стадию «Отказ КП». Обновите страницу."


def _stored_files(settings) -> list:
    return [path for path in settings.MEDIA_ROOT.rglob("*") if path.is_file()]


def _proposal_file() -> ContentFile:
    return ContentFile(b"%PDF-1.4 proposal", name="kp.pdf")


def _fail(deal: Deal, actor) -> StageChange:
    return services.deal_move(
        deal=deal,
        transition="fail",
        actor=actor,
        reason=LossReason.objects.filter(pipeline="").first(),
        comment="Клиент ушел",
    )


@pytest.fixture
def proposal(manager) -> Deal:
    """A КП being prepared, its file not attached yet."""
    return make_deal(
        "calculation",
        "proposal",
        responsible=manager,
        proposal_file=None,
        director_approved_at=None,
    )


def test_a_stale_expected_stage_is_a_conflict_and_nothing_moves(proposal, manager):
    with pytest.raises(DealConflictError) as refused:
        services.deal_move(
            deal=proposal, transition="fail", actor=manager, expected_stage="new", comment="x"
        )

    assert (refused.value.stage, refused.value.message) == (
        "proposal",
        "Сделку уже перевели на стадию «Сформировать КП». Обновите страницу.",
    )
    assert refused.value.extra == {"stage": "proposal", "stage_label": "Сформировать КП"}
    assert not StageChange.objects.filter(deal=proposal).exists()


def test_of_two_moves_sent_from_one_stage_only_the_first_applies(manager):
    """Both clients saw «new»: the second move is not applied from the stage the first left
    the deal in, even though it would be possible from there."""
    deal = make_deal("calculation", "new", responsible=manager)
    services.deal_move(deal=deal, transition="to_proposal", actor=manager, expected_stage="new")

    with pytest.raises(DealConflictError):
        services.deal_move(
            deal=Deal.objects.get(pk=deal.pk),
            transition="to_director_approval",
            actor=manager,
            expected_stage="new",
        )

    assert Deal.objects.get(pk=deal.pk).stage == "proposal"
    assert StageChange.objects.filter(deal=deal).count() == 1


def test_an_expected_stage_the_pipeline_does_not_have_is_a_field_error(proposal, manager):
    with pytest.raises(DealFieldError) as refused:
        services.deal_move(
            deal=proposal, transition="to_director_approval", actor=manager, expected_stage="?"
        )

    assert list(refused.value.errors) == ["expected_stage"]


def test_a_move_of_a_deal_loaded_before_another_move_is_a_conflict_and_stores_no_file(
    proposal, manager, settings
):
    stale = Deal.objects.get(pk=proposal.pk)
    _fail(proposal, manager)

    with pytest.raises(DealConflictError) as refused:
        services.deal_move(
            deal=stale,
            transition="to_director_approval",
            actor=manager,
            data={"proposal_file": _proposal_file()},
        )

    assert (refused.value.stage, refused.value.message) == ("lost", MOVED_TO_LOST)
    assert stale.stage == "lost" and not stale.proposal_file
    assert _stored_files(settings) == []


def test_a_move_failing_after_its_file_was_stored_deletes_the_file(proposal, manager, settings):
    with (
        mock.patch("deals.automation.stage_entered", side_effect=RuntimeError("broken")),
        pytest.raises(RuntimeError),
    ):
        services.deal_move(
            deal=proposal,
            transition="to_director_approval",
            actor=manager,
            data={"proposal_file": _proposal_file()},
        )

    stored = Deal.objects.get(pk=proposal.pk)
    assert (stored.stage, stored.proposal_file.name) == ("proposal", "")
    assert _stored_files(settings) == []


def test_a_successful_move_keeps_its_file(proposal, manager, settings):
    services.deal_move(
        deal=proposal,
        transition="to_director_approval",
        actor=manager,
        data={"proposal_file": _proposal_file()},
    )

    stored = Deal.objects.get(pk=proposal.pk)
    assert [path.name for path in _stored_files(settings)] == [
        stored.proposal_file.name.split("/")[-1]
    ]


def test_an_edit_of_a_deal_moved_meanwhile_stores_no_file(proposal, manager, settings):
    stale = Deal.objects.get(pk=proposal.pk)
    _fail(proposal, manager)

    with pytest.raises(DealConflictError) as refused:
        services.deal_update(deal=stale, actor=manager, data={"proposal_file": _proposal_file()})

    assert refused.value.message == MOVED_TO_LOST
    assert _stored_files(settings) == []


def test_the_automation_writing_to_a_deal_moved_meanwhile_gets_a_conflict(proposal, manager):
    """Never ``ConcurrentTransition``, which no page or API answers but with a 500."""
    stale = Deal.objects.get(pk=proposal.pk)
    _fail(proposal, manager)

    with pytest.raises(DealConflictError) as refused:
        services.deal_set_automation_fields(
            deal=stale, values={"director_approved_at": timezone.now()}
        )

    assert refused.value.stage == "lost"
    assert Deal.objects.get(pk=proposal.pk).director_approved_at is None


def test_a_card_s_stage_menu_from_a_stale_board_says_where_the_deal_is(client, manager):
    from django.urls import reverse

    deal = make_deal("calculation", "proposal", responsible=manager)
    client.force_login(manager)
    board = client.get(reverse("deals:board", args=["calculation"])).content.decode()
    assert f'/deals/{deal.pk}/moves/?expected_stage=proposal"' in board
    Deal.objects.filter(pk=deal.pk).update(stage="director_approval")  # someone moved it

    menu = client.get(
        reverse("deals:moves", args=[deal.pk]) + "?expected_stage=proposal",
        headers={"HX-Request": "true"},
    )

    assert "Согласовать КП с ГД" in menu.content.decode()
    assert "Далее: «Согласовать КП с клиентом»" not in menu.content.decode()
