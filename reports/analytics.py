"""The director's analytics: funnels, managers, ageing, the approval loop and the warehouse.

Every figure is a database aggregate over the stage history (one ``StageChange`` row per move,
with the moment the deal had entered the stage it left), the tasks and the work sessions: a
report is a constant number of queries whatever the number of deals, and each figure can be
traced to deals. The pages, the exports and the API call these functions; the definitions of
the conversions are in ARCHITECTURE.md («Analytics»).

The period is whole local days, ``date_from`` to ``date_to`` inclusive. Whoever sees every
deal (the director, administrators) sees every figure; a manager sees the same reports over
their own deals only.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field, replace
from decimal import Decimal
from itertools import pairwise
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, DateField, Exists, F, OuterRef, Q, Sum, Value
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext

from deals.models import Deal, StageChange, Task
from deals.pipelines import PIPELINES, get_pipeline
from deals.selectors import deal_visibility
from fulfillment.periods import day_start
from fulfillment.roles import AnyUser, person_name
from reports.queries import Seconds, distinct_counts, percentiles
from warehouse.models import WorkSession

# Age in the current stage, in days: «до 1 дня», «1–3», «3–7», «7–14», «14–30», «больше 30».
AGE_BUCKETS = (1, 3, 7, 14, 30)
OLDEST_LIMIT = 20
ACCEPTANCE = "acceptance"


@dataclass(frozen=True)
class Scope:
    """What a report covers: whose view, the period, and the optional pipeline and manager."""

    user: AnyUser
    date_from: datetime.date
    date_to: datetime.date
    pipeline: str | None = None
    responsible: Any = None  # a user; a manager's own scope is forced by ``reports.forms``

    @property
    def start(self) -> datetime.datetime:
        return day_start(self.date_from)

    @property
    def end(self) -> datetime.datetime:
        """The moment after the period (the next day's midnight)."""
        return day_start(self.date_to + datetime.timedelta(days=1))

    def deal_q(self, prefix: str = "") -> Q:
        """The deals this scope covers, as a condition on ``prefix`` (``"deal__"`` from the
        tasks)."""
        condition = self._people_q(prefix)
        if self.pipeline:
            condition &= Q(**{f"{prefix}pipeline": self.pipeline})
        return condition

    def history_q(self) -> Q:
        """The scope as a condition on stage history rows, which carry their deal's pipeline
        (so the pipeline's rows are read off their own index)."""
        condition = self._people_q("deal__")
        if self.pipeline:
            condition &= Q(pipeline=self.pipeline)
        return condition

    def _people_q(self, prefix: str) -> Q:
        condition = deal_visibility(self.user, prefix)
        if self.responsible is not None:
            condition &= Q(**{f"{prefix}responsible": self.responsible})
        return condition

    def during(self, moment: str) -> Q:
        return Q(**{f"{moment}__gte": self.start, f"{moment}__lt": self.end})


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 2)


def _share(part: int, whole: int) -> float | None:
    """A conversion as a fraction rounded to four places; ``None`` when nothing entered."""
    return round(part / whole, 4) if whole else None


def _date(value: Any) -> datetime.date:
    """A day or month truncated by the database, as a date: read raw (``percentiles``),
    PostgreSQL gives a local timestamp and SQLite its ISO text."""
    if isinstance(value, datetime.datetime):
        return value.date()
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value[:10])


def _local_month(moment: str) -> TruncMonth:
    return TruncMonth(moment, tzinfo=timezone.get_current_timezone(), output_field=DateField())


# --- the funnel ------------------------------------------------------------------------------


@dataclass
class FunnelStage:
    stage: str
    label: str
    entered: int = 0
    moved_on: int = 0
    lost: int = 0
    won_since: int = 0
    conversion: float | None = None
    win_conversion: float | None = None
    median_hours: float | None = None
    p90_hours: float | None = None


@dataclass
class Funnel:
    pipeline: str
    stages: list[FunnelStage]
    entered: int = 0
    won: int = 0
    lost: int = 0
    won_amount: Decimal = Decimal(0)
    win_conversion: float | None = None
    reasons: list[dict] = field(default_factory=list)
    months: list[dict] = field(default_factory=list)


def funnel(scope: Scope) -> Funnel:
    """The pipeline's funnel for the period: per stage the deals that entered it, moved on
    from it, were lost at it, its conversions and the time spent in it; the failure reasons
    per stage; wins and their amount per month. Five queries."""
    spec = get_pipeline(scope.pipeline or next(iter(PIPELINES)))
    scope = replace(scope, pipeline=spec.code)
    success, failure = spec.success_stage.code, spec.failure_stage.code
    history = StageChange.objects.filter(scope.history_q()).order_by()
    entries = distinct_counts(
        history.filter(scope.during("created_at")),
        group=F("to_stage"),
        unit=F("deal"),
        # Won by now: the deal is among the pipeline's won deals (a hashed list of ids, read
        # off the board's index, rather than every entry joined to its deal).
        flags={"won_since": Q(deal__in=Deal.objects.filter(pipeline=spec.code, stage=success))},
    )
    order = [s.code for s in spec.stages if s.code != failure]
    forward = Q()
    for index, code in enumerate(order):
        forward |= Q(from_stage=code, to_stage__in=order[index + 1 :])
    stays = history.filter(scope.during("from_stage_entered_at")).exclude(from_stage="")
    exits = distinct_counts(
        stays,
        group=F("from_stage"),
        unit=F("deal"),
        flags={"moved_on": forward, "lost": Q(to_stage=failure)},
    )
    times = percentiles(
        stays,
        group=F("from_stage"),
        value=Seconds(F("created_at"), F("from_stage_entered_at")),
    )
    stages = []
    for stage in spec.stages:
        if stage.code == failure:
            continue
        entry = entries.get(stage.code, {})
        left = exits.get(stage.code, {})
        time = times.get(stage.code, {})
        row = FunnelStage(
            stage=stage.code,
            label=str(stage.label),
            entered=entry.get("n", 0),
            moved_on=left.get("moved_on", 0),
            lost=left.get("lost", 0),
            won_since=entry.get("won_since", 0),
            median_hours=_hours(time.get(50)),
            p90_hours=_hours(time.get(90)),
        )
        if stage.code != success:
            row.conversion = _share(row.moved_on, row.entered)
        row.win_conversion = _share(row.won_since, row.entered)
        stages.append(row)
    first = stages[0]
    result = Funnel(
        pipeline=spec.code,
        stages=stages,
        entered=first.entered,
        won=entries.get(success, {}).get("n", 0),
        lost=entries.get(failure, {}).get("n", 0),
        win_conversion=first.win_conversion,
    )
    labels = {s.code: str(s.label) for s in spec.stages}
    result.reasons = [
        {
            "stage": row["from_stage"],
            "stage_label": labels.get(row["from_stage"], row["from_stage"]),
            "reason": row["reason__label"] or "",
            "deals": row["deals"],
        }
        # A stay ends after it began: the bound on the move's time lets the losses be read
        # off the closings index instead of every stay of the period.
        for row in stays.filter(to_stage=failure, created_at__gte=scope.start)
        .values("from_stage", "reason__label")
        .annotate(deals=Count("deal", distinct=True))
        .order_by("-deals", "from_stage", "reason__label")
    ]
    wins = (
        history.filter(scope.during("created_at"), to_stage=success)
        .annotate(month=_local_month("created_at"))
        .values("month")
        .annotate(won=Count("pk"), amount=Sum("deal__amount"))
        .order_by("month")
    )
    result.months = [
        {"month": _date(row["month"]), "won": row["won"], "amount": row["amount"] or Decimal(0)}
        for row in wins
    ]
    result.won_amount = sum((row["amount"] for row in result.months), Decimal(0))
    return result


# --- managers --------------------------------------------------------------------------------


@dataclass
class ManagerRow:
    user_id: int
    name: str
    opened: int = 0
    won: int = 0
    lost: int = 0
    win_rate: float | None = None
    won_amount: Decimal = Decimal(0)
    median_hours_to_win: float | None = None
    open_deals: int = 0
    open_amount: Decimal = Decimal(0)


def _closing_stages(scope: Scope, kind: str) -> Q:
    """History rows entering the success (or failure) stage of the scope's pipelines."""
    specs = [get_pipeline(scope.pipeline)] if scope.pipeline else PIPELINES.values()
    condition = Q()
    for spec in specs:
        stage = spec.success_stage if kind == "success" else spec.failure_stage
        condition |= Q(pipeline=spec.code, to_stage=stage.code)
    return condition


def managers(scope: Scope) -> list[ManagerRow]:
    """Per responsible manager: deals opened in the period, won and lost in it, the win rate,
    the amount won, the median time from the request to the win; and their open deals now.
    Five queries."""
    deals = Deal.objects.filter(scope.deal_q()).order_by()
    history = StageChange.objects.filter(scope.history_q(), scope.during("created_at"))
    won, lost = _closing_stages(scope, "success"), _closing_stages(scope, "failure")
    rows: dict[int, ManagerRow] = {}

    def row(user_id: int) -> ManagerRow:
        return rows.setdefault(user_id, ManagerRow(user_id=user_id, name=""))

    for item in (
        deals.filter(scope.during("created_at")).values("responsible").annotate(n=Count("pk"))
    ):
        row(item["responsible"]).opened = item["n"]
    for item in (
        history.filter(won | lost)
        .order_by()
        .values("deal__responsible")
        .annotate(
            won=Count("pk", filter=won),
            lost=Count("pk", filter=lost),
            amount=Sum("deal__amount", filter=won),
        )
    ):
        target = row(item["deal__responsible"])
        target.won, target.lost = item["won"], item["lost"]
        target.won_amount = item["amount"] or Decimal(0)
    to_win = percentiles(
        history.filter(won).order_by(),
        group=F("deal__responsible"),
        value=Seconds(F("created_at"), F("deal__created_at")),
        percents=(50,),
    )
    for item in (
        deals.filter(closed_at__isnull=True)
        .values("responsible")
        .annotate(n=Count("pk"), amount=Sum("amount"))
    ):
        target = row(item["responsible"])
        target.open_deals, target.open_amount = item["n"], item["amount"] or Decimal(0)
    people = get_user_model().objects.in_bulk([pk for pk in rows if pk is not None])
    for user_id, target in rows.items():
        target.name = person_name(people[user_id]) if user_id in people else "—"
        target.win_rate = _share(target.won, target.won + target.lost)
        target.median_hours_to_win = _hours(to_win.get(user_id, {}).get(50))
    return sorted(rows.values(), key=lambda r: (-r.won_amount, -r.won, r.name))


# --- ageing ----------------------------------------------------------------------------------


@dataclass
class Ageing:
    buckets: list[str]
    rows: list[dict]  # pipeline, stage, label, counts per bucket, total
    oldest: list[Deal]
    as_of: datetime.datetime


def bucket_labels() -> list[str]:
    bounds = AGE_BUCKETS
    labels = [gettext("under %(days)s d") % {"days": bounds[0]}]
    labels += [f"{low}–{high}" for low, high in pairwise(bounds)]
    labels.append(gettext("over %(days)s d") % {"days": bounds[-1]})
    return labels


def ageing(scope: Scope) -> Ageing:
    """Open deals per stage by how long they have stood in it, now, and the oldest of them.
    Two queries; the period does not apply (ageing is of today)."""
    now = timezone.now()
    edges = [now - datetime.timedelta(days=days) for days in AGE_BUCKETS]
    counts = {}
    for index in range(len(edges) + 1):
        condition = Q()
        if index < len(edges):
            condition &= Q(stage_entered_at__gt=edges[index])
        if index > 0:
            condition &= Q(stage_entered_at__lte=edges[index - 1])
        counts[f"b{index}"] = Count("pk", filter=condition)
    open_deals = Deal.objects.filter(scope.deal_q(), closed_at__isnull=True).order_by()
    found = {
        (row["pipeline"], row["stage"]): row
        for row in open_deals.values("pipeline", "stage").annotate(**counts)
    }
    rows = []
    specs = [get_pipeline(scope.pipeline)] if scope.pipeline else PIPELINES.values()
    for spec in specs:
        for stage in spec.open_stages:
            item = found.get((spec.code, stage.code), {})
            values = [item.get(f"b{i}", 0) for i in range(len(edges) + 1)]
            rows.append(
                {
                    "pipeline": spec.code,
                    "pipeline_label": str(spec.label),
                    "stage": stage.code,
                    "label": str(stage.label),
                    "counts": values,
                    "total": sum(values),
                }
            )
    oldest = list(
        open_deals.select_related("company", "responsible").order_by("stage_entered_at", "pk")[
            :OLDEST_LIMIT
        ]
    )
    return Ageing(buckets=bucket_labels(), rows=rows, oldest=oldest, as_of=now)


# --- the director's approval loop ------------------------------------------------------------


def approvals(scope: Scope) -> dict:
    """The director's («ГД») decisions on proposals decided in the period: per month and in
    all, how many, how many returned with remarks, and the time from the approval task's
    creation to the decision (median, 90th percentile). Three queries."""
    decided = Task.objects.filter(
        scope.deal_q("deal__"),
        scope.during("completed_at"),
        kind=Task.Kind.APPROVAL,
        status__in=[Task.Status.DONE, Task.Status.RETURNED],
    ).order_by()
    wait = Seconds(F("completed_at"), F("created_at"))
    by_month = percentiles(decided, group=_local_month("completed_at"), value=wait)
    by_month = {_date(key): value for key, value in by_month.items()}
    overall = percentiles(decided, group=Value(1), value=wait).get(1, {})
    months = []
    for row in (
        decided.annotate(month=_local_month("completed_at"))
        .values("month")
        .annotate(decided=Count("pk"), returned=Count("pk", filter=Q(status=Task.Status.RETURNED)))
        .order_by("month")
    ):
        month = _date(row["month"])
        times = by_month.get(month, {})
        months.append(
            {
                "month": month,
                "decided": row["decided"],
                "returned": row["returned"],
                "median_hours": _hours(times.get(50)),
                "p90_hours": _hours(times.get(90)),
            }
        )
    return {
        "decided": sum(m["decided"] for m in months),
        "returned": sum(m["returned"] for m in months),
        "median_hours": _hours(overall.get(50)),
        "p90_hours": _hours(overall.get(90)),
        "months": months,
    }


# --- the warehouse ---------------------------------------------------------------------------


def warehouse(scope: Scope) -> dict:
    """Warehouse tasks completed in the period: per day, per worker (with the hours they
    tracked on them), the median tracked time per pipeline's task, and units accepted per hour
    of acceptance work (the recount's accepted units over the time tracked). Six queries."""
    done = Task.objects.filter(
        scope.deal_q("deal__"),
        scope.during("completed_at"),
        kind=Task.Kind.WAREHOUSE,
        status=Task.Status.DONE,
    ).order_by()
    per_day = [
        {"day": _date(row["day"]), "done": row["done"]}
        for row in done.annotate(
            day=TruncDate("completed_at", tzinfo=timezone.get_current_timezone())
        )
        .values("day")
        .annotate(done=Count("pk"))
        .order_by("day")
    ]
    sessions = WorkSession.objects.filter(task__in=done, stopped_at__isnull=False).order_by()
    worked = Seconds(F("stopped_at"), F("started_at"))
    # The tracked time per worker and pipeline in one pass: each worker's hours, and the
    # hours of acceptance work, are sums of its few rows.
    hours_by_worker: dict[int, float] = {}
    acceptance_seconds = 0.0
    for row in sessions.values("worker", "task__deal__pipeline").annotate(seconds=Sum(worked)):
        seconds = row["seconds"] or 0.0
        hours_by_worker[row["worker"]] = hours_by_worker.get(row["worker"], 0.0) + seconds
        if row["task__deal__pipeline"] == ACCEPTANCE:
            acceptance_seconds += seconds
    done_by_worker = {
        row["completed_by"]: row["done"]
        for row in done.values("completed_by").annotate(done=Count("pk"))
    }
    ids = {pk for pk in (*hours_by_worker, *done_by_worker) if pk is not None}
    people = get_user_model().objects.in_bulk(ids)
    workers = sorted(
        (
            {
                "worker": person_name(people[pk]),
                "done": done_by_worker.get(pk, 0),
                "hours": _hours(hours_by_worker.get(pk, 0.0)),
            }
            for pk in ids
        ),
        key=lambda r: (-r["done"], r["worker"]),
    )
    per_task = percentiles(
        done.annotate(
            worked=Sum(Seconds(F("work_sessions__stopped_at"), F("work_sessions__started_at")))
        ),
        group=F("deal__pipeline"),
        value=F("worked"),
        percents=(50,),
    )
    kinds = [
        {
            "pipeline": code,
            "label": str(get_pipeline(code).label),
            "median_hours": _hours(values.get(50)),
        }
        for code, values in sorted(per_task.items())
    ]
    acceptance = done.filter(deal__pipeline=ACCEPTANCE)
    units = (
        Deal.objects.filter(
            Exists(acceptance.filter(deal=OuterRef("pk"))), pipeline=ACCEPTANCE
        ).aggregate(units=Sum("accepted_units"))["units"]
        or 0
    )
    return {
        "done": sum(day["done"] for day in per_day),
        "per_day": per_day,
        "workers": workers,
        "kinds": kinds,
        "accepted_units": units,
        "acceptance_hours": _hours(acceptance_seconds),
        "units_per_hour": round(units * 3600 / acceptance_seconds, 1)
        if acceptance_seconds
        else None,
    }
