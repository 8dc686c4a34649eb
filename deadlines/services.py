"""Stage deadlines: when a deal's stage is due, which deals are overdue, the reminder sent
once when a deadline passes, and the morning digest of each person's overdue deals.

``stage_due_at`` is the one computation of a due moment; everything else (the board's mark,
the deal card, the API, the reminder sweep, the digest) reads it through a ``DeadlineBook``,
the rules and the calendar loaded once.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deadlines.calendar import CalendarError, WorkCalendar
from deadlines.models import CalendarDay, OverdueDigest, StageDeadline
from deals import automation
from deals.due import deal_values
from deals.models import AutomationJob, Deal, StageChange
from deals.pipelines import PIPELINES
from fulfillment import notifications
from fulfillment.periods import day_start
from fulfillment.roles import Role

logger = logging.getLogger(__name__)

REMINDER_ACTION = "deadlines.reminder"
# The deal dates a rule may count from; a board card carries them among its values.
DATE_BASES: tuple[str, ...] = tuple(
    b.value for b in StageDeadline.Base if b != StageDeadline.Base.STAGE_ENTRY
)
# The director's own work: stages left only with the director's approval («Согласовать КП с
# ГД»). The director is reminded of them too and finds them in the morning digest.
DIRECTOR_FIELD = "director_approved_at"

UNKNOWN_STAGE = _("The pipeline «%(pipeline)s» has no stage «%(stage)s».")
CLOSED_STAGE = _("A closed stage has no time limit: choose an open one.")
DATE_NOT_IN_PIPELINE = _("Deals of «%(pipeline)s» have no «%(field)s».")
HOURS_FROM_DATE = _("A date has no time of day: count hours from entering the stage only.")


def director_stages() -> frozenset[tuple[str, str]]:
    """(pipeline, stage) pairs whose work is the director's: leaving them needs the approval."""
    return frozenset(
        (pipeline.code, stage.code)
        for pipeline in PIPELINES.values()
        for stage in pipeline.stages
        if any(DIRECTOR_FIELD in r.paths for r in stage.requires)
    )


def deadline_rule_errors(*, pipeline: str, stage: str, base: str, unit: str) -> dict[str, str]:
    """Why a rule cannot be kept, field by field (empty when it can): its stage must be an
    open stage of its pipeline in the spec, a date it counts from must belong to the
    pipeline's deals, and hours count from entering the stage only."""
    spec = PIPELINES.get(pipeline)
    if spec is None:
        return {}  # the pipeline's own choices refuse it
    errors: dict[str, str] = {}
    found = spec.stages_by_code.get(stage)
    if found is None:
        errors["stage"] = str(UNKNOWN_STAGE % {"pipeline": spec.label, "stage": stage})
    elif not found.is_open:
        errors["stage"] = str(CLOSED_STAGE)
    if base != StageDeadline.Base.STAGE_ENTRY:
        if base not in spec.field_codes:
            label = StageDeadline.Base(base).label if base in StageDeadline.Base else base
            errors["base"] = str(DATE_NOT_IN_PIPELINE % {"pipeline": spec.label, "field": label})
        elif unit == StageDeadline.Unit.WORKING_HOURS:
            errors["unit"] = str(HOURS_FROM_DATE)
    return errors


def stage_due_at(
    rule: StageDeadline,
    *,
    entered_at: datetime.datetime,
    dates: Mapping[str, datetime.date | None],
    calendar: WorkCalendar,
) -> datetime.datetime | None:
    """When a deal that entered the rule's stage at ``entered_at`` is due; None when the rule
    counts from a date the deal has not filled in.

    From entering the stage: N working days or hours of working time (days off are not
    counted: entered on Friday at 15:00, one working day is due on Monday at 15:00), or N
    calendar days. From a date: the end of that date + N days (calendar or working), so «the
    expected arrival date + 1 day» is due at midnight after the day following the arrival.
    """
    Unit = StageDeadline.Unit
    if rule.base == StageDeadline.Base.STAGE_ENTRY:
        if rule.unit == Unit.DAYS:
            return entered_at + datetime.timedelta(days=rule.amount)
        step = datetime.timedelta(hours=1 if rule.unit == Unit.WORKING_HOURS else 24)
        return calendar.add_working_time(entered_at, step * rule.amount)
    day = dates.get(rule.base)
    if day is None:
        return None
    if rule.unit == Unit.WORKING_DAYS:
        last = calendar.add_working_days(day, rule.amount)
    else:
        last = day + datetime.timedelta(days=rule.amount)
    return day_start(last + datetime.timedelta(days=1))


@dataclass(frozen=True)
class DeadlineBook:
    """The rules by (pipeline, stage) and the production calendar, read once for many deals."""

    rules: Mapping[tuple[str, str], StageDeadline]
    calendar: WorkCalendar

    def due_at(self, pipeline: str, values: Mapping[str, Any]) -> datetime.datetime | None:
        """A deal's due moment from its values (``stage``, ``stage_entered_at``, its dates):
        ``deals.due.DueAt``, what the board, the card and the API call."""
        rule = self.rules.get((pipeline, values["stage"]))
        if rule is None:
            return None
        try:
            return stage_due_at(
                rule, entered_at=values["stage_entered_at"], dates=values, calendar=self.calendar
            )
        except (CalendarError, OverflowError):  # a calendar of days off only; a date of year 9999
            logger.warning("No due moment for rule %s", rule.pk, exc_info=True)
            return None


def working_calendar() -> WorkCalendar:
    return WorkCalendar(dict(CalendarDay.objects.values_list("day", "working")))


def deadline_book() -> DeadlineBook:
    """The rules, and the calendar when a rule counts working time: one query, or two."""
    rules = {(r.pipeline, r.stage): r for r in StageDeadline.objects.all()}
    working = any(r.unit != StageDeadline.Unit.DAYS for r in rules.values())
    return DeadlineBook(rules=rules, calendar=working_calendar() if working else WorkCalendar())


# --- overdue deals ---------------------------------------------------------------------------


def _may_be_due(rule: StageDeadline, now: datetime.datetime) -> Q:
    """A condition every deal of the rule's stage that is due by ``now`` meets (the exact
    moment is computed in Python): working time only comes later than calendar time."""
    if rule.base == StageDeadline.Base.STAGE_ENTRY:
        hours = rule.amount * (1 if rule.unit == StageDeadline.Unit.WORKING_HOURS else 24)
        return Q(stage_entered_at__lte=now - datetime.timedelta(hours=hours))
    today = timezone.localdate(now, timezone.get_default_timezone())
    return Q(**{f"{rule.base}__lt": today - datetime.timedelta(days=rule.amount)})


def _current_entry() -> Subquery:
    """The deal's latest stage change: its entry into the stage it is in."""
    return Subquery(
        StageChange.objects.filter(deal=OuterRef("pk"))
        .order_by("-created_at", "-pk")
        .values("pk")[:1]
    )


@dataclass(frozen=True)
class OverdueDeal:
    pk: int
    pipeline: str
    stage: str
    title: str
    responsible_id: int
    due_at: datetime.datetime
    entry_id: int | None

    @property
    def stage_label(self) -> str:
        return str(PIPELINES[self.pipeline].stage(self.stage).label)


def deals_overdue(
    *,
    now: datetime.datetime | None = None,
    book: DeadlineBook | None = None,
    queryset: QuerySet[Deal] | None = None,
    not_reminded: bool = False,
) -> list[OverdueDeal]:
    """Deals whose current stage's deadline has passed by ``now``, most overdue first. A
    query per rule reads only the deals that may be due (``_may_be_due``), as plain values;
    ``not_reminded`` leaves out those whose entry into the stage already has its reminder."""
    now = now or timezone.now()
    book = book or deadline_book()
    queryset = Deal.objects.all() if queryset is None else queryset
    found: list[OverdueDeal] = []
    for (pipeline, stage), rule in book.rules.items():
        deals = queryset.filter(_may_be_due(rule, now), pipeline=pipeline, stage=stage)
        deals = deals.annotate(entry_id=_current_entry())
        if not_reminded:  # and has an entry to hang the reminder on
            deals = deals.filter(entry_id__isnull=False).exclude(
                Exists(
                    AutomationJob.objects.filter(
                        stage_change=OuterRef("entry_id"), action=REMINDER_ACTION
                    )
                )
            )
        for values in deals.values(
            "pk", "stage", "title", "responsible_id", "stage_entered_at", "entry_id", *DATE_BASES
        ):
            due_at = book.due_at(pipeline, values)
            if due_at is not None and due_at <= now:
                found.append(
                    OverdueDeal(
                        pk=values["pk"],
                        pipeline=pipeline,
                        stage=stage,
                        title=values["title"],
                        responsible_id=values["responsible_id"],
                        due_at=due_at,
                        entry_id=values["entry_id"],
                    )
                )
    found.sort(key=lambda d: (d.due_at, d.pk))
    return found


# --- the reminder, once per entry into a stage -------------------------------------------------


def reminders_sweep(*, now: datetime.datetime | None = None) -> int:
    """Record a reminder for every deal whose stage deadline has passed and whose entry into
    that stage has none yet; each is sent through the automation outbox on commit. The job is
    unique per (stage change, action), so a second sweep, or one racing this one, records
    nothing. A deal that re-enters the stage has a new stage change and is reminded again.
    Returns how many reminders were recorded."""
    recorded = 0
    for deal in deals_overdue(now=now, not_reminded=True):
        with transaction.atomic():
            job = automation.job_record_once(
                deal_id=deal.pk, change_id=deal.entry_id, key=REMINDER_ACTION
            )
        recorded += job is not None
    return recorded


def reminder_send(deal: Deal, change: StageChange) -> None:
    """The reminder's outbox handler: the responsible (and the directors, for their approval
    stages) are told that the deal's stage deadline has passed. Nothing is sent when the
    deal has left that entry into the stage meanwhile."""
    latest = StageChange.objects.filter(deal=deal).order_by("-created_at", "-pk").first()
    if latest is None or latest.pk != change.pk or deal.stage != change.to_stage:
        return
    due_at = deadline_book().due_at(deal.pipeline, deal_values(deal))
    if due_at is None:  # the rule was removed meanwhile
        return
    notifications.stage_deadline_passed(
        deal=deal,
        due_at=due_at,
        director=(deal.pipeline, deal.stage) in director_stages(),
    )


# --- the morning digest, once per person and day --------------------------------------------


def digests_send(*, now: datetime.datetime | None = None) -> int:
    """Send each person the list of their overdue deals — the director also the overdue ones
    waiting for the director's approval — on working days, once per person and day: the
    unique (recipient, day) row is written with the notification, so a second run, or a
    concurrent one, sends nothing. Returns how many digests were sent."""
    now = now or timezone.now()
    book = deadline_book()
    today = timezone.localdate(now, timezone.get_default_timezone())
    if not working_calendar().is_working(today):
        return 0
    overdue = deals_overdue(now=now, book=book)
    if not overdue:
        return 0
    by_person: dict[int, list[OverdueDeal]] = {}
    for deal in overdue:
        by_person.setdefault(deal.responsible_id, []).append(deal)
    approvals = [d for d in overdue if (d.pipeline, d.stage) in director_stages()]
    directors = list(notifications.users_with_role(Role.DIRECTOR))
    for director in directors:
        own = by_person.setdefault(director.pk, [])
        seen = {d.pk for d in own}
        own.extend(d for d in approvals if d.pk not in seen)
        own.sort(key=lambda d: (d.due_at, d.pk))
    people = get_user_model().objects.filter(pk__in=list(by_person), is_active=True)
    sent = 0
    for person in people:
        sent += _digest_send(person, by_person[person.pk], today)
    return sent


def _digest_send(person: Any, deals: Iterable[OverdueDeal], today: datetime.date) -> bool:
    deals = list(deals)
    if not deals:
        return False
    try:
        with transaction.atomic():
            OverdueDigest.objects.create(recipient=person, day=today, deals=len(deals))
            notifications.overdue_digest(recipient=person, deals=deals)
    except IntegrityError:  # sent today already
        return False
    return True
