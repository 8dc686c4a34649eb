"""The pieces of ``make loadtest`` that can be checked without the run: the step's figures,
the check after the load (it must find a move whose history row or automation is missing),
the walks of the deals the users move, and the run's own database."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from deals.models import AutomationJob, Deal, Handoff, StageChange, Task
from deals.services import deal_move
from fulfillment.backups import postgres_url
from loadtest import data, processes
from loadtest.check import Move, check_moves
from loadtest.stats import Sample, figures, percentile
from tests.conftest import require_service
from tests.factories import make_deal

pytestmark = pytest.mark.django_db


# --- figures ------------------------------------------------------------------------------


def test_percentiles_are_nearest_rank():
    values = [float(v) for v in range(1, 101)]  # 1 … 100

    assert percentile(values, 0.50) == 50
    assert percentile(values, 0.95) == 95
    assert percentile(values, 0.99) == 99
    assert percentile([7.0], 0.99) == 7
    assert percentile([], 0.95) == 0


def test_a_step_s_figures_count_every_request_and_the_errors_per_kind():
    samples = [Sample("board", 0.0, float(ms)) for ms in range(1, 98)]
    samples += [
        Sample("move (API)", 0.0, 20.0, "conflict (moved meanwhile)"),
        Sample("move (board)", 0.0, 900.0, "server error (5xx)"),
        Sample("move (API)", 0.0, 1000.0, "conflict (moved meanwhile)"),
    ]

    result = figures(samples, seconds=10.0)

    assert result.requests == 100
    assert result.rps == 10.0
    assert (result.p50, result.p95, result.p99) == (49.0, 94.0, 900.0)  # 20 twice
    assert result.errors == {"conflict (moved meanwhile)": 2, "server error (5xx)": 1}
    assert result.error_count == 3


# --- the check after the load ---------------------------------------------------------------


@pytest.fixture
def moved(manager, django_capture_on_commit_callbacks):
    """Move a ready deal as the users do, its automation run on commit: the Move they write."""

    def move(pipeline: str, stage: str, target: str) -> Move:
        deal = make_deal(pipeline, stage, responsible=manager)
        with django_capture_on_commit_callbacks(execute=True):
            deal_move(deal=deal, transition=f"to_{target}", actor=manager, expected_stage=stage)
        return Move(deal.pk, stage, target)

    return move


@pytest.mark.parametrize(
    ("pipeline", "stage", "target", "jobs"),
    [
        ("calculation", "new", "proposal", 0),
        ("calculation", "proposal", "director_approval", 1),
        ("acceptance", "new", "to_warehouse", 1),
        ("shipment", "new", "to_warehouse", 1),
        # The contract check, and the won КП's prices kept as the client's.
        ("calculation", "client_approval", "won", 2),
    ],
)
def test_a_move_with_its_history_row_and_automation_passes(moved, pipeline, stage, target, jobs):
    since = timezone.now()
    move = moved(pipeline, stage, target)

    report = check_moves([move], since=since)

    assert report.problems == []
    assert (report.moves, report.jobs) == (1, jobs)


def test_a_move_without_its_history_row_is_found(moved):
    since = timezone.now()
    move = moved("calculation", "new", "proposal")
    StageChange.objects.filter(deal_id=move.deal_id, created_at__gte=since).delete()

    report = check_moves([move], since=since)

    assert not report.ok
    assert report.problems == [f"deal {move.deal_id} new → proposal: no stage history row"]


def test_a_move_answered_but_never_made_is_found(manager):
    since = timezone.now()
    deal = make_deal("calculation", "new", responsible=manager)

    report = check_moves([Move(deal.pk, "new", "proposal")], since=since)

    assert report.problems == [f"deal {deal.pk} new → proposal: no stage history row"]


def test_a_move_whose_job_is_missing_or_not_done_is_found(moved):
    since = timezone.now()
    lost = moved("acceptance", "new", "to_warehouse")
    stuck = moved("calculation", "proposal", "director_approval")
    AutomationJob.objects.filter(deal_id=lost.deal_id).delete()
    AutomationJob.objects.filter(deal_id=stuck.deal_id).update(status=AutomationJob.Status.PENDING)

    report = check_moves([lost, stuck], since=since)

    assert report.problems == [
        f"deal {lost.deal_id} new → to_warehouse: "
        "no automation job acceptance.to_warehouse.warehouse_task",
        f"deal {stuck.deal_id} proposal → director_approval: "
        "automation job calculation.director_approval.approval_task is pending",
    ]


def test_a_done_job_whose_work_is_missing_is_found(moved):
    since = timezone.now()
    warehouse = moved("processing", "new", "to_warehouse")
    approval = moved("calculation", "proposal", "director_approval")
    handoff = moved("calculation", "client_approval", "won")
    Task.objects.filter(deal_id__in=[warehouse.deal_id, approval.deal_id]).delete()
    Handoff.objects.filter(source_id=handoff.deal_id).delete()
    Deal.objects.filter(pk=handoff.deal_id).update(awaiting_contract=None)

    report = check_moves([warehouse, approval, handoff], since=since)

    assert [p.split(": ", 1)[1] for p in report.problems] == [
        "processing.to_warehouse.warehouse_task is done but the warehouse task is missing",
        "calculation.director_approval.approval_task is done but "
        "the director's approval task is missing",
        "calculation.won.contract_check is done but "
        "the handoff (or the contract deal waited on) is missing",
    ]


def test_a_move_made_twice_is_found(moved, manager):
    since = timezone.now()
    move = moved("calculation", "new", "proposal")
    StageChange.objects.create(
        deal_id=move.deal_id, transition="to_proposal", from_stage="new", to_stage="proposal"
    )

    report = check_moves([move], since=since)

    assert report.problems == [
        f"deal {move.deal_id} new → proposal: 2 stage history rows for one move"
    ]


# --- what the users are given ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("pipeline", "stage", "walk"),
    [
        ("calculation", "new", ["new", "proposal", "director_approval"]),
        ("calculation", "client_approval", ["client_approval", "won"]),
        ("acceptance", "new", ["new", "to_warehouse"]),
        (
            "acceptance",
            "recount_approval",
            ["recount_approval", "invoice", "awaiting_payment", "won"],
        ),
        ("contract", "drafting", ["drafting", "client_approval", "signing", "won"]),
    ],
)
def test_a_deal_walks_up_to_the_stage_that_starts_automation(pipeline, stage, walk):
    assert data.stages_ahead(pipeline, stage) == walk


def test_only_deals_whose_required_fields_are_filled_are_given_to_move(manager):
    ready = make_deal("calculation", "new", responsible=manager)
    make_deal("calculation", "new", responsible=manager, complete=False)
    half = make_deal("calculation", "new", responsible=manager, proposal_file=None)

    walks = {w["deal"]: w["stages"] for w in data.ready_walks(manager)}

    assert walks == {
        ready.pk: ["new", "proposal", "director_approval"],
        half.pk: ["new", "proposal"],  # the КП's file is missing to go on
    }


# --- the run's own database -----------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_run_creates_and_drops_a_database_of_its_own():
    require_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    name = f"loadtest_{uuid.uuid4().hex[:8]}"
    server = postgres_url("postgres").rsplit("/", 1)[0]

    def exists() -> bool:
        with psycopg.connect(postgres_url("postgres")) as admin:
            query = "SELECT 1 FROM pg_database WHERE datname = %s"
            return admin.execute(query, [name]).fetchone() is not None

    processes.database_create(server, name)
    try:
        assert exists()
    finally:
        processes.database_drop(server, name)
    assert not exists()
