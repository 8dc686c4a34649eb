"""«Просроченные сделки»: the overdue deals the user may see, most overdue first (the morning
digest links here)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from deadlines.services import deals_overdue
from deals.selectors import deal_visible_to
from deals.views.common import sales_required


@sales_required
def overdue(request: HttpRequest) -> HttpResponse:
    deals = deals_overdue(queryset=deal_visible_to(request.user))
    return render(request, "deadlines/overdue.html", {"deals": deals})
