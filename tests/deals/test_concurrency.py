"""Two users move the same deal at the same moment: exactly one wins, the other is told."""

import threading
from collections.abc import Callable

import pytest
from django.core.files.base import ContentFile
from django.db import connection

from deals import services
from deals.exceptions import DealConflictError
from deals.models import Deal, LossReason, StageChange, Task
from fulfillment.exceptions import ApplicationError
from tests.api.conftest import client_for
from tests.factories import make_deal
from warehouse import services as warehouse_services
from warehouse.models import WorkSession


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_moves_of_one_deal_one_wins_the_other_gets_a_conflict(postgres, director):
    deal = make_deal("calculation", "new", responsible=director)
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def move(transition: str, **kwargs) -> None:
        # Each thread has its own database connection; both load the deal in «new».
        mine = Deal.objects.select_related("company").get(pk=deal.pk)
        barrier.wait()
        try:
            outcomes.append(
                services.deal_move(deal=mine, transition=transition, actor=director, **kwargs)
            )
        except DealConflictError as error:
            outcomes.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=move, args=("to_proposal",)),
        threading.Thread(
            target=move,
            args=("fail",),
            kwargs={
                "reason": LossReason.objects.filter(pipeline="").first(),
                "comment": "Клиент ушел",
            },
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    conflicts = [o for o in outcomes if isinstance(o, DealConflictError)]
    winners = [o for o in outcomes if isinstance(o, StageChange)]
    assert len(conflicts) == 1 and len(winners) == 1, outcomes
    assert conflicts[0].stage == winners[0].to_stage
    assert conflicts[0].message == (
        f"Сделку уже перевели на стадию «{Deal.objects.get(pk=deal.pk).stage_label}». "
        "Обновите страницу."
    )
    stored = Deal.objects.get(pk=deal.pk)
    assert stored.stage == winners[0].to_stage
    assert StageChange.objects.filter(deal=deal).count() == 1


# --- one lock order: moves against the director's decisions and warehouse completions -------

ROUNDS = 30
Action = Callable[[], object]


def _race(*actions: Action) -> list[object]:
    """Run the actions at the same moment, each in its own thread and database connection;
    each one's result, or the exception it raised."""
    barrier = threading.Barrier(len(actions))
    outcomes: list[object] = [None] * len(actions)

    def run(index: int, action: Action) -> None:
        try:
            barrier.wait(timeout=10)
            outcomes[index] = action()
        except BaseException as error:  # recorded: the test says which ones are allowed
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return outcomes


def _refused_or_done(outcomes: list[object]) -> None:
    """Every outcome is a success or a refusal the pages and the API answer with a message
    (4xx): never a deadlock, a ``ConcurrentTransition`` or anything else that is a 500."""
    unexpected = [o for o in outcomes if isinstance(o, BaseException)]
    unexpected = [o for o in unexpected if not isinstance(o, ApplicationError)]
    assert not unexpected, unexpected


def _history_matches(deal: Deal) -> None:
    last = StageChange.objects.filter(deal=deal).order_by("-created_at", "-pk").first()
    assert deal.stage == last.to_stage


# Each action loads what it acts on, as a request would.


def _fail(deal_pk: int, actor) -> Action:
    def move() -> object:
        return services.deal_move(
            deal=Deal.objects.select_related("company").get(pk=deal_pk),
            transition="fail",
            actor=actor,
            reason=LossReason.objects.filter(pipeline="").first(),
            comment="Клиент ушел",
        )

    return move


def _forward(deal_pk: int, transition: str, actor) -> Action:
    def move() -> object:
        deal = Deal.objects.select_related("company").get(pk=deal_pk)
        return services.deal_move(deal=deal, transition=transition, actor=actor)

    return move


def _decide(task_pk: int, director, *, approve: bool) -> Action:
    def decide() -> object:
        task = Task.objects.get(pk=task_pk)
        if approve:
            return services.approval_approve(task=task, actor=director)
        return services.approval_return(task=task, actor=director, remarks="Дороже")

    return decide


def _complete(task_pk: int, worker) -> Action:
    def complete() -> object:
        task = Task.objects.get(pk=task_pk)
        return warehouse_services.warehouse_task_complete(task=task, worker=worker)

    return complete


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_moves_against_the_directors_decisions_never_deadlock(postgres, director, manager):
    for round_ in range(ROUNDS):
        deal = make_deal("calculation", "proposal", responsible=manager, director_approved_at=None)
        services.deal_move(deal=deal, transition="to_director_approval", actor=manager)
        task = Task.objects.get(deal=deal, kind=Task.Kind.APPROVAL)
        move = (
            _fail(deal.pk, manager)
            if round_ % 3
            else _forward(deal.pk, "to_client_approval", manager)
        )

        outcomes = _race(_decide(task.pk, director, approve=round_ % 2 == 0), move)

        _refused_or_done(outcomes)
        deal = Deal.objects.get(pk=deal.pk)
        task.refresh_from_db()
        _history_matches(deal)
        assert not task.is_open
        assert (task.status == Task.Status.DONE) == (deal.director_approved_at is not None)
        assert (task.status == Task.Status.RETURNED) == StageChange.objects.filter(
            deal=deal, transition="return_to_proposal"
        ).exists()
        if task.status == Task.Status.CANCELLED:  # the move came first: no decision was made
            assert isinstance(outcomes[0], ApplicationError), outcomes


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_moves_against_warehouse_completions_never_deadlock(postgres, worker, manager):
    for round_ in range(ROUNDS):
        deal = make_deal("acceptance", "new", responsible=manager, recount_file=None)
        services.deal_move(deal=deal, transition="to_to_warehouse", actor=manager)
        task = Task.objects.get(deal=deal, kind=Task.Kind.WAREHOUSE)
        warehouse_services.work_start(task=task, worker=worker)
        services.task_comment_add(
            task=task,
            author=worker,
            file=ContentFile(b"PK\x03\x04 recount", name="recount.xlsx"),
            is_result=True,
        )
        move = (
            _forward(deal.pk, "to_recount_approval", manager)
            if round_ % 2
            else _fail(deal.pk, manager)
        )

        outcomes = _race(_complete(task.pk, worker), move)

        _refused_or_done(outcomes)
        deal = Deal.objects.get(pk=deal.pk)
        task.refresh_from_db()
        _history_matches(deal)
        assert not WorkSession.objects.filter(task=task, stopped_at__isnull=True).exists()
        assert (task.status == Task.Status.DONE) == bool(deal.recount_file)
        if deal.stage != "to_warehouse":
            assert not task.is_open


# --- the same races over HTTP: a status for each request, never a 500 -----------------------

API_ROUNDS = 10


def _post(user, url: str, data: dict, *, multipart: bool = False) -> Action:
    """A request as a client sends it; the test client re-raises what would be a 500."""

    def post() -> object:
        client = client_for(user)
        response = client.post(url, data, format="multipart" if multipart else "json")
        return response.status_code, response.json()

    return post


def _fail_request(deal: Deal, user, expected_stage: str) -> Action:
    data = {
        "transition": "fail",
        "reason": LossReason.objects.filter(pipeline="").first().pk,
        "comment": "Клиент ушел",
        "expected_stage": expected_stage,
    }
    return _post(user, f"/api/deals/{deal.pk}/transition/", data)


def _statuses(outcomes: list[object]) -> list[int]:
    _refused_or_done(outcomes)
    return [status for status, _body in outcomes]


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_moves_sent_with_the_stage_they_saw_exactly_one_applies(postgres, manager, settings):
    """The loser answers 409 with the stage the winner left the deal in, and the file it
    carried is not left in storage."""
    for _round in range(API_ROUNDS):
        deal = make_deal(
            "calculation",
            "proposal",
            responsible=manager,
            proposal_file=None,
            director_approved_at=None,
        )
        with_file = _post(
            manager,
            f"/api/deals/{deal.pk}/transition/",
            {
                "transition": "to_director_approval",
                "expected_stage": "proposal",
                "fields.proposal_file": ContentFile(b"%PDF-1.4 kp", name="kp.pdf"),
            },
            multipart=True,
        )

        outcomes = _race(with_file, _fail_request(deal, manager, "proposal"))

        assert sorted(_statuses(outcomes)) == [200, 409], outcomes
        deal = Deal.objects.get(pk=deal.pk)
        assert StageChange.objects.filter(deal=deal).count() == 1
        (winner,) = [body for status, body in outcomes if status == 200]
        (loser,) = [body for status, body in outcomes if status == 409]
        assert winner["stage"] == loser["stage"] == deal.stage
        stored = {p.name for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()}
        referenced = {
            name.rsplit("/", 1)[-1]
            for name in Deal.objects.exclude(proposal_file="").values_list(
                "proposal_file", flat=True
            )
        }
        assert stored == referenced


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_racing_decisions_completions_and_moves_over_the_api_never_answer_500(
    postgres, manager, director, worker
):
    for round_ in range(API_ROUNDS):
        approval = make_deal(
            "calculation", "proposal", responsible=manager, director_approved_at=None
        )
        services.deal_move(deal=approval, transition="to_director_approval", actor=manager)
        decision = Task.objects.get(deal=approval, kind=Task.Kind.APPROVAL)
        acceptance = make_deal("acceptance", "new", responsible=manager, recount_file=None)
        services.deal_move(deal=acceptance, transition="to_to_warehouse", actor=manager)
        job = Task.objects.get(deal=acceptance, kind=Task.Kind.WAREHOUSE)
        warehouse_services.work_start(task=job, worker=worker)
        services.task_comment_add(
            task=job,
            author=worker,
            file=ContentFile(b"PK\x03\x04 recount", name="recount.xlsx"),
            is_result=True,
        )
        decide = (
            _post(director, f"/api/tasks/{decision.pk}/approve/", {})
            if round_ % 2
            else _post(director, f"/api/tasks/{decision.pk}/return/", {"remarks": "Дороже"})
        )

        outcomes = _race(
            decide,
            _fail_request(approval, manager, "director_approval"),
            _post(worker, f"/api/tasks/{job.pk}/complete/", {}),
            _fail_request(acceptance, manager, "to_warehouse"),
        )

        assert set(_statuses(outcomes)) <= {200, 400, 409}, outcomes
        for deal in (approval, acceptance):
            _history_matches(Deal.objects.get(pk=deal.pk))
