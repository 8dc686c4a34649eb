"""A small history with known answers: the analytics tests work every report's expected
figures out by hand from the moves written here."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal
from zoneinfo import ZoneInfo

from deals.models import Deal, LossReason, StageChange, Task
from fulfillment.roles import Role
from tests.factories import UserFactory, make_deal
from warehouse.models import WorkSession

MSK = ZoneInfo("Europe/Moscow")
PERIOD = {"date_from": datetime.date(2026, 10, 1), "date_to": datetime.date(2026, 11, 30)}
NOW = datetime.datetime(2026, 12, 2, 12, 0, tzinfo=MSK)


def at(month: int, day: int, hour: int) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, 0, tzinfo=MSK)


def deal_with_history(pipeline, responsible, moves, *, amount=None, reason=None, **fields):
    """A deal that was created and moved at the given moments: ``moves`` is a list of
    ``(stage, moment)``, the first being its creation."""
    stage, created = moves[0]
    last_stage, last_moment = moves[-1]
    deal = make_deal(pipeline, last_stage, responsible=responsible, complete=False, **fields)
    closed = last_stage in ("won", "lost")
    Deal.objects.filter(pk=deal.pk).update(
        created_at=created,
        stage_entered_at=last_moment,
        closed_at=last_moment if closed else None,
        amount=amount,
        failure_reason=reason if last_stage == "lost" else None,
    )
    rows = [
        StageChange(
            deal=deal,
            pipeline=pipeline,
            transition="create",
            to_stage=stage,
            created_at=created,
        )
    ]
    for (source, entered), (target, moment) in itertools.pairwise(moves):
        rows.append(
            StageChange(
                deal=deal,
                pipeline=pipeline,
                transition=f"to_{target}",
                from_stage=source,
                to_stage=target,
                created_at=moment,
                from_stage_entered_at=entered,
                reason=reason if target == "lost" else None,
            )
        )
    changes = StageChange.objects.bulk_create(rows)
    deal.refresh_from_db()
    return deal, changes


def task(deal, change, kind, created, completed=None, status=Task.Status.NEW, by=None):
    return Task.objects.create(
        deal=deal,
        stage_change=change,
        kind=kind,
        stage=change.to_stage,
        title=str(kind),
        status=status,
        created_at=created,
        completed_at=completed,
        completed_by=by,
    )


def build_history() -> dict:
    """Calculation requests of two managers, acceptance and shipment work of a third, approvals
    and warehouse work, around the period 1 October – 30 November 2026."""
    m1 = UserFactory(role=Role.MANAGER, username="m1", first_name="Анна", last_name="Первая")
    m2 = UserFactory(role=Role.MANAGER, username="m2", first_name="Борис", last_name="Второй")
    m3 = UserFactory(role=Role.MANAGER, username="m3", first_name="Вера", last_name="Третья")
    w1 = UserFactory(role=Role.WAREHOUSE, username="w1", first_name="Глеб", last_name="Склад")
    w2 = UserFactory(role=Role.WAREHOUSE, username="w2", first_name="Дина", last_name="Склад")
    expensive = LossReason.objects.create(label="Дорого")
    d1, c1 = deal_with_history(
        "calculation",
        m1,
        [
            ("new", at(10, 1, 10)),
            ("proposal", at(10, 1, 12)),
            ("director_approval", at(10, 2, 12)),
            ("client_approval", at(10, 3, 12)),
            ("won", at(10, 5, 12)),
        ],
        amount=Decimal(100_000),
    )
    d2, _ = deal_with_history(
        "calculation",
        m1,
        [("new", at(10, 10, 10)), ("proposal", at(10, 10, 14)), ("lost", at(10, 12, 14))],
        amount=Decimal(50_000),
        reason=expensive,
    )
    d3, c3 = deal_with_history(
        "calculation",
        m2,
        [
            ("new", at(10, 20, 10)),
            ("proposal", at(10, 20, 20)),
            ("director_approval", at(10, 21, 20)),
            ("proposal", at(10, 22, 8)),
            ("director_approval", at(10, 22, 20)),
        ],
        amount=Decimal(200_000),
    )
    d4, c4 = deal_with_history(
        "calculation",
        m2,
        [
            ("new", at(9, 25, 10)),
            ("proposal", at(10, 2, 10)),
            ("director_approval", at(11, 3, 10)),
            ("client_approval", at(11, 4, 10)),
            ("won", at(11, 6, 10)),
        ],
        amount=Decimal(30_000),
    )
    deal_with_history("calculation", m1, [("new", at(11, 10, 10))], amount=Decimal(70_000))
    deal_with_history("calculation", m2, [("new", at(12, 1, 10))], amount=Decimal(10_000))
    approval = Task.Kind.APPROVAL
    task(d1, c1[2], approval, at(10, 2, 12), at(10, 3, 12), Task.Status.DONE)
    task(d3, c3[2], approval, at(10, 21, 20), at(10, 22, 8), Task.Status.RETURNED)
    task(d3, c3[4], approval, at(10, 22, 20))
    task(d4, c4[2], approval, at(11, 3, 10), at(11, 4, 10), Task.Status.DONE)

    def warehouse_work(pipeline, units, sessions, completed, by):
        deal, changes = deal_with_history(
            pipeline,
            m3,
            [("new", at(9, 1, 10)), ("to_warehouse", at(9, 1, 11))],
            accepted_units=units,
        )
        status = Task.Status.DONE if completed else Task.Status.IN_PROGRESS
        work = task(deal, changes[1], Task.Kind.WAREHOUSE, at(9, 1, 11), completed, status, by=by)
        for worker, start, stop in sessions:
            WorkSession.objects.create(task=work, worker=worker, started_at=start, stopped_at=stop)

    warehouse_work(
        "acceptance",
        500,
        [(w1, at(10, 5, 10), at(10, 5, 12)), (w1, at(10, 5, 13), at(10, 5, 15))],
        at(10, 5, 18),
        w1,
    )
    warehouse_work("acceptance", 300, [(w2, at(10, 6, 9), at(10, 6, 11))], at(10, 6, 12), w2)
    warehouse_work("shipment", None, [(w1, at(10, 6, 13), at(10, 6, 14))], at(10, 6, 15), w1)
    warehouse_work("acceptance", 999, [(w2, at(10, 7, 9), at(10, 7, 10))], None, None)
    return {"m1": m1, "m2": m2, "m3": m3, "w1": w1, "w2": w2, "deals": [d1, d2, d3, d4]}
