"""Benchmark of the pages as the data grows (not a test: it prints the figures to compare with
the bars). It seeds the demo data, then grows the database step by step — 1,000, 10,000,
100,000 deals by default — with a spread like a company's years of work: a company for every
ten deals (1,000 at least), ten managers, most deals closed, each deal with its stage history,
and open approvals and warehouse tasks in proportion to the open deals of their stages.

At every size it measures each page and list endpoint as its user sees it — median and p95
server time, SQL queries, bytes — and the board's bare query (its floor); at the end it prints
each page's growth from the smallest size to the largest, against the bars: growth ≤ 1.5×,
p95 under 100 ms at the largest size, the board within 3× of its floor.

By default it builds a throwaway test database and drops it at the end; ``--use-current-db``
grows the configured database instead.
"""

from __future__ import annotations

import datetime
import random
import statistics
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import quote

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import CommandParser
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from deals.management.commands.bench_pages import (
    BenchCommand,
    _p95,
    _timed,
    _timed_pair,
    bare_board,
)
from deals.models import Company, Contact, Deal, StageChange, Task
from deals.pipelines import PIPELINES
from deals.pipelines.base import StageKind
from deals.selectors import deal_visible_to
from fulfillment.roles import Role

GROWTH_BAR = 1.5
PAGE_BAR_MS = 100.0
FLOOR_BAR = 3.0
MANAGERS = 10
# How a fulfillment company's requests split between the pipelines.
PIPELINE_SHARE = {
    "calculation": 0.35,
    "acceptance": 0.25,
    "processing": 0.15,
    "shipment": 0.2,
    "contract": 0.05,
}
OPEN_SHARE = 0.12  # the rest is history: won or lost
WAREHOUSE_STAGE = "to_warehouse"
APPROVAL_STAGE = "director_approval"


def bench_managers() -> list:
    """The benchmark's managers besides the demo's (the same ones on every run)."""
    group = Group.objects.get(name=str(Role.MANAGER))
    managers = []
    for number in range(1, MANAGERS):
        user, _created = get_user_model().objects.get_or_create(
            username=f"bench-manager-{number}",
            defaults={"first_name": "Менеджер", "last_name": f"Нагрузочный {number}"},
        )
        user.groups.add(group)
        managers.append(user)
    return managers


@dataclass
class Measure:
    median: float
    p95: float
    queries: int
    size: int
    floor: float | None = None


@dataclass
class Grower:
    """Adds deals (and their companies, contacts, history and open tasks) up to a size."""

    managers: list
    rng: random.Random = field(default_factory=lambda: random.Random(2026))
    added: int = 0

    def grow_to(self, total: int) -> None:
        count = total - Deal.objects.count()
        if count <= 0:
            return
        companies = self._companies(max(1000, total // 10) - Company.objects.count())
        companies = companies or list(Company.objects.only("pk")[:1000])
        contacts = dict(Contact.objects.values_list("company_id", "pk"))
        for batch in _batches(range(count), 2000):
            self._deals(len(batch), companies, contacts)
        if connection.vendor == "sqlite":
            # The embedded database gathers its statistics as a connection closes (after every
            # request in production; the test client keeps this one open).
            connection.close()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # Statistics and the visibility map (index-only scans), as autovacuum keeps
                # them in production.
                cursor.execute("VACUUM ANALYZE")

    def _companies(self, count: int) -> list[Company]:
        if count <= 0:
            return list(Company.objects.only("pk").order_by("?")[:2000])
        start = Company.objects.count()
        companies = Company.objects.bulk_create(
            Company(name=f"ООО «Клиент {start + i}»") for i in range(count)
        )
        Contact.objects.bulk_create(
            Contact(company=c, name=f"Контакт {c.pk}", phone=f"+7916{c.pk:07d}") for c in companies
        )
        return companies

    def _deals(self, count: int, companies: list[Company], contacts: dict[int, int]) -> None:
        now = timezone.now()
        deals, entries = [], []
        for _ in range(count):
            self.added += 1
            pipeline = self.rng.choices(list(PIPELINE_SHARE), list(PIPELINE_SHARE.values()))[0]
            spec = PIPELINES[pipeline]
            if self.rng.random() < OPEN_SHARE:
                stages = [s for s in spec.stages if s.kind == StageKind.OPEN]
            else:
                stages = [s for s in spec.stages if s.kind != StageKind.OPEN]
            stage = self.rng.choice(stages)
            created = now - datetime.timedelta(minutes=self.rng.randrange(5 * 365 * 24 * 60))
            entered = created + (now - created) * self.rng.random()
            company = self.rng.choice(companies)
            deals.append(
                Deal(
                    pipeline=pipeline,
                    stage=stage.code,
                    title=f"{company.pk}: заявка {self.added}",
                    company_id=company.pk,
                    contact_id=contacts.get(company.pk),
                    responsible=self.rng.choice(self.managers),
                    amount=Decimal(self.rng.randrange(10_000, 2_000_000)),
                    created_at=created,
                    stage_entered_at=entered,
                    closed_at=entered if stage.kind != StageKind.OPEN else None,
                )
            )
        deals = Deal.objects.bulk_create(deals)
        for deal in deals:
            entries.append(
                StageChange(
                    deal=deal,
                    pipeline=deal.pipeline,
                    transition="create",
                    to_stage="new",
                    created_at=deal.created_at,
                )
            )
            if deal.stage != "new":
                entries.append(
                    StageChange(
                        deal=deal,
                        pipeline=deal.pipeline,
                        transition="bench",
                        from_stage="new",
                        to_stage=deal.stage,
                        created_at=deal.stage_entered_at,
                        from_stage_entered_at=deal.created_at,
                    )
                )
        entries = StageChange.objects.bulk_create(entries)
        Task.objects.bulk_create(self._tasks(deals, entries))

    def _tasks(self, deals: list[Deal], entries: list[StageChange]) -> Iterator[Task]:
        """The open task of every deal standing where the automation made one."""
        by_deal = {e.deal_id: e for e in entries}  # the last entry: into the current stage
        for deal in deals:
            kind = {
                APPROVAL_STAGE: Task.Kind.APPROVAL,
                WAREHOUSE_STAGE: Task.Kind.WAREHOUSE,
            }.get(deal.stage)
            if kind is None or deal.closed_at:
                continue
            yield Task(
                kind=kind,
                deal=deal,
                stage_change=by_deal[deal.pk],
                stage=deal.stage,
                title=f"Задача по сделке {deal.pk}",
                queue=str(Role.WAREHOUSE) if kind == Task.Kind.WAREHOUSE else "",
                created_at=deal.stage_entered_at,
            )


def _batches(items, size: int) -> Iterator[list]:
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Command(BenchCommand):
    help = "Measure every page at 1,000, 10,000 and 100,000 deals and print how each grows."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--sizes", default="1000,10000,100000", help="deal counts, comma-separated"
        )
        parser.add_argument("--runs", type=int, default=30)

    def _run(self, options) -> None:
        from fulfillment.demo import seed_demo

        seed_demo()
        users = {u.username: u for u in get_user_model().objects.all()}
        grower = Grower(managers=[users["manager"], *bench_managers()])
        sizes = [int(s) for s in options["sizes"].split(",")]
        results: dict[str, dict[int, Measure]] = {}
        self.stdout.write(f"Database: {connection.vendor}; runs per page: {options['runs']}")
        for size in sizes:
            grower.grow_to(size)
            self.stdout.write(
                f"\n{Deal.objects.count():,} deals, {Company.objects.count():,} companies, "
                f"{StageChange.objects.count():,} history rows, "
                f"{Task.objects.filter(status__in=Task.OPEN_STATUSES).count():,} open tasks"
            )
            self.stdout.write(
                f"  {'page':<34} {'median':>7} {'p95':>7} {'queries':>7} {'KB':>7} {'floor':>7}"
            )
            for name, measure in self._measure(users, options["runs"]):
                results.setdefault(name, {})[size] = measure
                floor = f"{measure.floor:>7.1f}" if measure.floor is not None else f"{'':>7}"
                self.stdout.write(
                    f"  {name:<34} {measure.median:>7.1f} {measure.p95:>7.1f} "
                    f"{measure.queries:>7} {measure.size / 1024:>7.1f} {floor}"
                )
        self._summary(results, sizes[0], sizes[-1])

    # --- measuring ----------------------------------------------------------------------------

    def _pages(self, users) -> list[tuple[str, str, str]]:
        manager = users["manager"]
        # The searches a manager types: one client's name, one request's words.
        deal = deal_visible_to(manager).filter(closed_at__isnull=True).order_by("-pk").first()
        company = deal.company
        task = (
            Task.objects.filter(kind=Task.Kind.WAREHOUSE, status=Task.Status.NEW)
            .order_by("-pk")
            .first()
        )
        pages = [
            (
                "manager",
                "board calculation (manager)",
                reverse("deals:board", args=["calculation"]),
            ),
            (
                "director",
                "board calculation (director)",
                reverse("deals:board", args=["calculation"]),
            ),
            ("manager", "board acceptance (manager)", reverse("deals:board", args=["acceptance"])),
            ("manager", "list calculation", reverse("deals:list", args=["calculation"])),
            (
                "manager",
                "list ?stage=new",
                reverse("deals:list", args=["calculation"]) + "?stage=new",
            ),
            (
                "manager",
                "list ?client=…",
                reverse("deals:list", args=["calculation"]) + f"?client={quote(company.name)}",
            ),
            (
                "manager",
                "list ?q=…",
                reverse("deals:list", args=["calculation"])
                + f"?q={quote(deal.title.split(': ')[-1])}",
            ),
            ("director", "list (director)", reverse("deals:list", args=["acceptance"])),
            ("manager", "API deals", "/api/deals/"),
            ("manager", "API deals ?pipeline=", "/api/deals/?pipeline=shipment"),
            ("director", "API deals (director)", "/api/deals/"),
            ("manager", "deal card", reverse("deals:detail", args=[deal.pk])),
            ("manager", "company card", reverse("deals:company", args=[company.pk])),
            ("manager", "companies", reverse("deals:companies")),
            ("manager", "tasks", reverse("deals:tasks")),
            ("director", "approvals inbox", reverse("deals:approvals")),
            ("warehouse", "warehouse tasks", reverse("warehouse:tasks")),
        ]
        if task is not None:
            pages.append(("warehouse", "warehouse task", reverse("warehouse:task", args=[task.pk])))
        return pages

    def _measure(self, users, runs: int) -> Iterator[tuple[str, Measure]]:
        clients: dict[str, Client] = {}
        for role, name, url in self._pages(users):
            client = clients.get(role)
            if client is None:
                client = clients[role] = Client()
                client.force_login(users[role])
            client.get(url)  # the caches fill
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url)
            queries = len(captured)  # now: the next request clears the log
            assert response.status_code == 200, f"{url}: {response.status_code}"
            floor = None
            if name.startswith("board calculation"):
                durations, floors = _timed_pair(
                    lambda c=client, u=url: c.get(u),
                    bare_board(
                        deal_visible_to(users[role]).filter(pipeline="calculation"), "calculation"
                    ),
                    runs,
                )
                floor = statistics.median(floors)
            else:
                durations = _timed(lambda c=client, u=url: c.get(u), runs)
            yield (
                name,
                Measure(
                    statistics.median(durations),
                    _p95(durations),
                    queries,
                    len(response.content),
                    floor,
                ),
            )

    def _summary(self, results: dict[str, dict[int, Measure]], small: int, large: int) -> None:
        self.stdout.write(f"\nGrowth from {small:,} to {large:,} deals (median):")
        failures = []
        for name, by_size in results.items():
            first, last = by_size[small], by_size[large]
            growth = last.median / first.median
            notes = []
            if growth > GROWTH_BAR:
                # A page that shows more rows at the larger size (a column or list page that
                # was not full yet) grows with what it shows, not only with the data.
                heavier = last.size / first.size
                shown = f", page {heavier:.1f}× heavier" if heavier > GROWTH_BAR else ""
                notes.append(f"grows over {GROWTH_BAR}×{shown}")
            if last.p95 >= PAGE_BAR_MS:
                notes.append(f"p95 over {PAGE_BAR_MS:.0f} ms")
            if last.floor and last.median / last.floor > FLOOR_BAR:
                notes.append(f"over {FLOOR_BAR:.0f}× its floor")
            failures += [f"{name}: {note}" for note in notes]
            floor = f", {last.median / last.floor:.1f}× floor" if last.floor else ""
            self.stdout.write(
                f"  {name:<34} {first.median:>6.1f} → {last.median:>6.1f} ms "
                f"({growth:.2f}×{floor}) {'; '.join(notes) or 'OK'}"
            )
        self.stdout.write(
            "All within the bars." if not failures else f"{len(failures)} above the bars."
        )
