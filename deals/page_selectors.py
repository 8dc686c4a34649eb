"""Reads of the staff pages: the kanban board, the deal card's timeline, the company card and
the director's approval inbox. Each decides its related rows here, so a page's query count is
fixed whatever the number of deals and is asserted by the tests."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import Any, TypedDict

from django.db import connections
from django.db.models import (
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Replace

from deals import automation
from deals.card import timeline_sources
from deals.due import due_columns
from deals.models import (
    AutomationJob,
    Company,
    Contact,
    Deal,
    DealComment,
    FieldChange,
    StageChange,
    Task,
)
from deals.pipelines import Pipeline, Stage
from deals.pipelines.fields import DEAL_FIELDS
from deals.selectors import company_field_changes, deal_field_changes, deal_visible_to
from fulfillment.roles import AnyUser

BOARD_PAGE_SIZE = 10  # about a laptop screen of cards; the rest load as the column scrolls
# Newest in the stage first; ``pk`` breaks ties so that «more» pages never skip or repeat.
BOARD_ORDER = ("-stage_entered_at", "-pk")


@cache
def _open_tasks_count() -> Coalesce:
    """A card's open tasks, counted in its query. Built once: a queryset resolves an expression
    into a copy of its own, and building this one cost more than compiling it."""
    open_tasks = (
        Task.objects.filter(deal=OuterRef("pk"), status__in=Task.OPEN_STATUSES)
        .order_by()
        .values("deal")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(open_tasks, output_field=IntegerField()), Value(0))


class BoardCard(TypedDict):
    """What a card shows, read as plain values: a board builds no model instances."""

    pk: int
    stage: str
    title: str
    amount: Decimal | None
    stage_entered_at: datetime.datetime
    client: str | None
    responsible_first_name: str
    responsible_last_name: str
    responsible_username: str
    open_tasks: int
    # and the dates a stage deadline may count from: ``deals.due.due_columns()``


def board_cards(queryset: QuerySet[Deal]) -> QuerySet[Deal]:
    """Deals as board cards (rows of ``BoardCard``): client and responsible joined, open tasks
    counted in the query, and only the columns a card shows — with the dates a stage deadline
    may count from (``deals.due``), so the overdue mark costs no query per card."""
    return queryset.annotate(open_tasks=_open_tasks_count()).values(
        "pk",
        "stage",
        "title",
        "amount",
        "stage_entered_at",
        "open_tasks",
        *due_columns(),
        client=F("company__name"),
        responsible_first_name=F("responsible__first_name"),
        responsible_last_name=F("responsible__last_name"),
        responsible_username=F("responsible__username"),
    )


@dataclass
class BoardColumn:
    stage: Stage
    count: int = 0
    total: Decimal = Decimal("0")
    cards: list[BoardCard] = field(default_factory=list)

    @property
    def has_more(self) -> bool:
        return len(self.cards) < self.count

    @property
    def last(self) -> BoardCard | None:
        return self.cards[-1] if self.cards else None


def deal_board(
    *, user: AnyUser, pipeline: Pipeline, queryset: QuerySet[Deal] | None = None
) -> list[BoardColumn]:
    """The columns of a pipeline's board with their count, amount sum and first cards.

    A fixed number of queries whatever the number of deals: one on PostgreSQL
    (``_board_statement``), two elsewhere (SQLite, the embedded default): an aggregate for the
    counts and sums, and ``board_first_cards``. ``queryset`` narrows the deals (the board's
    filters); visibility is applied here.
    """
    deals = deal_visible_to(user, queryset).filter(pipeline=pipeline.code)
    columns = {stage.code: BoardColumn(stage) for stage in pipeline.stages}
    sums = _column_sums(deals)
    connection = connections[deals.db]
    if connection.vendor == "postgresql":
        sql, params = _board_statement(sums, deals, connection.alias)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            names = [column[0] for column in cursor.description]
            for values in cursor.fetchall():
                card = dict(zip(names, values, strict=True))
                column = columns.get(card.pop("column_stage"))
                if column is not None:
                    column.count, column.total = card.pop("n"), card.pop("total") or Decimal("0")
                    column.cards.append(card)
        return list(columns.values())

    for row in sums:
        if row["stage"] in columns:
            columns[row["stage"]].count = row["n"]
            columns[row["stage"]].total = row["total"] or Decimal("0")
    for card in board_first_cards(deals, pipeline):
        columns[card["stage"]].cards.append(card)
    return list(columns.values())


def _column_sums(deals: QuerySet[Deal]) -> QuerySet[Deal]:
    """Each column's count and amount sum, grouped by stage."""
    return deals.order_by().values("stage").annotate(n=Count("*"), total=Sum("amount"))


def _board_statement(sums: QuerySet[Deal], deals: QuerySet[Deal], using: str) -> tuple[str, tuple]:
    """PostgreSQL: the whole board in one statement (one snapshot: counts and cards agree).
    A grouped pass gives every column its count and sum (read off the board index alone);
    then, for each column, its first ``BOARD_PAGE_SIZE`` cards are read in board order off
    the same index (a LATERAL subquery with a LIMIT), never sorting the column's deals.

    Measured at 100,000 deals (35,000 in the pipeline): the earlier form, one ordered array
    aggregate of every deal's id per column, sorted the whole pipeline and took 46 ms of SQL
    for the director's board; this one reads ten index entries a column."""
    columns_sql, columns_params = sums.query.get_compiler(using).as_sql()
    card_sql, card_params = _column_first_cards_sql(deals, using)
    sql = (
        "SELECT board_column.stage AS column_stage, board_column.n, board_column.total, card.* "
        f"FROM ({columns_sql}) AS board_column "
        f"CROSS JOIN LATERAL ({card_sql}) AS card "
        "ORDER BY board_column.stage, card.stage_entered_at DESC, card.pk DESC"
    )
    return sql, (*columns_params, *card_params)


def _column_first_cards_sql(deals: QuerySet[Deal], using: str) -> tuple[str, tuple]:
    """The first cards of the column ``board_column.stage``, in board order (PostgreSQL)."""
    first = board_cards(deals.filter(stage=RawSQL("board_column.stage", ()))).order_by(
        *BOARD_ORDER
    )[:BOARD_PAGE_SIZE]
    return first.query.get_compiler(using).as_sql()


def board_floor(deals: QuerySet[Deal], pipeline: Pipeline) -> list[tuple[str, tuple]]:
    """The board's floor for the benchmarks: the SQL of what it shows — each column's count,
    sum and first cards — to run bare: on PostgreSQL its one statement, elsewhere the
    aggregate and ``board_first_cards``."""
    connection = connections[deals.db]
    sums = _column_sums(deals)
    if connection.vendor == "postgresql":
        return [_board_statement(sums, deals, connection.alias)]
    return [
        sums.query.sql_with_params(),
        board_first_cards(deals, pipeline).query.sql_with_params(),
    ]


def board_first_cards(deals: QuerySet[Deal], pipeline: Pipeline) -> QuerySet[Deal]:
    """Off PostgreSQL: the first ``BOARD_PAGE_SIZE`` cards of every stage, in one query. The
    ids come from a LIMITed subquery per stage, joined by UNION ALL, each read in board order
    off the board index; only those ids are joined to their client, responsible and open
    tasks. A window numbering every deal of the pipeline by stage took 43 ms at 100,000
    deals on SQLite (the director's board)."""
    parts, params = [], []
    for stage in pipeline.stages:
        first = deals.filter(stage=stage.code).order_by(*BOARD_ORDER).values("pk")
        sql, stage_params = first[:BOARD_PAGE_SIZE].query.sql_with_params()
        parts.append(f"SELECT * FROM ({sql})")
        params.extend(stage_params)
    ids = RawSQL(" UNION ALL ".join(parts), tuple(params))
    return board_cards(Deal.objects.filter(pk__in=ids)).order_by("stage", *BOARD_ORDER)


def deal_board_column(
    *,
    user: AnyUser,
    pipeline: Pipeline,
    stage: str,
    after: tuple[datetime.datetime, int] | None = None,
    queryset: QuerySet[Deal] | None = None,
) -> list[BoardCard]:
    """The next cards of one column, after the card (time in stage, id) last shown: one
    query that walks the board index, however deep the user scrolls."""
    deals = deal_visible_to(user, queryset).filter(pipeline=pipeline.code, stage=stage)
    if after is not None:
        entered, pk = after
        deals = deals.filter(
            Q(stage_entered_at__lt=entered) | Q(stage_entered_at=entered, pk__lt=pk)
        )
    return list(board_cards(deals).order_by(*BOARD_ORDER)[:BOARD_PAGE_SIZE])


# --- the deal card ---------------------------------------------------------------------------


def deal_for_card(*, user: AnyUser, pk: int) -> Deal:
    """One visible deal with what the card shows beside its own fields (raises DoesNotExist)."""
    return (
        deal_visible_to(user)
        .select_related("company", "contact", "responsible", "source_deal", "failure_reason")
        .get(pk=pk)
    )


def deal_related(*, user: AnyUser, deal: Deal) -> list[Deal]:
    """The deals this one created (its handoffs and follow-ups) that the user may see."""
    return list(
        deal_visible_to(user, Deal.objects.filter(source_deal=deal))
        .select_related("company")
        .order_by("created_at", "pk")
    )


@dataclass(frozen=True)
class LinkedDeal:
    """A deal linked to the card's one, and whether the user may open it."""

    deal: Deal
    visible: bool


def deal_contract_links(*, user: AnyUser, deal: Deal) -> tuple[LinkedDeal | None, list[LinkedDeal]]:
    """The contract deal a won calculation request waits for (or waited for), and the
    requests that wait for a contract deal: linked both ways from the moment of the win,
    whoever is responsible for the other deal (a link only where the user may open it)."""
    linked = Deal.objects.select_related("responsible")
    contract = (
        linked.filter(pk=deal.awaiting_contract_id).first() if deal.awaiting_contract_id else None
    )
    waiting = (
        list(linked.filter(awaiting_contract=deal).order_by("pk"))
        if deal.pipeline == "contract"
        else []
    )
    ids = [d.pk for d in ([contract] if contract else []) + waiting]
    visible = (
        set(deal_visible_to(user, Deal.objects.filter(pk__in=ids)).values_list("pk", flat=True))
        if ids
        else set()
    )
    return (
        LinkedDeal(contract, contract.pk in visible) if contract else None,
        [LinkedDeal(d, d.pk in visible) for d in waiting],
    )


def deal_open_tasks(*, deal: Deal) -> list[Task]:
    return list(
        deal.tasks.filter(status__in=Task.OPEN_STATUSES)
        .select_related("assignee", "created_by")
        .order_by("-created_at", "-pk")
    )


@dataclass(frozen=True)
class TimelineEntry:
    kind: str  # move | comment | task | automation | fields, or an app's (deals.card)
    at: datetime.datetime
    item: Any
    template: str = ""  # an app's entry renders with its own template


@dataclass(frozen=True)
class ChangeGroup:
    """The fields one person changed in one save (of a deal, a company or a contact)."""

    changes: list[FieldChange]

    @property
    def pk(self) -> int:
        return self.changes[0].pk

    @property
    def at(self) -> datetime.datetime:
        return self.changes[0].created_at

    @property
    def actor(self):
        return self.changes[0].actor

    @property
    def contact(self):
        return self.changes[0].contact


def change_groups(changes: list[FieldChange]) -> list[ChangeGroup]:
    """Consecutive changes of one save grouped, in the order given."""
    groups: list[ChangeGroup] = []
    key = None
    for change in changes:
        this = (change.created_at, change.actor_id, change.subject, change.contact_id)
        if groups and this == key:
            groups[-1].changes.append(change)
        else:
            groups.append(ChangeGroup([change]))
        key = this
    return groups


def deal_timeline(*, deal: Deal, user: AnyUser) -> list[TimelineEntry]:
    """Moves, comments (with files and mentions), tasks, field changes (amounts only for
    those who see money) and automation jobs of a deal, newest first: one query per kind."""
    pipeline = deal.pipeline_spec

    def label(code: str) -> str:
        return str(pipeline.stage(code).label) if code else ""

    changes = list(StageChange.objects.filter(deal=deal).select_related("actor", "reason"))
    for change in changes:
        change.from_stage_label, change.to_stage_label = (
            label(change.from_stage),
            label(change.to_stage),
        )
    entries = [TimelineEntry("move", change.created_at, change) for change in changes]
    entries += [
        TimelineEntry("comment", comment.created_at, comment)
        for comment in DealComment.objects.filter(deal=deal)
        .select_related("author")
        .prefetch_related("mentions")
    ]
    tasks = list(
        Task.objects.filter(deal=deal).select_related(
            "assignee", "created_by", "completed_by", "result_comment"
        )
    )
    # A task twice: when it was set, and when it was decided, done or cancelled, each at the
    # time it happened.
    entries += [TimelineEntry("task", task.created_at, task) for task in tasks]
    entries += [
        TimelineEntry("task_closed", task.completed_at, task)
        for task in tasks
        if task.completed_at and not task.is_open
    ]
    # Automation that did its work shows as that work (the task, the linked deal); only what
    # is waiting or failed is shown as such, in the business's words.
    jobs = list(
        AutomationJob.objects.filter(deal=deal)
        .exclude(status=AutomationJob.Status.DONE)
        .select_related("stage_change")
    )
    for job in jobs:
        job.stage_label = label(job.stage_change.to_stage)
        job.label = automation.action_label(job.action)
    entries += [TimelineEntry("automation", job.created_at, job) for job in jobs]
    # Fields only the automation fills (the director's approval, result files) show as the
    # decision or result that set them; their rows stay in the audit trail (API, admin).
    changes = deal_field_changes(user=user, deal=deal).exclude(
        subject=FieldChange.Subject.DEAL, field__in=AUTOMATION_FIELDS
    )
    entries += [TimelineEntry("fields", group.at, group) for group in change_groups(list(changes))]
    # What other apps put on the card's timeline: documents, e-mail, the recount.
    for source in timeline_sources():
        entries += [
            TimelineEntry(source.kind, at, item, source.template)
            for at, item in source.entries(deal, user)
        ]
    order = {"automation": 0, "task": 1, "task_closed": 2, "fields": 3, "move": 4, "comment": 5}
    # Within one instant a move comes before the fields it set and the jobs and tasks it
    # caused; an app's entries come after the move that caused them.
    entries.sort(key=lambda e: (e.at, order.get(e.kind, -1), e.item.pk), reverse=True)
    return entries


# --- companies -------------------------------------------------------------------------------


def company_list(*, search: str = "") -> QuerySet[Company]:
    """Companies by name, each with its number of contacts. The count is a subquery the
    database runs for the page's rows only (a grouped join counted every company's contacts:
    17 ms at 10,000 companies)."""
    contacts = (
        Contact.objects.filter(company=OuterRef("pk"))
        .order_by()
        .values("company")
        .annotate(n=Count("pk"))
        .values("n")
    )
    companies = Company.objects.annotate(
        contacts_count=Coalesce(Subquery(contacts, output_field=IntegerField()), Value(0))
    )
    if search:
        companies = companies.filter(
            Q(name__icontains=search) | Q(legal_name__icontains=search) | Q(inn__startswith=search)
        )
    return companies.order_by("name", "pk")


AUTOMATION_FIELDS = tuple(code for code, spec in DEAL_FIELDS.items() if not spec.editable)
SEARCH_LIMIT = 20  # of each kind; the search says when there are more


@dataclass(frozen=True)
class SearchResults:
    deals: list[Deal]
    companies: list[Company]
    contacts: list[Contact]

    @property
    def empty(self) -> bool:
        return not (self.deals or self.companies or self.contacts)


def _digits_of(column: str):
    """The column with the separators people write in phone numbers taken out."""
    expression: Any = F(column)
    for separator in (" ", "-", "(", ")", "+", "\u00a0", "."):
        expression = Replace(expression, Value(separator), Value(""))
    return expression


def global_search(*, user: AnyUser, text: str) -> SearchResults:
    """The header's search: a deal by its number or title (of those the user may see), a
    company by name, INN, phone or e-mail, a contact person by name, phone or e-mail. A phone
    matches however it is written (its last ten digits)."""
    text = " ".join(text.split())
    if not text:
        return SearchResults([], [], [])
    digits = re.sub(r"\D", "", text)
    number = text.lstrip("#№ ")
    deal_match = Q(title__icontains=text)
    if number.isdigit() and len(number) < 19:
        deal_match |= Q(pk=int(number))
    deals = list(
        deal_visible_to(user, Deal.objects.filter(deal_match))
        .select_related("company")
        .order_by("-created_at", "-pk")[:SEARCH_LIMIT]
    )
    company_match = Q(name__icontains=text) | Q(legal_name__icontains=text)
    contact_match = Q(name__icontains=text)
    if "@" in text:
        company_match |= Q(email__iexact=text)
        contact_match |= Q(email__iexact=text)
    if len(digits) >= 5:
        phone = digits[-10:]
        company_match |= Q(inn__startswith=digits) | Q(phone_digits__contains=phone)
        contact_match |= Q(phone_digits__contains=phone)
    companies = list(
        Company.objects.annotate(phone_digits=_digits_of("phone"))
        .filter(company_match)
        .order_by("name", "pk")[:SEARCH_LIMIT]
    )
    contacts = list(
        Contact.objects.annotate(phone_digits=_digits_of("phone"))
        .filter(contact_match)
        .select_related("company")
        .order_by("name", "pk")[:SEARCH_LIMIT]
    )
    return SearchResults(deals, companies, contacts)


COMPANY_HISTORY_SHOWN = 20  # saves on the card; «all» shows the rest


def company_history(*, user: AnyUser, company: Company) -> list[ChangeGroup]:
    """The changes of the company's details and contacts, newest save first. A change made
    from a deal's card names the deal when the user may open it."""
    changes = list(company_field_changes(user=user, company=company))
    deal_ids = {change.deal_id for change in changes if change.deal_id}
    visible = (
        dict(deal_visible_to(user, Deal.objects.filter(pk__in=deal_ids)).values_list("pk", "title"))
        if deal_ids
        else {}
    )
    for change in changes:
        change.visible_deal = (
            (change.deal_id, visible[change.deal_id]) if change.deal_id in visible else None
        )
    return change_groups(changes)[::-1]


def company_deals(*, user: AnyUser, company: Company) -> list[Deal]:
    """Every deal of the company across the pipelines that the user may see."""
    return list(
        deal_visible_to(user, Deal.objects.filter(company=company))
        .select_related("responsible")
        .order_by("pipeline", "-created_at")
    )


# --- the director's approval inbox -----------------------------------------------------------


def approvals_waiting() -> int:
    """How many КП wait for the director's decision (the menu's counter)."""
    return Task.objects.filter(kind=Task.Kind.APPROVAL, status__in=Task.OPEN_STATUSES).count()


def approval_inbox() -> QuerySet[Task]:
    """Approval tasks waiting for the director, oldest first (first come, first decided)."""
    return (
        Task.objects.filter(kind=Task.Kind.APPROVAL, status__in=Task.OPEN_STATUSES)
        .select_related("deal", "deal__company", "deal__contact", "deal__responsible")
        .order_by("created_at", "pk")
    )


def approval_history(*, limit: int = 20) -> QuerySet[Task]:
    """The director's latest decisions, newest first: only the columns the table shows."""
    return (
        Task.objects.filter(
            kind=Task.Kind.APPROVAL, status__in=(Task.Status.DONE, Task.Status.RETURNED)
        )
        .select_related("deal", "completed_by")
        .only(
            "status",
            "decision_comment",
            "completed_at",
            "deal__title",
            "completed_by__first_name",
            "completed_by__last_name",
            "completed_by__username",
        )
        .order_by("-completed_at", "-pk")[:limit]
    )


def tasks_of_visible_deals(*, user: AnyUser) -> QuerySet[Task]:
    """Open tasks of the deals the user may see and the assignments given to them (a
    manager's «Задачи»)."""
    return (
        Task.objects.filter(
            Q(deal__in=deal_visible_to(user).values("pk")) | Q(assignee=user),
            status__in=Task.OPEN_STATUSES,
        )
        .select_related("deal", "deal__company", "assignee")
        .order_by("-created_at", "-pk")
    )
