"""The fixed cost of the CRM's requests and moves, measured against their floors.

    manage.py bench_overhead            # a throwaway test database with the demo data
    manage.py bench_overhead --use-current-db

Prints, each as median and p95 over ``--runs`` with its queries, timed in turn with its floor:
- an empty signed-in page — the notifications page of a manager who has none: the session,
  the user, the roles, the menu and the layout, nothing of its own — against a bare
  ``SELECT 1`` through Django's connection;
- a guarded move (``deal_move``: the permission, the requirements, the row lock, the history
  row, the automation jobs, the audit) against its bare writes: the UPDATE of the deal's stage
  and the INSERT of its history row as plain SQL, in a transaction.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterator

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import CommandParser
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from deals.management.commands.bench_pages import BenchCommand, _p95, _timed_pair
from deals.models import Company, Deal
from deals.services import deal_create, deal_move
from fulfillment.demo import deal_data, seed_demo
from fulfillment.roles import Role

MOVE = ("calculation", "new", "to_proposal", "proposal")


def _queries(call: Callable[[], object]) -> int:
    with CaptureQueriesContext(connection) as queries:
        call()
    return len(queries)


class Command(BenchCommand):
    help = "Measure an empty signed-in page against SELECT 1, a guarded move against its writes."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--runs", type=int, default=200)

    def _run(self, options) -> None:
        seed_demo()
        runs = options["runs"]
        users = get_user_model().objects
        director = users.get(username="director")
        # A manager of their own: the demo's have notifications, which would be the page's work.
        manager, _created = users.get_or_create(username="bench-overhead-manager")
        manager.groups.add(Group.objects.get(name=str(Role.MANAGER)))
        self.stdout.write(f"Database: {connection.vendor}, runs: {runs}")
        self.stdout.write(f"{'':<34}{'median ms':>10}{'p95 ms':>9}{'queries':>9}")

        client = Client()
        client.force_login(manager)

        def page() -> None:
            response = client.get("/notifications/")
            assert response.status_code == 200, response.status_code

        def select_one() -> None:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()

        self._pair("empty signed-in page", page, "SELECT 1", select_one, runs)

        # Made before the clock starts: each run moves a deal of its own.
        moving, bare = iter(self._deals(director, runs + 2)), iter(self._deals(director, runs + 2))
        self._pair(
            "guarded move",
            lambda: deal_move(deal=next(moving), transition=MOVE[2], actor=director),
            "UPDATE + INSERT",
            self._bare_move(bare, director),
            runs,
        )

    def _pair(self, name: str, call, floor_name: str, floor, runs: int) -> None:
        queries = (_queries(call), _queries(floor))
        durations = _timed_pair(call, floor, runs)
        medians = [statistics.median(values) for values in durations]
        for label, values, median, count in zip(
            (name, floor_name), durations, medians, queries, strict=True
        ):
            self.stdout.write(f"  {label:<32}{median:>10.2f}{_p95(values):>9.2f}{count:>9}")
        self.stdout.write(
            f"  {name}: {medians[0] - medians[1]:.2f} ms over its floor, "
            f"{medians[0] / medians[1]:.1f}× it"
        )

    def _deals(self, actor, count: int) -> list[Deal]:
        """Requests standing in «Новая заявка» with what leaving it needs, one per move."""
        pipeline, stage = MOVE[0], MOVE[1]
        company = Company.objects.filter(contacts__isnull=False).first()
        data = deal_data(pipeline, company)
        return [
            deal_create(
                pipeline=pipeline, actor=actor, title=f"Замер {number}", stage=stage, data=data
            )
            for number in range(count)
        ]

    def _bare_move(self, deals: Iterator[Deal], actor) -> Callable[[], None]:
        update = (
            f"UPDATE {Deal._meta.db_table} SET stage = %s, stage_entered_at = %s, "
            "updated_at = %s WHERE id = %s"
        )
        insert = (
            "INSERT INTO deals_stagechange (deal_id, pipeline, transition, from_stage, "
            "to_stage, actor_id, comment, created_at, from_stage_entered_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, '', %s, %s)"
        )

        def bare() -> None:
            deal, now = next(deals), timezone.now()
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(update, [MOVE[3], now, now, deal.pk])
                cursor.execute(
                    insert,
                    [deal.pk, MOVE[0], MOVE[2], MOVE[1], MOVE[3], actor.pk, now, now],
                )

        return bare
