"""``bench_growth`` grows the data with its spread and measures every page at every size."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from deals.models import Company, Deal, StageChange, Task
from tests.factories import ensure_reference_data


# The demo data it starts from runs the automation on commit, as seed_demo does.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_grows_the_data_and_prints_every_page_at_every_size(capsys):
    ensure_reference_data()
    call_command("bench_growth", sizes="300,600", runs=1, use_current_db=True)

    out = capsys.readouterr().out
    assert Deal.objects.count() == 600
    assert Company.objects.count() >= 1000
    # Every deal has its creation in the history, the moved ones their move too.
    assert StageChange.objects.filter(transition="create").count() >= 600
    opened = Deal.objects.filter(closed_at__isnull=True, stage="director_approval")
    assert Task.objects.filter(kind="approval", deal__in=opened).count() == opened.count() > 0
    growth = out[out.index("Growth from 300 to 600 deals") :].splitlines()[1:-1]
    assert len(growth) == 18
    assert all("→" in line for line in growth)
    assert out.count("board calculation (manager)") == 3  # two sizes and the summary
    header = out.splitlines().index(next(x for x in out.splitlines() if "queries" in x))
    rows = out.splitlines()[header + 1 : header + 19]
    # Each page: its median, p95, SQL queries (a signed-in page makes some) and kilobytes.
    assert all(int(row[34:].split()[2]) > 0 for row in rows), rows
