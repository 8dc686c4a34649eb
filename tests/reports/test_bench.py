"""``bench_reports`` seeds a history with its spread and times every report on it."""

from __future__ import annotations

import itertools

from django.core.management import call_command

from deals.models import Deal, StageChange, Task
from warehouse.models import WorkSession


def test_it_seeds_a_consistent_history_and_times_every_report(db, capsys):
    call_command("bench_reports", deals=300, changes=3000, runs=1, use_current_db=True)

    out = capsys.readouterr().out
    assert Deal.objects.count() == 300
    assert 2000 < StageChange.objects.count() < 4000  # about ten per deal
    rows = list(StageChange.objects.order_by("deal", "created_at", "pk"))
    for before, after in itertools.pairwise(rows):
        if after.deal_id == before.deal_id:  # each stay starts where the last move ended
            assert (after.from_stage, after.from_stage_entered_at) == (
                before.to_stage,
                before.created_at,
            )
    assert Task.objects.filter(kind="approval", status="returned").exists()
    assert WorkSession.objects.filter(task__status="done").exists()
    table = out[out.index("report ") :].splitlines()[1:-1]
    assert len(table) == 12
    assert {int(line.split()[-1]) for line in table} == {2, 3, 5, 6}
    assert "Slowest p95" in out
