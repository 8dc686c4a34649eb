"""The bar: every warehouse page a phone loads is under 60 KB (HTML + CSS + JS), with a page
full of tasks, comments and notifications."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from fulfillment.models import Notification
from warehouse import services
from warehouse.management.commands.bench_warehouse import (
    PAGE_BUDGET,
    page_weight,
    warehouse_pages,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy_worker(worker, make_task, manager, client):
    tasks = [make_task(responsible=manager) for _ in range(30)]
    services.work_start(task=tasks[0], worker=worker)
    client.force_login(worker)
    for number in range(30):
        client.post(
            reverse("warehouse:task-comment", args=[tasks[-1].pk]),
            {"text": f"Комментарий номер {number}: коробка пришла мятая, пересчитали вручную."},
        )
    Notification.objects.bulk_create(
        Notification(recipient=worker, event="t", text="Новая задача складу: " + "x" * 200)
        for _ in range(60)
    )
    return worker


def test_every_warehouse_page_is_under_60_kb(client, busy_worker):
    pages = warehouse_pages(busy_worker)
    weights = [page_weight(client, url) for url in pages]
    assert [w.status for w in weights] == [200] * len(pages)
    assert max(w.total for w in weights) < PAGE_BUDGET, weights


def test_the_report_is_a_staff_page_with_a_light_table(client, director, busy_worker):
    # Only sales roles read the time report, at their desks, in the CRM's layout (whose shared
    # CSS and scripts are cached across its pages); the report's own HTML stays light.
    client.force_login(director)
    weight = page_weight(client, reverse("warehouse:report"))
    assert weight.status == 200 and weight.html < PAGE_BUDGET // 4


def test_bench_command_prints_each_page(busy_worker, capsys):
    call_command("bench_warehouse", user=busy_worker.username)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["page", "status", "html", "css+js", "total", "SQL"]
    assert len(lines) == 1 + 5 and all(" 200 " in line for line in lines[1:])
    assert "OVER" not in "".join(lines)
