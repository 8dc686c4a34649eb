"""«Отправить клиенту» from the deal card (a page with the message to edit, then the outbox)
and the unmatched replies an administrator attaches to deals."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from correspondence import selectors, services
from correspondence.forms import AttachForm, ComposeForm
from correspondence.models import IncomingEmail, Purpose
from deals.models import Contact, Deal
from deals.views.common import sales_required, visible_deal
from fulfillment.exceptions import ApplicationError
from fulfillment.roles import is_administrator


def card_panel(request: HttpRequest, deal: Deal) -> dict | None:
    """The «Отправить клиенту» panel: one link per purpose whose file the deal has; shown to
    whoever may edit the deal (never warehouse staff)."""
    if not services.may_email_client(deal, request.user):
        return None
    documents = services.latest_document_files(deal, request.user)
    purposes = [
        {
            "code": code,
            "label": label,
            "ready": services.purpose_attachment(deal, code, documents) is not None,
        }
        for code, label in Purpose.choices
    ]
    return {
        "deal": deal,
        "purposes": purposes,
        "has_recipient": bool(services.email_recipients(deal)),
    }


def _contact(deal: Deal, raw: str | None) -> Contact | None:
    if not raw or not raw.isdigit():
        return None
    return next((c for c in services.email_recipients(deal) if c.pk == int(raw)), None)


@sales_required
def compose(request: HttpRequest, pk: int) -> HttpResponse:
    """The message of a purpose as its template fills it; the person edits it and sends."""
    deal = visible_deal(request, pk)
    if not services.may_email_client(deal, request.user):
        raise PermissionDenied
    purpose = request.GET.get("purpose", "")
    card = reverse("deals:detail", args=[deal.pk])
    try:
        draft = services.email_draft(
            deal=deal,
            purpose=purpose,
            user=request.user,
            contact=_contact(deal, request.POST.get("contact") or request.GET.get("contact")),
        )
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect(card)
    recipients = services.email_recipients(deal)
    form = ComposeForm(
        request.POST or None,
        recipients=recipients,
        initial={"contact": draft.contact.pk, "subject": draft.subject, "body": draft.body},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.email_send(
                deal=deal,
                actor=request.user,
                purpose=purpose,
                contact=form.cleaned_data["contact"],
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("The e-mail to %(to)s is queued; its status is on the timeline.")
                % {"to": form.cleaned_data["contact"].email},
            )
            return redirect(card + "#timeline")
    return render(
        request,
        "correspondence/compose.html",
        {
            "deal": deal,
            "draft": draft,
            "form": form,
            "purpose_label": Purpose(purpose).label,
            "recipients": recipients,
        },
    )


def _administrator(request: HttpRequest) -> None:
    if not is_administrator(request.user):
        raise PermissionDenied


@login_required
def unmatched(request: HttpRequest) -> HttpResponse:
    """Replies no deal was found for, newest first, each with «Привязать к сделке»."""
    _administrator(request)
    return render(
        request,
        "correspondence/unmatched.html",
        {"emails": selectors.unmatched_incoming()[:200], "form": AttachForm()},
    )


@login_required
@require_POST
def attach(request: HttpRequest, pk: int) -> HttpResponse:
    _administrator(request)
    email = get_object_or_404(IncomingEmail, pk=pk)
    form = AttachForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("deal", [_("Enter a deal number.")])))
        return redirect("correspondence:unmatched")
    try:
        services.incoming_attach(
            email=email, deal_number=form.cleaned_data["deal"], actor=request.user
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("The e-mail is on deal №%(number)s now.") % {"number": email.deal_id},
        )
    return redirect("correspondence:unmatched")
