"""The header's search over deals, companies and contact persons."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from deals.forms import GlobalSearchForm
from deals.page_selectors import SEARCH_LIMIT, global_search
from deals.views.common import sales_required


@sales_required
def search(request: HttpRequest) -> HttpResponse:
    form = GlobalSearchForm(request.GET)
    valid = form.is_valid()
    text = form.cleaned_data["q"] if valid else ""
    results = global_search(user=request.user, text=text)
    context = {"form": form, "text": text, "results": results, "limit": SEARCH_LIMIT}
    return render(request, "deals/search.html", context, status=200 if valid else 400)
