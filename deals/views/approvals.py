"""The director's («ГД») approval inbox: the КП waiting for a decision, approve or return with
remarks, and the past decisions."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from deals import services
from deals.forms import ApprovalReturnForm
from deals.models import Task
from deals.page_selectors import approval_history, approval_inbox
from deals.views.common import director_required
from fulfillment.exceptions import ApplicationError


def _auto_id(task: Task) -> str:
    """Each item's form gets ids of its own (the page lists several): «approval-5-remarks»."""
    return f"approval-{task.pk}-%s"


PAGE_SIZE = 20


def _page_number(request: HttpRequest) -> str | None:
    """The inbox page the director is on: in the query, or posted back with a decision."""
    return request.POST.get("page") or request.GET.get("page")


def _inbox(request: HttpRequest, *, failed: Task | None = None, form=None) -> HttpResponse:
    """One page of the КП waiting (oldest first), each with its return form; a refused return
    comes back on its page with its errors."""
    page = Paginator(approval_inbox(), PAGE_SIZE).get_page(_page_number(request))
    forms = {
        t.pk: (form if failed and failed.pk == t.pk else ApprovalReturnForm(auto_id=_auto_id(t)))
        for t in page
    }
    return render(
        request,
        "deals/approvals.html",
        {
            "page": page,
            "items": [(task, forms[task.pk]) for task in page],
            "history": approval_history(),
        },
        status=400 if failed else 200,
    )


def _back_to_inbox(request: HttpRequest) -> HttpResponse:
    """After a decision, the page the director was on (the last one if it is gone now)."""
    number = _page_number(request)
    url = reverse("deals:approvals")
    return redirect(f"{url}?page={number}" if number and number.isdigit() else url)


@director_required
def approvals(request: HttpRequest) -> HttpResponse:
    return _inbox(request)


def _approval(pk: int) -> Task:
    return get_object_or_404(Task.objects.select_related("deal"), pk=pk, kind=Task.Kind.APPROVAL)


@require_POST
@director_required
def approval_approve(request: HttpRequest, pk: int) -> HttpResponse:
    task = _approval(pk)
    try:
        services.approval_approve(task=task, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Approved: %(deal)s") % {"deal": task.deal.title})
    return _back_to_inbox(request)


@require_POST
@director_required
def approval_return(request: HttpRequest, pk: int) -> HttpResponse:
    task = _approval(pk)
    form = ApprovalReturnForm(request.POST, auto_id=_auto_id(task))
    if not form.is_valid():
        return _inbox(request, failed=task, form=form)
    try:
        services.approval_return(
            task=task, actor=request.user, remarks=form.cleaned_data["remarks"]
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Returned with remarks: %(deal)s") % {"deal": task.deal.title})
    return _back_to_inbox(request)
