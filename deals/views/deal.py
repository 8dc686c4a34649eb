"""The deal card: fields grouped as the spec groups them, files, links to related deals, open
tasks, the moves allowed now and the timeline; editing a group in place; comments."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from deals import services
from deals.card import card_panels
from deals.due import deal_due
from deals.forms import DealCommentForm, DealEditForm, is_editable
from deals.models import Deal, Task
from deals.page_selectors import (
    deal_contract_links,
    deal_open_tasks,
    deal_related,
    deal_timeline,
)
from deals.pipelines.fields import field_type, model_field
from deals.selectors import task_visible_to
from deals.services.assignments import assignment_complete, can_change_assignment
from deals.views.common import sales_required, visible_deal
from fulfillment.exceptions import ApplicationError


def _groups(deal: Deal) -> list[dict]:
    return [
        {"index": index, "label": group.label, "paths": group.fields}
        for index, group in enumerate(deal.pipeline_spec.groups)
    ]


def _file_paths(deal: Deal) -> list[str]:
    return [
        code for code in deal.pipeline_spec.field_codes if field_type(model_field(code)) == "file"
    ]


def _open_tasks(deal: Deal, user) -> list[Task]:
    """The deal's open tasks, an assignment marked ``closable`` for whoever may close it and
    ``overdue`` once its deadline has passed."""
    tasks, now = deal_open_tasks(deal=deal), timezone.now()
    for task in tasks:
        task.closable = can_change_assignment(task, user)
        task.overdue = task.deadline is not None and task.deadline < now
    return tasks


@sales_required
def deal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    deal = visible_deal(request, pk)
    awaited_contract, awaited_by = deal_contract_links(user=request.user, deal=deal)
    return render(
        request,
        "deals/detail.html",
        {
            "awaited_contract": awaited_contract,
            "awaited_by": awaited_by,
            "deal": deal,
            "pipeline": deal.pipeline_spec,
            "groups": _groups(deal),
            "files": _file_paths(deal),
            "moves": services.deal_available_moves(deal=deal, user=request.user),
            "related": deal_related(user=request.user, deal=deal),
            "open_tasks": _open_tasks(deal, request.user),
            "due": deal_due(deal, now=timezone.now()),
            "timeline": deal_timeline(deal=deal, user=request.user),
            "comment_form": DealCommentForm(),
            "panels": card_panels(request, deal),
        },
    )


@sales_required
def deal_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The deal in the board's side panel: its fields (editable in place), open tasks and a
    way to move it or open its card, without leaving the board."""
    deal = visible_deal(request, pk)
    return render(
        request,
        "deals/_preview.html",
        {
            "deal": deal,
            "groups": _groups(deal),
            "open_tasks": deal_open_tasks(deal=deal),
            "due": deal_due(deal, now=timezone.now()),
            "can_move": bool(services.deal_available_moves(deal=deal, user=request.user)),
        },
    )


def _group_or_404(deal: Deal, index: int) -> dict:
    groups = _groups(deal)
    if not 0 <= index < len(groups):
        raise Http404
    return groups[index]


@sales_required
def deal_edit(request: HttpRequest, pk: int, group: int) -> HttpResponse:
    """Edit one group of the card (in place with HTMX, as a page without it)."""
    deal = visible_deal(request, pk)
    spec = _group_or_404(deal, group)
    form = DealEditForm(request.POST or None, request.FILES or None, deal=deal, paths=spec["paths"])
    if request.method == "POST" and form.is_valid():
        try:
            services.deal_update(deal=deal, actor=request.user, data=form.changed_path_data())
        except ApplicationError as error:
            form.add_refusal(error)
        else:
            if request.htmx:
                return render(
                    request, "deals/_group.html", {"deal": deal, "group": spec, "saved": True}
                )
            messages.success(request, _("Saved."))
            return redirect("deals:detail", pk=deal.pk)
    context = {
        "deal": deal,
        "group": spec,
        "form": form,
        "automation_paths": [p for p in spec["paths"] if not is_editable(p)],
    }
    template = "deals/_group_form.html" if request.htmx else "deals/group_edit.html"
    return render(request, template, context)


@sales_required
def deal_group(request: HttpRequest, pk: int, group: int) -> HttpResponse:
    """One group read-only (the «cancel» of editing in place)."""
    deal = visible_deal(request, pk)
    return render(request, "deals/_group.html", {"deal": deal, "group": _group_or_404(deal, group)})


@require_POST
@sales_required
def deal_comment(request: HttpRequest, pk: int) -> HttpResponse:
    deal = visible_deal(request, pk)
    form = DealCommentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            comment = services.deal_comment_add(
                deal=deal,
                author=request.user,
                text=form.cleaned_data["text"],
                file=form.cleaned_data["file"],
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            if warning := services.mentions_not_sent_message(comment):
                messages.warning(request, warning)
    else:  # an empty file, a text over its cap: said, never dropped silently
        for field_errors in form.errors.values():
            for message in field_errors:
                messages.error(request, message)
    return redirect(reverse("deals:detail", args=[deal.pk]) + "#timeline")


@sales_required
@require_POST
def task_done(request: HttpRequest, pk: int) -> HttpResponse:
    """«Выполнено» on an assignment in the deal card's open tasks."""
    task = task_visible_to(request.user).filter(pk=pk, kind=Task.Kind.ASSIGNMENT).first()
    if task is None:
        raise Http404
    try:
        assignment_complete(task=task, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The task «%(task)s» is done.") % {"task": task.title})
    return redirect(reverse("deals:detail", args=[task.deal_id]) + "#tasks-title")
