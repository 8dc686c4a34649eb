"""Time every analytics report on a large history: 100,000 deals with 1,000,000 stage changes
by default, their approval and warehouse tasks and work sessions, over three years.

    manage.py bench_reports                       # a throwaway test database
    manage.py bench_reports --use-current-db      # the configured one (seeded if smaller)

It prints each report's median and 95th percentile over ``--runs`` and its number of
queries. The target (issue «director's analytics»): under 300 ms per report on PostgreSQL.
"""

from __future__ import annotations

import datetime
import random
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterator
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import CommandParser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from deals.management.commands.bench_growth import OPEN_SHARE, PIPELINE_SHARE
from deals.management.commands.bench_pages import BenchCommand
from deals.models import Company, Deal, StageChange, Task
from deals.pipelines import PIPELINES
from fulfillment.roles import Role, user_roles
from reports import analytics
from reports.analytics import Scope
from reports.forms import default_period
from warehouse.models import WorkSession

BAR_MS = 300.0
YEARS = 3
MANAGERS, WORKERS, COMPANIES = 20, 10, 1000
WON_SHARE = 0.6
BATCH = 2000


class Seeder:
    """Deals with a realistic path through their pipeline: forward moves, returns, a loss or
    a win, ``per_deal`` history rows on average, and the tasks their stages create."""

    def __init__(self, per_deal: float, seed: int = 2026) -> None:
        self.rng = random.Random(seed)
        self.per_deal = per_deal
        self.now = timezone.now()
        self.managers = self._people(Role.MANAGER, "bench-manager", MANAGERS)
        self.workers = self._people(Role.WAREHOUSE, "bench-worker", WORKERS)
        self.director = self._people(Role.DIRECTOR, "bench-director", 1)[0]
        existing = list(Company.objects.values_list("pk", flat=True)[:COMPANIES])
        missing = COMPANIES - len(existing)
        created = Company.objects.bulk_create(
            Company(name=f"ООО «Аналитика {i}»") for i in range(missing)
        )
        self.companies = existing + [c.pk for c in created]

    def _people(self, role: Role, prefix: str, count: int) -> list:
        group = Group.objects.get(name=str(role))
        people = []
        for index in range(count):
            user, created = get_user_model().objects.get_or_create(
                username=f"{prefix}-{index}",
                defaults={"first_name": prefix.split("-")[1].title(), "last_name": str(index)},
            )
            if created:
                user.groups.add(group)
            people.append(user)
        return people

    def seed(self, deals: int) -> None:
        for start in range(0, deals, BATCH):
            self._batch(min(BATCH, deals - start))

    def _path(self, spec) -> list[str]:
        """The stages a deal went through, its creation first."""
        rng = self.rng
        stages = [s.code for s in spec.open_stages]
        fate = rng.random()
        if fate < OPEN_SHARE:
            last, end = rng.randrange(len(stages)), None
        elif fate < OPEN_SHARE + WON_SHARE:
            last, end = len(stages) - 1, spec.success_stage.code
        else:
            last, end = rng.randrange(len(stages)), spec.failure_stage.code
        forward = stages[: last + 1] + ([end] if end else [])
        returns = max(0, round((self.per_deal - len(forward)) / 2 + rng.uniform(-1, 1)))
        # Returns to the stage before and forward again, spread over the stages that have one.
        pairs = Counter(rng.randint(1, last) for _ in range(returns if last else 0))
        path = [forward[0]]
        for index, code in enumerate(forward[1:], start=1):
            path.append(code)
            path += [forward[index - 1], code] * pairs[index]
        return path

    def _batch(self, count: int) -> None:
        rng, span = self.rng, datetime.timedelta(days=365 * YEARS)
        deals, paths = [], []
        for _ in range(count):
            pipeline = rng.choices(list(PIPELINE_SHARE), list(PIPELINE_SHARE.values()))[0]
            spec = PIPELINES[pipeline]
            path = self._path(spec)
            created = self.now - span * rng.random()
            steps = [rng.expovariate(1 / 40) for _ in path[1:]]  # hours, 40 on average
            room = (self.now - created).total_seconds() / 3600
            scale = min(1.0, room / (sum(steps) or 1))
            moments, moment = [created], created
            for hours in steps:
                moment += datetime.timedelta(hours=hours * scale)
                moments.append(moment)
            closed = path[-1] in (spec.success_stage.code, spec.failure_stage.code)
            deals.append(
                Deal(
                    pipeline=pipeline,
                    stage=path[-1],
                    title=f"Аналитика {rng.randrange(10**6)}",
                    company_id=rng.choice(self.companies),
                    responsible=rng.choice(self.managers),
                    amount=Decimal(rng.randrange(10_000, 2_000_000)),
                    accepted_units=rng.randrange(100, 5000) if pipeline == "acceptance" else None,
                    created_at=created,
                    stage_entered_at=moments[-1],
                    closed_at=moments[-1] if closed else None,
                )
            )
            paths.append(list(zip(path, moments, strict=True)))
        deals = Deal.objects.bulk_create(deals)
        changes = []
        for deal, path in zip(deals, paths, strict=True):
            previous = None
            for code, moment in path:
                changes.append(
                    StageChange(
                        deal=deal,
                        pipeline=deal.pipeline,
                        transition="bench" if previous else "create",
                        from_stage=previous[0] if previous else "",
                        to_stage=code,
                        created_at=moment,
                        from_stage_entered_at=previous[1] if previous else None,
                    )
                )
                previous = (code, moment)
        changes = StageChange.objects.bulk_create(changes)
        tasks = Task.objects.bulk_create(self._tasks(deals, changes))
        WorkSession.objects.bulk_create(self._sessions(tasks))

    def _tasks(self, deals: list[Deal], changes: list[StageChange]) -> list[Task]:
        """An approval on every entry into «Согласовать КП с ГД», a warehouse task on every
        entry into «Направить заявку на склад», decided or done when the deal left the stage."""
        by_deal: dict[int, list[StageChange]] = {}
        for change in changes:
            by_deal.setdefault(change.deal_id, []).append(change)
        tasks = []
        for deal in deals:
            rows = by_deal[deal.pk]
            for change, after in zip(rows, [*rows[1:], None], strict=True):
                if change.to_stage == "director_approval":
                    kind, status = Task.Kind.APPROVAL, Task.Status.NEW
                    if after is not None:
                        back = after.to_stage == "proposal"
                        status = Task.Status.RETURNED if back else Task.Status.DONE
                elif change.to_stage == "to_warehouse":
                    kind = Task.Kind.WAREHOUSE
                    status = Task.Status.DONE if after is not None else Task.Status.NEW
                else:
                    continue
                task = Task(
                    deal=deal,
                    stage_change=change,
                    kind=kind,
                    stage=change.to_stage,
                    title="bench",
                    status=status,
                    created_at=change.created_at,
                    completed_at=after.created_at if after is not None else None,
                    completed_by=self.director
                    if kind == Task.Kind.APPROVAL
                    else self.rng.choice(self.workers),
                )
                tasks.append(task)
        return tasks

    def _sessions(self, tasks: list[Task]) -> list[WorkSession]:
        """The worker's time on each warehouse task done: half an hour to four hours."""
        sessions = []
        for task in tasks:
            if task.kind == Task.Kind.WAREHOUSE and task.completed_at is not None:
                worked = datetime.timedelta(minutes=self.rng.randrange(30, 240))
                start = max(task.created_at, task.completed_at - worked)
                sessions.append(
                    WorkSession(
                        task=task,
                        worker=task.completed_by,
                        started_at=start,
                        stopped_at=task.completed_at,
                    )
                )
        return sessions


def _timed(run: Callable[[], object], runs: int) -> tuple[float, float, int]:
    """Median and 95th percentile in ms over ``runs`` calls, and the queries of one call."""
    with CaptureQueriesContext(connection) as queries:
        run()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return statistics.median(times), p95, len(queries)


class Command(BenchCommand):
    help = "Time every analytics report on 100,000 deals with 1,000,000 stage changes."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--deals", type=int, default=100_000)
        parser.add_argument("--changes", type=int, default=1_000_000)
        parser.add_argument("--runs", type=int, default=10)

    def _run(self, options) -> None:
        missing = options["deals"] - Deal.objects.count()
        if missing > 0:
            started = time.perf_counter()
            Seeder(options["changes"] / options["deals"]).seed(missing)
            self._analyze()
            self.stdout.write(f"Seeded {missing} deals in {time.perf_counter() - started:.0f} s")
        director = get_user_model().objects.filter(groups__name=str(Role.DIRECTOR)).first()
        manager = get_user_model().objects.filter(username="bench-manager-0").first()
        self.stdout.write(
            f"Database: {connection.vendor}; deals {Deal.objects.count()}, stage changes "
            f"{StageChange.objects.count()}, tasks {Task.objects.count()}; runs {options['runs']}"
        )
        start, end = default_period()
        lines = [("report", "who", "median ms", "p95 ms", "queries")]
        worst = 0.0
        for name, user, run in self._reports(director, manager, start, end):
            user_roles(user)
            median, p95, queries = _timed(run, options["runs"])
            worst = max(worst, p95)
            lines.append((name, user.username, f"{median:.1f}", f"{p95:.1f}", str(queries)))
        for line in lines:
            self.stdout.write(f"{line[0]:<28}{line[1]:<18}{line[2]:>10}{line[3]:>10}{line[4]:>9}")
        verdict = "within" if worst < BAR_MS else "OVER"
        self.stdout.write(f"Slowest p95 {worst:.1f} ms: {verdict} the {BAR_MS:.0f} ms bar")

    def _reports(self, director, manager, start, end) -> Iterator[tuple[str, object, Callable]]:
        def scope(user, **extra) -> Scope:
            return Scope(user=user, date_from=start, date_to=end, **extra)

        for code in PIPELINES:
            yield (
                f"funnel {code}",
                director,
                lambda c=code: analytics.funnel(scope(director, pipeline=c)),
            )
        yield (
            "funnel calculation",
            manager,
            lambda: analytics.funnel(scope(manager, pipeline="calculation")),
        )
        everything = Scope(director, datetime.date(2000, 1, 1), end, "calculation")
        yield "funnel, all time", director, lambda: analytics.funnel(everything)
        yield "managers", director, lambda: analytics.managers(scope(director))
        yield "managers", manager, lambda: analytics.managers(scope(manager))
        yield "ageing", director, lambda: analytics.ageing(scope(director))
        yield "approvals", director, lambda: analytics.approvals(scope(director))
        yield "warehouse", director, lambda: analytics.warehouse(scope(director))

    def _analyze(self) -> None:
        """Statistics, and on PostgreSQL the visibility map the covering indexes need for
        index-only scans, as autovacuum keeps them in production (VACUUM only outside a
        transaction: the tests run this in one)."""
        vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE" if vacuum else "ANALYZE")
