"""A pipeline's kanban board, its «more cards» column pages and the list view."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from html import escape
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from deals.due import due_loader
from deals.forms import BoardFilter, DealFilter
from deals.guards import reopens_deals
from deals.models import Deal
from deals.page_selectors import (
    BOARD_PAGE_SIZE,
    BoardCard,
    BoardColumn,
    deal_board,
    deal_board_column,
)
from deals.pipelines import PIPELINES, Pipeline, Stage
from deals.pipelines.fields import creatable_stages
from deals.selectors import deal_list
from deals.templatetags.deal_tags import money
from deals.views.common import sales_required
from fulfillment.roles import AnyUser

LIST_PAGE_SIZE = 50


def pipeline_or_404(code: str) -> Pipeline:
    try:
        return PIPELINES[code]
    except KeyError:
        raise Http404 from None


def _filters(request: HttpRequest) -> BoardFilter:
    return BoardFilter(request.GET or None, queryset=Deal.objects.all(), request=request)


def _status(filters) -> int:
    """A page filtered by values its form refuses answers 400 (the form shows why); the
    refused filters are left out of the query, never sent to the database."""
    return 400 if filters.errors else 200


@cache
def board_moves(pipeline: Pipeline) -> dict[str, dict[str, str]]:
    """For each stage, the stage a card may be dropped on and the move that takes it there —
    read from the spec's transitions (reopening picks its target itself, so it is not a drop)."""
    moves: dict[str, dict[str, str]] = {stage.code: {} for stage in pipeline.stages}
    for move in pipeline.transitions:
        if move.target is None:
            continue
        for source in move.sources:
            moves[source][move.target] = move.name
    return moves


_SOME_ID = 987654321  # stands for a deal's id in a reversed URL; no other part contains it


def _url_with_id(name: str) -> Callable[[int], str]:
    """``reverse(name, args=[pk])``, HTML-escaped, for many ids at the cost of one reverse."""
    head, _id, tail = escape(reverse(name, args=[_SOME_ID])).rpartition(str(_SOME_ID))
    return lambda pk: f"{head}{pk}{tail}"


# A card as the board prints it: the drag data, the title link, client, amount, responsible,
# days in stage, open tasks and the stage menu button. Printed in Python rather than through
# template tags: 60 cards rendered tag by tag were the largest part of the board's time
# outside the database (``manage.py bench_pages``).
CARD_HTML = """
<li class="deal-card{overdue_class}" draggable="{draggable}" data-deal="{pk}" data-stage="{stage}" \
data-moves-url="{moves_url}">
  <a class="deal-title" id="deal-{pk}" href="{url}" hx-get="{preview_url}" \
hx-target="#side-panel" hx-swap="innerHTML">{title}</a>
  <p class="deal-client">{client}</p>
  <p class="deal-amount">{amount}</p>
  <p class="deal-meta">
    <span>{responsible}</span>
    <span>{in_stage}</span>
    {open_tasks}
  </p>{overdue}
  {menu}
</li>"""
MENU_HTML = """<button type="button" class="card-menu" \
hx-get="{moves_url}?expected_stage={stage}" \
hx-target="#dialog-slot" aria-describedby="deal-{pk}">{move_label}</button>"""
OPEN_TASKS_HTML = '<span class="tasks">{}</span>'
OVERDUE_HTML = '\n  <p class="deal-overdue overdue">{}</p>'


class CardPrinter:
    """Prints board cards in the active language.

    Every text of a card is HTML-escaped: the deal's own texts (title, stage, client,
    amount, the responsible's name) card by card, and what is the same for every card — the
    URL patterns and the phrases — once per response, when they are looked up. The rest are
    integers (ids, days, task counts)."""

    def __init__(self, *, pipeline: Pipeline, user: AnyUser) -> None:
        self.now = timezone.now()
        # A closed deal has no move but an administrator's reopening: no menu, no dragging.
        self.fixed_stages = (
            set() if reopens_deals(user) else {s.code for s in pipeline.stages if not s.is_open}
        )
        self.deal_url = _url_with_id("deals:detail")
        self.moves_url = _url_with_id("deals:moves")
        self.preview_url = _url_with_id("deals:preview")
        self.in_stage = escape(gettext("%(days)s d. in stage"))
        self.open_tasks = OPEN_TASKS_HTML.format(escape(gettext("Open tasks: %(n)s")))
        self.move_label = escape(gettext("Move…"))
        # Stage deadlines: the rules read once per response, each card's due moment computed
        # from its values.
        self.pipeline = pipeline.code
        self.due_at = due_loader()
        self.overdue = OVERDUE_HTML.format(escape(gettext("Overdue since %(at)s")))

    def __call__(self, card: BoardCard) -> SafeString:
        pk = card["pk"]
        # Named as ``fulfillment.roles.person_name`` names staff: the full name, else the login.
        responsible = f"{card['responsible_first_name']} {card['responsible_last_name']}".strip()
        days = (self.now - card["stage_entered_at"]).days
        tasks = int(card["open_tasks"])
        fixed = card["stage"] in self.fixed_stages
        moves_url = self.moves_url(pk)
        menu = (
            ""
            if fixed
            else MENU_HTML.format(
                moves_url=moves_url,
                stage=escape(card["stage"]),
                pk=int(pk),
                move_label=self.move_label,
            )
        )
        return mark_safe(
            CARD_HTML.format(
                pk=int(pk),
                draggable="false" if fixed else "true",
                menu=menu,
                stage=escape(card["stage"]),
                url=self.deal_url(pk),
                preview_url=self.preview_url(pk),
                moves_url=moves_url,
                title=escape(card["title"]),
                client=escape(card["client"] or "—"),
                amount=escape(money(card["amount"])),
                responsible=escape(responsible or card["responsible_username"]),
                in_stage=self.in_stage % {"days": int(days)},
                open_tasks=self.open_tasks % {"n": tasks} if tasks else "",
                **self.overdue_mark(card),
            )
        )

    def overdue_mark(self, card: BoardCard) -> dict[str, str]:
        """«Просрочено с …» and the red edge once the card's stage deadline has passed."""
        due = self.due_at(self.pipeline, card)
        if due is None or due > self.now:
            return {"overdue": "", "overdue_class": ""}
        return {
            "overdue": self.overdue % {"at": localtime(due).strftime("%d.%m %H:%M")},
            "overdue_class": " is-overdue",
        }


def more_url(pipeline: Pipeline, stage: Stage, last: BoardCard, query: str) -> str:
    """The URL of a column's next cards, after the last card shown («<time in stage>_<id>»)."""
    after = urlencode({"after": f"{last['stage_entered_at'].isoformat()}_{last['pk']}"})
    url = reverse("deals:column", args=[pipeline.code, stage.code])
    return f"{url}?{after}&{query}" if query else f"{url}?{after}"


@dataclass(frozen=True)
class PrintedColumn:
    """A board column as the page shows it: its stage, count and sum, its first cards
    printed, and where its next cards load from ("" when it shows them all)."""

    stage: Stage
    count: int
    total: Decimal
    cards: list[SafeString]
    more_url: str


def printed_columns(
    columns: list[BoardColumn], *, pipeline: Pipeline, query: str, user: AnyUser
) -> list[PrintedColumn]:
    printer = CardPrinter(pipeline=pipeline, user=user)
    return [
        PrintedColumn(
            stage=column.stage,
            count=column.count,
            total=column.total,
            cards=[printer(card) for card in column.cards],
            more_url=(
                more_url(pipeline, column.stage, column.last, query)
                if column.has_more and column.last
                else ""
            ),
        )
        for column in columns
    ]


@sales_required
def board(request: HttpRequest, code: str) -> HttpResponse:
    pipeline = pipeline_or_404(code)
    filters = _filters(request)
    query = request.GET.urlencode()
    columns = deal_board(user=request.user, pipeline=pipeline, queryset=filters.qs)
    context = {
        "pipeline": pipeline,
        "columns": printed_columns(columns, pipeline=pipeline, query=query, user=request.user),
        "filters": filters,
        "moves": board_moves(pipeline),
        "creatable": creatable_stages(pipeline.code),  # the columns' quick «+»
        "query": query,
    }
    status = _status(filters)
    if request.htmx and request.htmx.target == "board":
        return render(request, "deals/_board_columns.html", context, status=status)
    return render(request, "deals/board.html", context, status=status)


BAD_CURSOR = _("The column cannot be continued from this place: reload the page.")
_CURSOR = re.compile(r"(?P<entered>[0-9T:.+\- ]{10,40})_(?P<pk>[0-9]{1,18})", re.ASCII)


class BadCursor(ValueError):
    """The scroll cursor is not «<time in stage>_<id>» of a real moment and id."""


def parse_cursor(value: str) -> tuple[datetime.datetime, int] | None:
    """The last card shown, from «<time in stage>_<id>» (``more_url`` writes it); None for
    none (the column's first cards). Anything else — an impossible date such as 31 February,
    a moment out of range, an id no column holds — raises ``BadCursor``."""
    if not value:
        return None
    match = _CURSOR.fullmatch(value)
    if match is None:
        raise BadCursor(value)
    try:
        moment = parse_datetime(match["entered"])
        if moment is None:
            raise BadCursor(value)
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        moment.astimezone(datetime.UTC)  # out of range once in UTC (year 1 or 9999)
    except (ValueError, OverflowError) as error:
        raise BadCursor(value) from error
    return moment, int(match["pk"])


@sales_required
def board_column(request: HttpRequest, code: str, stage: str) -> HttpResponse:
    """The next cards of one column (loaded when the user scrolls to its end)."""
    pipeline = pipeline_or_404(code)
    if stage not in pipeline.stages_by_code:
        raise Http404
    filters = _filters(request)
    try:
        after = parse_cursor(request.GET.get("after", ""))
    except BadCursor:
        return HttpResponseBadRequest(gettext(BAD_CURSOR), content_type="text/plain")
    cards = deal_board_column(
        user=request.user, pipeline=pipeline, stage=stage, after=after, queryset=filters.qs
    )
    query = request.GET.copy()
    query.pop("after", None)
    printer = CardPrinter(pipeline=pipeline, user=request.user)
    return render(
        request,
        "deals/_cards.html",
        {
            "cards": [printer(card) for card in cards],
            "more_url": more_url(pipeline, pipeline.stage(stage), cards[-1], query.urlencode())
            if len(cards) == BOARD_PAGE_SIZE
            else "",
        },
        status=_status(filters),
    )


@sales_required
def deal_table(request: HttpRequest, code: str) -> HttpResponse:
    """The same deals as a table: sorting, filters and a search in the title."""
    pipeline = pipeline_or_404(code)
    filters = DealFilter(
        request.GET or None,
        queryset=deal_list(user=request.user, pipeline=pipeline.code).order_by(
            "-created_at", "-pk"
        ),
        pipeline=pipeline,
        request=request,
    )
    page = Paginator(filters.qs, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "deals/list.html",
        {"pipeline": pipeline, "filters": filters, "page": page, "query": query.urlencode()},
        status=_status(filters),
    )
