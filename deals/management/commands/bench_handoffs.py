"""Benchmark of the automation with a real worker: handoff latency and a burst.

Needs PostgreSQL (DATABASE_URL) and Redis (CELERY_BROKER_URL); ``make bench`` prepares a
throwaway database. Latency is measured from the won move's history row to the handoff row,
both stamped by the processes that wrote them.
"""

from __future__ import annotations

import statistics
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import redis
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from deals import services
from deals.models import PIPELINE_MODELS, Company, Contact, Deal, Handoff, StageChange
from fulfillment.celery import app as celery_app
from fulfillment.celery_worker import WorkerProcess, wait_for


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


class Command(BaseCommand):
    help = "Measure handoff latency (median, p99) and a burst with a real Celery worker."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--sequential", type=int, default=100)
        parser.add_argument("--burst", type=int, default=500)
        parser.add_argument("--concurrency", type=int, default=4)

    def handle(self, *args, sequential: int, burst: int, concurrency: int, **options) -> None:
        if connection.vendor != "postgresql" or settings.CELERY_TASK_ALWAYS_EAGER:
            raise CommandError("Point DATABASE_URL at PostgreSQL and CELERY_BROKER_URL at Redis.")
        self.manager = get_user_model().objects.create_user(f"bench-{time.time_ns()}")
        self.company = Company.objects.create(
            name="Bench", has_contract=True, contract_number="B-1", contract_date="2026-01-01"
        )
        self.contact = Contact.objects.create(company=self.company, name="Bench", phone="1")
        queue = f"crm-bench-{uuid.uuid4().hex[:12]}"  # no other worker takes its messages
        celery_app.conf.task_default_queue = queue
        worker = WorkerProcess(
            settings.CELERY_BROKER_URL, concurrency=concurrency, queue=queue
        ).start()
        try:
            self._sequential(sequential)
            self._burst(burst)
        finally:
            worker.stop()
            redis.Redis.from_url(settings.CELERY_BROKER_URL).delete(queue)
            Deal.objects.filter(company=self.company).delete()
            self.company.delete()
            self.manager.delete()

    def _deals(self, count: int) -> list[Deal]:
        model = PIPELINE_MODELS["calculation"]
        return [
            model.objects.create(
                stage="client_approval",
                title=f"Bench {n}",
                responsible=self.manager,
                company=self.company,
                contact=self.contact,
                services=["storage"],
                marketplaces=["ozon"],
                goods_description="bench",
                sku_count=1,
                units_per_month=1,
                proposal_file="bench.pdf",
                amount=1,
            )
            for n in range(count)
        ]

    def _latencies_ms(self, deals: list[Deal]) -> list[float]:
        moved = dict(
            StageChange.objects.filter(deal__in=deals, to_stage="won").values_list(
                "deal_id", "created_at"
            )
        )
        handed = dict(
            Handoff.objects.filter(source__in=deals).values_list("source_id", "created_at")
        )
        return [(handed[i] - moved[i]).total_seconds() * 1000 for i in handed]

    def _report(
        self, title: str, deals: list[Deal], elapsed: float | None = None, *, latency_bar: bool
    ) -> None:
        ids = [d.pk for d in deals]
        follow_ups = Deal.objects.filter(source_deal__in=ids, pipeline="acceptance")
        distinct = follow_ups.values("source_deal").distinct().count()
        lost, doubled = len(ids) - distinct, follow_ups.count() - distinct
        latencies = self._latencies_ms(deals)
        line = (
            f"{title}: {len(ids)} won -> {follow_ups.count()} follow-up deals, lost {lost}, "
            f"doubled {doubled}; latency median {statistics.median(latencies):.1f} ms, "
            f"p99 {_percentile(latencies, 0.99):.1f} ms"
        )
        if elapsed:
            line += f"; throughput {len(ids) / elapsed:.1f} handoffs/s"
        self.stdout.write(line)
        if latency_bar:
            ok = _percentile(latencies, 0.99) < 1000 and not lost and not doubled
            self.stdout.write(f"  bar (p99 < 1000 ms, 0 lost, 0 doubled): {_verdict(ok)}")
        else:
            # Under a burst the latency is the queue's length over the throughput of the
            # machine's cores; the bar there is that nothing is lost or doubled.
            self.stdout.write(f"  bar (0 lost, 0 doubled): {_verdict(not lost and not doubled)}")

    def _sequential(self, count: int) -> None:
        deals = self._deals(count)
        for deal in deals:
            services.deal_move(
                deal=deal, transition="to_won", actor=self.manager, check_permission=False
            )
            wait_for(lambda d=deal: Handoff.objects.filter(source=d).exists(), 30, what="a handoff")
        self._report("sequential", deals, latency_bar=True)

    def _burst(self, count: int) -> None:
        deals = self._deals(count)

        def win(deal: Deal) -> None:
            try:
                services.deal_move(
                    deal=deal, transition="to_won", actor=self.manager, check_permission=False
                )
            finally:
                connection.close()

        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(win, deals))
        ids = [d.pk for d in deals]
        wait_for(
            lambda: Handoff.objects.filter(source__in=ids).count() == count,
            300,
            what="the burst's handoffs",
        )
        elapsed = time.monotonic() - started
        self._report("burst", deals, elapsed, latency_bar=False)
