"""``bench_recount --browser``: the phone page of a long list timed in Chromium, and nothing of
what it seeded left behind."""

from __future__ import annotations

import io
import re
import threading

import pytest
from django.core.management import call_command
from django.db import connection

from deals.models import Company, Deal

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_the_browser_bench_prints_the_load_and_cleans_up():
    deals, companies = Deal.objects.count(), Company.objects.count()
    printed, failed = io.StringIO(), []

    def bench() -> None:
        # A thread of its own: the browser tests' Playwright keeps an event loop in this one,
        # where the command's synchronous Playwright refuses to start.
        try:
            call_command("bench_recount", browser=True, lines=30, runs=2, stdout=printed)
        except Exception as error:  # reported below, in the test's thread
            failed.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=bench)
    thread.start()
    thread.join(timeout=120)
    assert not thread.is_alive() and failed == []
    out = printed.getvalue()
    assert "recount page in Chromium at 360×740, 30 lines" in out
    first = re.search(r"first load\s+([\d.]+) ms to the lines drawn\s+(\d+) B transferred", out)
    assert first and float(first[1]) > 0 and int(first[2]) > 1000
    assert re.search(r"2 reloads\s+median\s+[\d.]+ ms", out)
    assert (Deal.objects.count(), Company.objects.count()) == (deals, companies)
