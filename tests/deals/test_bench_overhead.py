"""``bench_overhead`` times an empty signed-in page and a guarded move against their floors."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from deals.models import StageChange
from tests.factories import ensure_reference_data


# The demo data it starts from runs the automation on commit, as seed_demo does.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_prints_each_cost_beside_its_floor(capsys):
    ensure_reference_data()
    call_command("bench_overhead", runs=3, use_current_db=True)

    out = capsys.readouterr().out
    rows = {
        line.split("  ")[1].strip(): line.split()[-3:]
        for line in out.splitlines()[2:]
        if line.startswith("  ") and "over its floor" not in line
    }
    assert set(rows) == {"empty signed-in page", "SELECT 1", "guarded move", "UPDATE + INSERT"}
    assert rows["SELECT 1"][2] == "1"
    assert rows["UPDATE + INSERT"][2] == "4"  # savepoint, update, insert, release
    assert int(rows["guarded move"][2]) > 4
    assert out.count("over its floor") == 2
    # Every measured move, guarded or bare, left its history row.
    assert StageChange.objects.filter(to_stage="proposal", transition="to_proposal").count() >= 8
