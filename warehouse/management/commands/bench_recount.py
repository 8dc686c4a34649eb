"""Measure «Пересчет» on the phone with a large shipment list: the page's server time (median
and 95th percentile), its bytes as sent (gzip) and uncompressed, the CSS and script it links,
the sync endpoint's time for a batch of ops, and SQL queries of each. Everything it seeds is
rolled back at the end: the database is left as it was.

    python manage.py bench_recount --lines 1000 --runs 20 --batch 50
    python manage.py bench_recount --browser --lines 1000 --runs 10

``--browser`` measures what the worker's phone sees instead: the site served by Django's live
server thread on the configured database, Debian's Chromium (Playwright) at 360×740 signed in as
the worker, and for each load of the page the time from the start of the navigation until the
first lines are drawn (``performance.now()`` read in the page as they appear) and the bytes
transferred (the page and every file it loads: the first load with an empty cache, then
reloads). The live server reads the database on a connection of its own, so this mode commits
what it seeds and deletes it at the end.
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
from django.test.utils import CaptureQueriesContext, override_settings
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
        parser.add_argument(
            "--browser", action="store_true", help="time the page in Chromium on a phone screen"
        )

    def handle(self, *args, lines: int, runs: int, batch: int, **options) -> None:
        if options["browser"]:
            # The task's notification e-mail is not what is measured (nor printed).
            with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
                self._browser(lines, runs)
            return
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

    def _browser(self, lines: int, runs: int) -> None:
        from django.contrib.staticfiles.handlers import StaticFilesHandler
        from django.test.testcases import LiveServerThread
        from playwright.sync_api import sync_playwright

        task, worker = seed(lines)
        password = uuid.uuid4().hex
        worker.set_password(password)
        worker.save(update_fields=["password"])
        server = LiveServerThread("localhost", StaticFilesHandler, connections_override={})
        server.daemon = True
        server.start()
        server.is_ready.wait()
        try:
            if server.error:
                raise server.error
            base = f"http://localhost:{server.port}"
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS
                )
                context = browser.new_context(
                    viewport={"width": 360, "height": 740}, locale="ru-RU"
                )
                page = context.new_page()
                page.goto(f"{base}/accounts/login/")
                page.fill("#id_username", worker.get_username())
                page.fill("#id_password", password)
                page.click("button[type=submit]")
                page.wait_for_load_state()
                url = f"{base}{reverse('warehouse:recount', args=[task.pk])}"
                loads = [_phone_load(page, url) for _ in range(runs + 1)]
                browser.close()
        finally:
            server.terminate()
            deal = task.deal
            company, users = deal.company, [worker, deal.responsible]
            deal.tasks.all().delete()  # a task keeps its stage change (PROTECT): tasks first
            deal.delete()
            company.delete()
            for user in users:
                user.delete()
        first, again = loads[0], loads[1:]
        times = [ms for ms, _bytes in again]
        self.stdout.write(f"recount page in Chromium at 360×740, {lines} lines")
        self.stdout.write(
            f"  first load    {first[0]:7.1f} ms to the lines drawn   {first[1]:>8} B transferred"
        )
        self.stdout.write(
            f"  {len(again)} reloads    median {statistics.median(times):7.1f} ms   "
            f"p95 {_percentile(times, 0.95):7.1f} ms   "
            f"{int(statistics.median(b for _ms, b in again)):>8} B transferred (median)"
        )


# The flags Debian's Chromium runs with here (no sandbox in a container, no background traffic).
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _phone_load(page, url: str) -> tuple[float, int]:
    """One navigation: ms from its start until the first line is in the page, read in the page
    itself, and the bytes it transferred (the document and every resource; cached ones: 0)."""
    page.goto(url, wait_until="commit")
    drawn = page.wait_for_function(
        "() => document.querySelector('.rc-line') && performance.now()", polling="raf"
    ).json_value()
    page.wait_for_load_state("load")
    transferred = page.evaluate(
        """() => performance.getEntriesByType('navigation')
            .concat(performance.getEntriesByType('resource'))
            .reduce((sum, entry) => sum + entry.transferSize, 0)"""
    )
    return float(drawn), int(transferred)
