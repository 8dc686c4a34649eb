"""Measure «Пересчет» on the phone with a large shipment list: the page's server time (median
and 95th percentile), its bytes as sent (gzip) and uncompressed, the CSS and script it links,
the sync endpoint's time for a batch of ops, and SQL queries of each. Everything it seeds is
rolled back at the end: the database is left as it was.

    python manage.py bench_recount --lines 1000 --runs 20 --batch 50
"""

from __future__ import annotations

import gzip
import io
import json
import statistics
import time
import uuid

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from deals.models import PIPELINE_MODELS, Company, Deal, StageChange, Task
from fulfillment.roles import Role
from warehouse import recount, services
from warehouse.management.commands.bench_warehouse import PAGE_BUDGET, asset_bytes


class _Rollback(Exception):
    pass


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _shipment_list(lines: int) -> SimpleUploadedFile:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["Баркод", "Артикул продавца", "Наименование", "Количество"])
    for n in range(1, lines + 1):
        workbook.active.append(
            [f"46{n:011d}", f"ART-{n:05d}", f"Футболка хлопковая, размер {n % 7 + 40}", 12]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("list.xlsx", buffer.getvalue())


def _user(role: Role, name: str):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    user = get_user_model().objects.create_user(username=f"bench-{name}-{uuid.uuid4().hex[:6]}")
    user.groups.add(Group.objects.get_or_create(name=str(role))[0])
    return user


def seed(lines: int) -> tuple[Task, object]:
    """An acceptance in «Направить заявку на склад» with its task started by a worker."""
    manager, worker = _user(Role.MANAGER, "manager"), _user(Role.WAREHOUSE, "worker")
    company = Company.objects.create(name="ООО «Бенчмарк»")
    deal = PIPELINE_MODELS["acceptance"](
        pipeline="acceptance",
        stage="to_warehouse",
        title="Бенчмарк пересчета",
        responsible=manager,
        company=company,
        boxes=50,
        units=lines * 12,
    )
    deal.save()
    change = StageChange.objects.create(
        deal=deal, transition="to_to_warehouse", from_stage="new", to_stage="to_warehouse"
    )
    task, _created = services.warehouse_task_create(
        deal=Deal.objects.get(pk=deal.pk), change=change
    )
    recount.shipment_list_load(deal=deal, upload=_shipment_list(lines), actor=manager)
    services.work_start(task=task, worker=worker)
    return task, worker


class Command(BaseCommand):
    help = "Time «Пересчет» with a large shipment list (page and sync); rolls back what it seeds."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--lines", type=int, default=1000)
        parser.add_argument("--runs", type=int, default=20)
        parser.add_argument("--batch", type=int, default=50)

    def handle(self, *args, lines: int, runs: int, batch: int, **options) -> None:
        try:
            with transaction.atomic():
                self._bench(lines, runs, batch)
                raise _Rollback
        except _Rollback:
            pass

    def _bench(self, lines: int, runs: int, batch: int) -> None:
        task, worker = seed(lines)
        client = Client(HTTP_HOST=settings.ALLOWED_HOSTS[0] if settings.ALLOWED_HOSTS else "")
        client.force_login(worker)
        url = reverse("warehouse:recount", args=[task.pk])

        client.get(url, HTTP_ACCEPT_ENCODING="gzip")  # warm-up: templates compiled, not timed
        times, sent = [], 0
        for _ in range(runs):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
                times.append((time.perf_counter() - started) * 1000)
            sent = len(response.content)
        page_queries = len(queries)
        html = (
            gzip.decompress(response.content)
            if response.get("Content-Encoding")
            else response.content
        )
        assets = asset_bytes(html.decode())
        self.stdout.write(f"recount page, {lines} lines, {runs} runs")
        self.stdout.write(
            f"  server time   median {statistics.median(times):7.1f} ms   "
            f"p95 {_percentile(times, 0.95):7.1f} ms   SQL {page_queries}"
        )
        self.stdout.write(
            f"  html          {len(html):>8} B uncompressed   {sent:>8} B sent (gzip)"
        )
        flag = "" if sent + assets < PAGE_BUDGET else "  OVER 60 KB"
        self.stdout.write(
            f"  css+js        {assets:>8} B (cached after the first page)   "
            f"first load {sent + assets} B{flag}"
        )

        ids = list(task.deal.recount_lines.values_list("pk", flat=True)[:batch])
        sync = reverse("warehouse:recount-sync", args=[task.pk])
        times = []
        for _ in range(runs):
            ops = [
                {"op": str(uuid.uuid4()), "kind": "add", "line": pk, "field": "counted", "delta": 1}
                for pk in ids
            ]
            body = json.dumps({"ops": ops, "since": 0})
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.post(sync, body, content_type="application/json")
                times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.content
        self.stdout.write(f"sync, {len(ids)} ops a batch, {runs} runs")
        self.stdout.write(
            f"  server time   median {statistics.median(times):7.1f} ms   "
            f"p95 {_percentile(times, 0.95):7.1f} ms   SQL {len(queries)}"
        )
        # The same batch again: every op is known, nothing changes.
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            client.post(sync, body, content_type="application/json")
            again = (time.perf_counter() - started) * 1000
        counted = sum(task.deal.recount_lines.values_list("counted", flat=True))
        self.stdout.write(
            f"  resent batch  {again:7.1f} ms   SQL {len(queries)}   "
            f"counted total {counted} (= {runs} × {len(ids)})"
        )
