"""Where a user lands after signing in, and the tasks of a manager's deals."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from deals.page_selectors import tasks_of_visible_deals
from deals.pipelines import CALCULATION
from deals.views.common import sales_required
from fulfillment.roles import is_administrator, is_sales, is_warehouse

WAREHOUSE_HOME = "/warehouse/"


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Admins go to the admin site, warehouse staff to their tasks, sales staff and the
    director to the board of calculation requests (where every client starts)."""
    user = request.user
    if is_administrator(user):
        return redirect("admin:index")
    if is_warehouse(user):
        return redirect(WAREHOUSE_HOME)
    if is_sales(user):
        return redirect("deals:board", code=CALCULATION.code)
    raise PermissionDenied


@sales_required
def tasks(request: HttpRequest) -> HttpResponse:
    page = Paginator(tasks_of_visible_deals(user=request.user), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "deals/tasks.html", {"page": page})
