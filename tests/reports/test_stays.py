"""A move's history row keeps when the deal had entered the stage it left: the stays the
reports measure, on every path that writes a move, and for the rows written before."""

from __future__ import annotations

import datetime
import importlib

import time_machine
from django.apps import apps

from deals import services
from deals.models import StageChange
from tests.factories import make_deal

fill_stays = importlib.import_module("deals.migrations.0014_analytics").fill_stays
START = datetime.datetime(2026, 10, 1, 9, 0, tzinfo=datetime.UTC)


def test_a_move_records_the_stay_it_ends(director):
    with time_machine.travel(START, tick=False) as clock:
        deal = make_deal("calculation", "new", responsible=director)
        clock.shift(datetime.timedelta(hours=5))
        services.deal_move(deal=deal, transition="to_proposal", actor=director)
    moved = StageChange.objects.get(deal=deal)
    assert (moved.from_stage, moved.from_stage_entered_at) == ("new", START)
    assert moved.created_at - moved.from_stage_entered_at == datetime.timedelta(hours=5)


def test_the_migration_fills_the_stays_of_earlier_rows(director):
    deal = make_deal("calculation", "new", responsible=director)
    moments = [START + datetime.timedelta(hours=h) for h in (0, 3, 3, 10)]
    stages = ["new", "proposal", "new", "proposal"]  # a return at the same moment as a move
    rows = StageChange.objects.bulk_create(
        StageChange(
            deal=deal,
            pipeline=deal.pipeline,
            transition="t",
            from_stage=stages[i - 1] if i else "",
            to_stage=stage,
            created_at=moments[i],
        )
        for i, stage in enumerate(stages)
    )
    other = make_deal("calculation", "new", responsible=director)
    StageChange.objects.create(deal=other, transition="t", from_stage="new", to_stage="proposal")

    fill_stays(apps, None)

    filled = {row.pk: row.from_stage_entered_at for row in StageChange.objects.filter(deal=deal)}
    assert [filled[row.pk] for row in rows] == [None, moments[0], moments[1], moments[2]]
    assert StageChange.objects.get(deal=other).from_stage_entered_at is None  # nothing before it
