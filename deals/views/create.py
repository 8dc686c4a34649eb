"""«Создать» in a pipeline: the stage to create the deal in and the pipeline's fields; the
fields the stages before the chosen one require are marked, and red when left empty."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from deals import services
from deals.forms import CONTACTS_TARGET, DealCreateForm
from deals.models import Company
from deals.pipelines import Pipeline
from deals.views.board import pipeline_or_404
from deals.views.common import sales_required
from fulfillment.exceptions import ApplicationError


@sales_required
def deal_new(request: HttpRequest, code: str) -> HttpResponse:
    pipeline = pipeline_or_404(code)
    if request.htmx and request.htmx.target == CONTACTS_TARGET:
        return _contacts_of_company(request, pipeline)
    form = DealCreateForm(
        request.POST or None,
        request.FILES or None,
        pipeline=pipeline,
        user=request.user,
        initial={
            "stage": request.GET.get("stage", pipeline.first_stage.code),
            **_company_initial(request),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            deal = services.deal_create(
                pipeline=pipeline.code,
                actor=request.user,
                title=form.cleaned_data["title"],
                responsible=form.cleaned_data["responsible"],
                stage=form.cleaned_data["stage"],
                data=form.filled_data(),
            )
        except ApplicationError as error:
            form.add_refusal(error)
        else:
            messages.success(request, _("The deal «%(deal)s» is created.") % {"deal": deal.title})
            return redirect("deals:detail", pk=deal.pk)
    return render(request, "deals/new.html", {"pipeline": pipeline, "form": form})


def _company_initial(request: HttpRequest) -> dict:
    """«Создать сделку» from a company's card: the company chosen, the title begun."""
    pk = request.GET.get("company", "")
    company = Company.objects.filter(pk=int(pk)).first() if pk.isdigit() and len(pk) < 19 else None
    return {"company": company.pk, "title": f"{company.name}: "} if company else {}


def _contacts_of_company(request: HttpRequest, pipeline: Pipeline) -> HttpResponse:
    """The contact select for the company just chosen (keeping the chosen person if they work
    there)."""
    form = DealCreateForm(
        pipeline=pipeline,
        user=request.user,
        initial={"company": request.GET.get("company"), "contact": request.GET.get("contact")},
    )
    return render(request, "deals/_new_contacts.html", {"form": form})
