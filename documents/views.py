"""The deal card's documents panel and its buttons (POST only, back to the card with a
message)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from deals.models import Deal
from deals.views.common import sales_required, visible_deal
from documents.models import Document
from documents.selectors import deal_documents
from documents.services import document_generate, document_kinds_for, may_generate
from fulfillment.exceptions import ApplicationError
from fulfillment.roles import sees_money

BUTTONS = {
    Document.Kind.PROPOSAL: gettext_lazy("Prepare commercial proposal"),
    Document.Kind.INVOICE: gettext_lazy("Issue invoice"),
    Document.Kind.ACT: gettext_lazy("Act of work done"),
}


class GenerateForm(forms.Form):
    expected_stage = forms.CharField(required=False)
    pallet_days = forms.IntegerField(
        label=gettext_lazy("Storage, pallet-days"), required=False, min_value=0, max_value=10**6
    )


def documents_panel(request: HttpRequest, deal: Deal) -> dict[str, Any] | None:
    """The card's «Documents» panel: the buttons the stage allows and the documents made."""
    user = request.user
    if not sees_money(user):
        return None
    kinds = document_kinds_for(deal) if may_generate(deal, user) else []
    documents = list(deal_documents(deal=deal, user=user))
    if not kinds and not documents:
        return None
    return {
        "deal": deal,
        "buttons": [{"kind": kind, "label": BUTTONS[kind]} for kind in kinds],
        "documents": documents,
    }


@require_POST
@sales_required
def generate(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    deal = visible_deal(request, pk)
    form = GenerateForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("deals:detail", deal.pk)
    try:
        document = document_generate(
            deal=deal,
            kind=kind,
            actor=request.user,
            pallet_days=form.cleaned_data["pallet_days"],
            expected_stage=form.cleaned_data["expected_stage"] or None,
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(document)s № %(number)s is ready.")
            % {"document": document.get_kind_display().capitalize(), "number": document.number},
        )
    return redirect("deals:detail", deal.pk)
