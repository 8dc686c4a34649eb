"""``bench_recount --browser``: the phone page of a long list timed in Chromium, and nothing of
what it seeded left behind."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

from deals.models import Company, Deal

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_the_browser_bench_prints_the_load_and_cleans_up(capsys):
    deals, companies = Deal.objects.count(), Company.objects.count()

    call_command("bench_recount", browser=True, lines=30, runs=2)

    out = capsys.readouterr().out
    assert "recount page in Chromium at 360×740, 30 lines" in out
    first = re.search(r"first load\s+([\d.]+) ms to the lines drawn\s+(\d+) B transferred", out)
    assert first and float(first[1]) > 0 and int(first[2]) > 1000
    assert re.search(r"2 reloads\s+median\s+[\d.]+ ms", out)
    assert (Deal.objects.count(), Company.objects.count()) == (deals, companies)
