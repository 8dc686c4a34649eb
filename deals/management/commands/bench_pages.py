"""Benchmark of the staff pages (not a test: it prints the figures to compare with the bars).

- The kanban board of a pipeline with 10,000 deals, as a manager (whose deals they are) and as
  the director sees it: its SQL query count (the same with few and with many deals), its
  server time (median and p95 over the runs) against a bare query that fetches the same
  same data, and the ratio (bar: within 3×). The bare query is ``board_floor`` run as raw
  SQL: the column counts and sums and the first cards of every column with their client,
  responsible and open tasks — what the page shows, without the page. The page and the bare
  query are timed in turn, run after run, so that the ratio does not depend on which of them
  met a busy spell of the machine.
- Every page on the demo data: p95 server time (bar: under 100 ms) and its query count.

By default it builds a throwaway test database (the demo data, then the 10,000 deals) and drops
it at the end; ``--use-current-db`` measures the configured database instead and adds the
deals there.
"""

from __future__ import annotations

import datetime
import logging
import statistics
import time
from collections.abc import Callable
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from deals.models import Company, Contact, Deal, Task
from deals.page_selectors import board_floor
from deals.pipelines import PIPELINES, get_pipeline
from deals.selectors import deal_visible_to

PAGE_BAR_MS = 100.0
RATIO_BAR = 3.0
# A manager sees their own deals, the director every deal: two different boards.
BOARD_ROLES = ("manager", "director")


def _timed(call: Callable[[], object], runs: int) -> list[float]:
    call()  # warm caches (templates, translations, connection)
    durations = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        durations.append((time.perf_counter() - start) * 1000)
    return durations


def _timed_pair(
    first: Callable[[], object], second: Callable[[], object], runs: int
) -> tuple[list[float], list[float]]:
    """Both calls timed in turn, run after run: a slower or busier spell of the machine falls
    on both, so their ratio holds where two separate series would drift apart."""
    first(), second()  # warm caches
    durations: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        for call, out in ((first, durations[0]), (second, durations[1])):
            start = time.perf_counter()
            call()
            out.append((time.perf_counter() - start) * 1000)
    return durations


def bare_board(deals, pipeline: str) -> Callable[[], None]:
    """The board's floor as a call: the SQL of what it shows (``board_floor``), run bare."""
    statements = board_floor(deals, get_pipeline(pipeline))

    def bare() -> None:
        with connection.cursor() as cursor:
            for sql, params in statements:
                cursor.execute(sql, params)
                cursor.fetchall()

    return bare


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


class BenchCommand(BaseCommand):
    """A benchmark run as production runs (no query log, no template instrumentation of the
    test runner, e-mails kept in memory) on a throwaway test database, or with
    ``--use-current-db`` on the configured one."""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--use-current-db",
            action="store_true",
            help="Measure the configured database (seeding the demo data and the deals into it).",
        )

    def handle(self, *args, **options) -> None:
        settings.DEBUG = False
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        # A line per sign-in and per request otherwise, among the figures.
        for name in ("axes", "fulfillment.requests"):
            logging.getLogger(name).setLevel(logging.WARNING)
        old_name = None
        if not options["use_current_db"]:
            old_name = connection.settings_dict["NAME"]
            connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
        try:
            self._run(options)
        finally:
            if old_name is not None:
                connection.creation.destroy_test_db(old_name, verbosity=0)

    def _run(self, options) -> None:
        raise NotImplementedError


class Command(BenchCommand):
    help = "Measure the staff pages: board queries and time with 10,000 deals, every page's p95."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--deals", type=int, default=10_000)
        parser.add_argument("--runs", type=int, default=60)
        parser.add_argument("--pipeline", default="calculation")

    def _run(self, options) -> None:
        from fulfillment.demo import seed_demo

        seed_demo()
        users = {u.username: u for u in get_user_model().objects.all()}
        self.stdout.write(f"Database: {connection.vendor}, runs per page: {options['runs']}")
        self._pages(users, options["runs"])
        self._board(users, options)

    # --- every page on the demo data ---------------------------------------------------------

    def _page_urls(self, users) -> list[tuple[str, str, str]]:
        manager = users["manager"]
        deal = deal_visible_to(manager).order_by("pk").first()
        company = Company.objects.order_by("pk").first()
        contact = Contact.objects.order_by("pk").first()
        urls = [("manager", "home", "/")]
        for code in PIPELINES:
            urls += [
                ("manager", f"board {code}", reverse("deals:board", args=[code])),
                ("manager", f"list {code}", reverse("deals:list", args=[code])),
                ("manager", f"new {code}", reverse("deals:new", args=[code])),
            ]
        urls += [
            ("manager", "deal card", reverse("deals:detail", args=[deal.pk])),
            ("manager", "stage menu", reverse("deals:moves", args=[deal.pk])),
            ("manager", "fail dialog", reverse("deals:move", args=[deal.pk, "fail"])),
            ("manager", "edit group", reverse("deals:edit", args=[deal.pk, 0])),
            ("manager", "companies", reverse("deals:companies")),
            ("manager", "company card", reverse("deals:company", args=[company.pk])),
            ("manager", "contact card", reverse("deals:contact", args=[contact.pk])),
            ("manager", "tasks", reverse("deals:tasks")),
            ("director", "board (director)", reverse("deals:board", args=["calculation"])),
            ("director", "approvals", reverse("deals:approvals")),
        ]
        return urls

    def _pages(self, users, runs: int) -> None:
        self.stdout.write("\nEvery page on the demo data (server time, ms):")
        self.stdout.write(f"  {'page':<24} {'queries':>7} {'median':>8} {'p95':>8}")
        clients = {}
        worst = 0.0
        for role, name, url in self._page_urls(users):
            client = clients.get(role)
            if client is None:
                client = clients[role] = Client()
                client.force_login(users[role])
            with CaptureQueriesContext(connection) as captured:
                status = client.get(url).status_code
            queries = len(captured)  # now: the log is cleared by the next request
            assert status in (200, 302), f"{url}: {status}"
            durations = _timed(lambda c=client, u=url: c.get(u), runs)
            worst = max(worst, _p95(durations))
            self.stdout.write(
                f"  {name:<24} {queries:>7} {statistics.median(durations):>8.1f} "
                f"{_p95(durations):>8.1f}"
            )
        verdict = "OK" if worst < PAGE_BAR_MS else "ABOVE THE BAR"
        self.stdout.write(f"  worst p95: {worst:.1f} ms (bar {PAGE_BAR_MS:.0f} ms): {verdict}")

    # --- the board with many deals ------------------------------------------------------------

    def _add_deals(self, manager, pipeline: str, count: int) -> None:
        spec = get_pipeline(pipeline)
        company = Company.objects.order_by("pk").first()
        now = timezone.now()
        Deal.objects.bulk_create(
            (
                Deal(
                    pipeline=pipeline,
                    stage=spec.stages[i % len(spec.stages)].code,
                    title=f"Нагрузка {i}",
                    company=company,
                    responsible=manager,
                    amount=Decimal(1000 + i),
                    stage_entered_at=now - datetime.timedelta(minutes=i),
                )
                for i in range(count)
            ),
            batch_size=1000,
        )
        if connection.vendor == "postgresql":
            # Statistics as autovacuum keeps them in production; without them the plans
            # depend on whether its first pass over the new rows has run yet.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE deals_deal")

    def _board(self, users, options) -> None:
        pipeline, runs = options["pipeline"], options["runs"]
        url = reverse("deals:board", args=[pipeline])
        clients = {role: Client() for role in BOARD_ROLES}
        for role, client in clients.items():
            client.force_login(users[role])

        def board_queries() -> dict[str, int]:
            counts = {}
            for role, client in clients.items():
                client.get(url)  # the cache holds what it keeps (the responsible choices)
                with CaptureQueriesContext(connection) as queries:
                    assert client.get(url).status_code == 200
                counts[role] = len(queries)
            return counts

        before = Deal.objects.filter(pipeline=pipeline).count()
        few = board_queries()
        self._add_deals(users["manager"], pipeline, options["deals"])
        total = Deal.objects.filter(pipeline=pipeline).count()
        many = board_queries()
        self.stdout.write(f"\nKanban board of «{pipeline}» (server time, ms):")
        for role in BOARD_ROLES:
            self.stdout.write(
                f"  {role}: SQL queries {few[role]} with {before} deals, "
                f"{many[role]} with {total} deals"
            )
        ratios = [
            self._board_against_bare(users[role], clients[role], url, pipeline, runs)
            for role in BOARD_ROLES
        ]
        verdict = "OK" if max(ratios) <= RATIO_BAR and few == many else "ABOVE THE BAR"
        self.stdout.write(
            f"  worst ratio: {max(ratios):.2f}× (bar {RATIO_BAR:.0f}×, and as many queries "
            f"for many deals as for few): {verdict}"
        )
        open_tasks = Task.objects.filter(status__in=Task.OPEN_STATUSES).count()
        self.stdout.write(f"  (open tasks in the database: {open_tasks})")

    def _board_against_bare(
        self, user, client: Client, url: str, pipeline: str, runs: int
    ) -> float:
        """The board as ``user`` sees it against the bare query of the cards it shows."""
        bare = bare_board(deal_visible_to(user).filter(pipeline=pipeline), pipeline)
        page, floor = _timed_pair(lambda: client.get(url), bare, runs)
        ratio = statistics.median(page) / statistics.median(floor)
        self.stdout.write(
            f"  {user.username}: board median {statistics.median(page):.1f}, "
            f"p95 {_p95(page):.1f}; bare query median {statistics.median(floor):.1f}, "
            f"p95 {_p95(floor):.1f}; ratio {ratio:.2f}×"
        )
        return ratio
