"""Moving a deal from the board or the card. A refused move answers with a dialog: the exact
fields the stage still lacks, the failure reason, or the comment a return needs; the dialog
is sent back with the move (``deal_move(data=...)``) so nothing is saved halfway.

Every move form, dialog and drop carries ``expected_stage``, the stage the page showed: a deal
moved since by someone else is not moved again, the user is told which stage it is in now."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django_htmx.http import reswap, retarget, trigger_client_event

from deals import automation, services
from deals.exceptions import (
    MISSING_FIELDS,
    DealConflictError,
    DealFieldError,
    MissingFieldsError,
)
from deals.forms import CommentRequiredForm, FailureForm, MissingFieldsForm
from deals.models import Deal
from deals.pipelines import Transition
from deals.views.common import sales_required, visible_deal
from fulfillment.exceptions import ApplicationError

DIALOG_SLOT = "#dialog-slot"


def _move_or_404(deal: Deal, name: str) -> Transition:
    move = deal.pipeline_spec.transition(name)
    if move is None or deal.stage not in move.sources:
        raise Http404
    return move


def _form(request: HttpRequest, deal: Deal, move: Transition, *, bound: bool):
    data = (request.POST, request.FILES) if bound else ()
    if move.kind == "fail":
        return FailureForm(*data, pipeline=deal.pipeline)
    if move.kind in ("return", "reopen"):
        return CommentRequiredForm(*data)
    available = {m.name: m for m in services.deal_available_moves(deal=deal, user=request.user)}
    missing = available[move.name].missing if move.name in available else ()
    return MissingFieldsForm(*data, requirements=missing, deal=deal)


def _dialog(
    request: HttpRequest,
    deal: Deal,
    move: Transition,
    form: forms.Form,
    *,
    error: str = "",
) -> HttpResponse:
    context = {
        "deal": deal,
        "move": move,
        "form": form,
        "error": error,
        # What the automation does on entering a closing stage (a handoff): said before.
        "consequences": (
            [str(action.label) for action in automation.actions_for(deal.pipeline, move.target)]
            if move.target and not deal.pipeline_spec.stage(move.target).is_open
            else []
        ),
    }
    if not request.htmx:
        return render(request, "deals/move.html", context)
    response = render(request, "deals/_move_dialog.html", context)
    return reswap(retarget(response, DIALOG_SLOT), "innerHTML")


def _still_missing(form: forms.Form) -> str:
    """A partly filled dialog keeps its summary on top: the fields still left empty."""
    empty = [
        str(form.fields[name].label)
        for name, errors in form.errors.as_data().items()
        if name in form.fields and any(e.code == "required" for e in errors)
    ]
    return _(MISSING_FIELDS) % {"fields": ", ".join(empty)} if empty else ""


def _expected_stage(request: HttpRequest) -> str | None:
    """The stage the page showed the deal in (a hidden field, or a drop's query)."""
    return request.POST.get("expected_stage") or request.GET.get("expected_stage") or None


def _moved_meanwhile(request: HttpRequest, deal: Deal, message: str) -> HttpResponse:
    """The deal is no longer in the stage the page showed: say where it is, move nothing."""
    if not request.htmx:
        messages.error(request, message)
        return redirect("deals:detail", pk=deal.pk)
    reload_url = request.htmx.current_url_abs_path or reverse("deals:detail", args=[deal.pk])
    context = {"deal": deal, "error": message, "reload_url": reload_url}
    response = render(request, "deals/_move_conflict.html", context)
    return reswap(retarget(response, DIALOG_SLOT), "innerHTML")


def _moved(request: HttpRequest, deal: Deal) -> HttpResponse:
    if request.htmx:
        response = HttpResponse(status=204)
        return trigger_client_event(response, "dealMoved", {"deal": deal.pk, "stage": deal.stage})
    messages.success(request, _("The deal is now in «%(stage)s».") % {"stage": deal.stage_label})
    return redirect("deals:detail", pk=deal.pk)


def _move_arguments(form: forms.Form | None) -> dict[str, Any]:
    if form is None:
        return {}
    if isinstance(form, MissingFieldsForm):
        return {"data": form.filled_data()}
    return {k: form.cleaned_data[k] for k in ("comment", "reason") if k in form.cleaned_data}


@sales_required
def deal_moves(request: HttpRequest, pk: int) -> HttpResponse:
    """The stage menu of a card: the moves allowed now (keyboard users' drag and drop). A card
    showing a stage the deal has left since says where it is instead."""
    deal = visible_deal(request, pk)
    try:
        services.deal_stage_check(deal=deal, expected_stage=_expected_stage(request))
    except ApplicationError as error:
        return _moved_meanwhile(request, deal, error.message)
    context = {"deal": deal, "moves": services.deal_available_moves(deal=deal, user=request.user)}
    if not request.htmx:
        return render(request, "deals/moves.html", context)
    response = render(request, "deals/_moves_dialog.html", context)
    return reswap(retarget(response, DIALOG_SLOT), "innerHTML")


@sales_required
def deal_move(request: HttpRequest, pk: int, transition: str) -> HttpResponse:
    """GET: the move's dialog. POST: make the move; a refusal answers with the dialog again.

    A forward move posted straight from the board or a button carries no fields: the
    service's refusal names what is missing and the dialog shows exactly those fields.
    """
    deal = visible_deal(request, pk)
    expected_stage = _expected_stage(request)
    try:
        services.deal_stage_check(deal=deal, expected_stage=expected_stage)
    except ApplicationError as error:
        return _moved_meanwhile(request, deal, error.message)
    move = _move_or_404(deal, transition)
    if request.method != "POST":
        return _dialog(request, deal, move, _form(request, deal, move, bound=False))
    # The dialog posts ``dialog=1``; a bare forward move (drop, button) has nothing to bind.
    submitted = request.POST.get("dialog") == "1" or move.kind != "forward"
    form = _form(request, deal, move, bound=True) if submitted else None
    if form is not None and not form.is_valid():
        return _dialog(request, deal, move, form, error=_still_missing(form))
    try:
        services.deal_move(
            deal=deal,
            transition=move.name,
            actor=request.user,
            expected_stage=expected_stage,
            **_move_arguments(form),
        )
    except DealConflictError as error:
        return _moved_meanwhile(request, deal, error.message)
    except MissingFieldsError as error:
        dialog_form = MissingFieldsForm(
            request.POST if submitted else None,
            request.FILES if submitted else None,
            requirements=error.missing,
            deal=deal,
        )
        return _dialog(request, deal, move, dialog_form, error=error.message)
    except DealFieldError as error:
        form = form or _form(request, deal, move, bound=True)
        if form.is_valid() and isinstance(form, MissingFieldsForm):
            form.add_service_errors(error.errors)
        return _dialog(request, deal, move, form, error=error.message)
    except ApplicationError as error:
        form = form or _form(request, deal, move, bound=False)
        return _dialog(request, deal, move, form, error=error.message)
    return _moved(request, deal)
