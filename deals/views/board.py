"""A pipeline's kanban board, its «more cards» column pages and the list view."""

from __future__ import annotations

import datetime

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.dateparse import parse_datetime

from deals.forms import DealFilter
from deals.models import Deal
from deals.page_selectors import BOARD_PAGE_SIZE, deal_board, deal_board_column
from deals.pipelines import PIPELINES, Pipeline
from deals.selectors import deal_list
from deals.views.common import sales_required

LIST_PAGE_SIZE = 50


def pipeline_or_404(code: str) -> Pipeline:
    try:
        return PIPELINES[code]
    except KeyError:
        raise Http404 from None


def _filters(request: HttpRequest, pipeline: Pipeline) -> DealFilter:
    return DealFilter(
        request.GET or None, queryset=Deal.objects.all(), pipeline=pipeline, request=request
    )


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


@sales_required
def board(request: HttpRequest, code: str) -> HttpResponse:
    pipeline = pipeline_or_404(code)
    filters = _filters(request, pipeline)
    columns = deal_board(user=request.user, pipeline=pipeline, queryset=filters.qs)
    context = {
        "pipeline": pipeline,
        "columns": columns,
        "filter_fields": [filters.form["q"], filters.form["responsible"]],
        "moves": board_moves(pipeline),
        "query": request.GET.urlencode(),
    }
    if request.htmx and request.htmx.target == "board":
        return render(request, "deals/_board_columns.html", context)
    return render(request, "deals/board.html", context)


def _after(value: str) -> tuple[datetime.datetime, int] | None:
    """The last card shown, as «<time in stage>_<id>»."""
    entered, _sep, pk = value.rpartition("_")
    moment = parse_datetime(entered) if entered else None
    if moment is None or not pk.isdigit():
        return None
    return moment, int(pk)


@sales_required
def board_column(request: HttpRequest, code: str, stage: str) -> HttpResponse:
    """The next cards of one column (loaded when the user scrolls to its end)."""
    pipeline = pipeline_or_404(code)
    if stage not in pipeline.stages_by_code:
        raise Http404
    filters = _filters(request, pipeline)
    cards = deal_board_column(
        user=request.user,
        pipeline=pipeline,
        stage=stage,
        after=_after(request.GET.get("after", "")),
        queryset=filters.qs,
    )
    query = request.GET.copy()
    query.pop("after", None)
    return render(
        request,
        "deals/_cards.html",
        {
            "pipeline": pipeline,
            "stage": pipeline.stage(stage),
            "cards": cards,
            "has_more": len(cards) == BOARD_PAGE_SIZE,
            "query": query.urlencode(),
        },
    )


@sales_required
def deal_table(request: HttpRequest, code: str) -> HttpResponse:
    """The same deals as a table: sorting, filters and a search in the title."""
    pipeline = pipeline_or_404(code)
    filters = DealFilter(
        request.GET or None,
        queryset=deal_list(user=request.user, pipeline=pipeline.code).order_by("-created_at"),
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
    )
