"""Company and contact cards: legal details, the contract status, contacts and every deal of
the client across the pipelines (the ones the user may see)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from deals import services
from deals.forms import CompanyForm, CompanySearchForm, ContactForm
from deals.models import Company, Contact, Deal
from deals.page_selectors import (
    COMPANY_HISTORY_SHOWN,
    company_deals,
    company_history,
    company_list,
)
from deals.pipelines import PIPELINES
from deals.selectors import deal_visible_to
from deals.views.common import sales_required


@sales_required
def companies(request: HttpRequest) -> HttpResponse:
    form = CompanySearchForm(request.GET)
    valid = form.is_valid()
    search = form.cleaned_data["q"] if valid else ""
    page = Paginator(company_list(search=search), 50).get_page(request.GET.get("page"))
    context = {"page": page, "search": search, "search_errors": form.errors.get("q", [])}
    return render(request, "deals/companies.html", context, status=200 if valid else 400)


T = TypeVar("T")


def _saved(form: forms.Form, save: Callable[[], T]) -> T | None:
    """Run the service; a rule it refuses lands on the form's field (or on the form)."""
    try:
        return save()
    except ValidationError as error:
        errors = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
        for field, messages_ in errors.items():
            for message in messages_:
                form.add_error(field if field in form.fields else None, message)
        return None


@sales_required
def company_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    company = get_object_or_404(Company, pk=pk) if pk else None
    form = CompanyForm(request.POST or None, instance=company)
    if request.method == "POST" and form.is_valid():
        # The services validate the INN, KPP, OGRN and bank details.
        saved = _saved(
            form,
            lambda: (
                services.company_create(**form.cleaned_data)
                if company is None
                else services.company_update(
                    company=company, data=form.cleaned_data, actor=request.user
                )
            ),
        )
        if saved is not None:
            messages.success(request, _("Saved."))
            return redirect("deals:company", pk=saved.pk)
    return render(request, "deals/company_form.html", {"form": form, "company": company})


def _company_page(request: HttpRequest, company: Company, contact_form: ContactForm):
    history = company_history(user=request.user, company=company)
    show_all = request.GET.get("history") == "all"
    return render(
        request,
        "deals/company.html",
        {
            "company": company,
            "contacts": list(company.contacts.all()),
            "deals": company_deals(user=request.user, company=company),
            "contact_form": contact_form,
            "history": history if show_all else history[:COMPANY_HISTORY_SHOWN],
            "pipelines": [(code, pipeline.label) for code, pipeline in PIPELINES.items()],
            "history_hidden": 0 if show_all else max(len(history) - COMPANY_HISTORY_SHOWN, 0),
        },
    )


@sales_required
def company_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _company_page(request, get_object_or_404(Company, pk=pk), ContactForm())


@require_POST
@sales_required
def contact_add(request: HttpRequest, pk: int) -> HttpResponse:
    company = get_object_or_404(Company, pk=pk)
    form = ContactForm(request.POST)
    if form.is_valid() and _saved(
        form, lambda: services.contact_create(company=company, **form.cleaned_data)
    ):
        messages.success(request, _("The contact is added."))
        return redirect("deals:company", pk=company.pk)
    return _company_page(request, company, form)


@sales_required
def contact_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a contact's name, position, phone or e-mail; back to the contact card."""
    contact = get_object_or_404(Contact.objects.select_related("company"), pk=pk)
    form = ContactForm(request.POST or None, instance=contact)
    saved = (
        request.method == "POST"
        and form.is_valid()
        and _saved(
            form,
            lambda: services.contact_update(
                contact=contact, data=form.cleaned_data, actor=request.user
            ),
        )
    )
    if saved:
        messages.success(request, _("Saved."))
        return redirect("deals:contact", pk=contact.pk)
    return render(request, "deals/contact_form.html", {"form": form, "contact": contact})


@sales_required
def contact_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contact = get_object_or_404(Contact.objects.select_related("company"), pk=pk)
    deals = deal_visible_to(request.user, Deal.objects.filter(contact=contact)).order_by(
        "-created_at"
    )
    return render(request, "deals/contact.html", {"contact": contact, "deals": list(deals)})
