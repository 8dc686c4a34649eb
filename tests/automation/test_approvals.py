"""The director's approval of a КП: task on entry, approve, return with remarks."""

import pytest

from deals import services
from deals.models import Deal, DealComment, Task
from deals.services.approvals import ALREADY_DECIDED, ONLY_DIRECTOR, REMARKS_REQUIRED
from deals.services.tasks import TaskError
from fulfillment.exceptions import PermissionDeniedError
from fulfillment.models import Notification
from tests.factories import make_deal

pytestmark = pytest.mark.django_db


def _to_director(deal, manager, committed):
    with committed():
        services.deal_move(deal=deal, transition="to_director_approval", actor=manager)
    return Task.objects.get(deal=deal, kind=Task.Kind.APPROVAL, status=Task.Status.NEW)


def test_entering_director_approval_creates_a_task_and_tells_the_director(
    manager, director, committed
):
    deal = make_deal("calculation", "proposal", responsible=manager, director_approved_at=None)
    task = _to_director(deal, manager, committed)
    assert (task.stage, task.queue, task.assignee) == (
        "director_approval",
        "Генеральный директор",
        None,
    )
    assert task.title == f"Согласовать КП: {deal.title}"
    note = Notification.objects.get(recipient=director)
    assert (note.event, note.url) == ("approval_requested", "/approvals/")


def test_director_approves_and_the_deal_may_move_on(manager, director, committed):
    deal = make_deal("calculation", "proposal", responsible=manager, director_approved_at=None)
    task = _to_director(deal, manager, committed)
    deal = Deal.objects.get(pk=deal.pk)
    assert [
        m.missing[0].code
        for m in services.deal_available_moves(deal=deal, user=manager)
        if m.name == "to_client_approval"
    ] == ["director_approved_at"]

    with committed():
        services.approval_approve(task=task, actor=director)

    task.refresh_from_db()
    assert (task.status, task.completed_by) == (Task.Status.DONE, director)
    deal = Deal.objects.get(pk=deal.pk)
    assert deal.director_approved_at is not None
    assert Notification.objects.filter(recipient=manager, event="approval_decided").count() == 1
    services.deal_move(deal=deal, transition="to_client_approval", actor=manager)
    assert Deal.objects.get(pk=deal.pk).stage == "client_approval"


def test_director_returns_with_remarks_and_the_next_entry_makes_a_new_task(
    manager, director, committed
):
    deal = make_deal("calculation", "proposal", responsible=manager, director_approved_at=None)
    task = _to_director(deal, manager, committed)
    with pytest.raises(TaskError, match=str(REMARKS_REQUIRED)):
        services.approval_return(task=task, actor=director, remarks="  ")

    with committed():
        services.approval_return(task=task, actor=director, remarks="Снизить цену хранения")

    deal = Deal.objects.get(pk=deal.pk)
    assert deal.stage == "proposal" and deal.director_approved_at is None
    assert not DealComment.objects.filter(deal=deal).exists()  # the remarks once: in the move
    assert deal.stage_changes.last().comment == "Снизить цену хранения"
    task.refresh_from_db()
    assert (task.status, task.decision_comment) == (Task.Status.RETURNED, "Снизить цену хранения")

    second = _to_director(deal, manager, committed)
    assert second.pk != task.pk
    assert Task.objects.filter(deal=deal, kind=Task.Kind.APPROVAL).count() == 2


def test_only_the_director_decides_and_only_once(manager, director, administrator, committed):
    deal = make_deal("calculation", "proposal", responsible=manager, director_approved_at=None)
    task = _to_director(deal, manager, committed)
    for outsider in (manager, administrator):
        with pytest.raises(PermissionDeniedError, match=str(ONLY_DIRECTOR)):
            services.approval_approve(task=task, actor=outsider)
    services.approval_approve(task=task, actor=director)
    with pytest.raises(TaskError, match=str(ALREADY_DECIDED)):
        services.approval_return(task=task, actor=director, remarks="Поздно")


def test_a_return_from_the_client_stage_needs_a_new_approval(manager, director, committed):
    deal = make_deal("calculation", "client_approval", responsible=manager)
    with committed():
        services.deal_move(
            deal=deal,
            transition="return_to_proposal",
            actor=manager,
            comment="Клиент просит скидку",
        )
    deal = Deal.objects.get(pk=deal.pk)
    assert deal.director_approved_at is None
    assert Task.objects.filter(deal=deal).count() == 0


def test_open_approval_is_cancelled_when_the_deal_leaves_the_stage(manager, director, committed):
    deal = make_deal("calculation", "proposal", responsible=manager, director_approved_at=None)
    task = _to_director(deal, manager, committed)
    deal = Deal.objects.get(pk=deal.pk)
    services.deal_move(
        deal=deal, transition="return_to_proposal", actor=manager, comment="Забыл приложить расчет"
    )
    task.refresh_from_db()
    assert task.status == Task.Status.CANCELLED
