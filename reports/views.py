"""The analytics pages: one view for every report, its filter kept in the URL, its tables
downloadable as XLSX (``?format=xlsx``)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from reports.exports import page_xlsx
from reports.forms import can_see_analytics, report_scope
from reports.tables import REPORTS

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
def index(request: HttpRequest) -> HttpResponse:
    return redirect("reports:report", "funnel")


@login_required
def report(request: HttpRequest, slug: str) -> HttpResponse:
    if not can_see_analytics(request.user):
        raise PermissionDenied
    spec = REPORTS.get(slug)
    if spec is None:
        raise Http404
    form, scope = report_scope(request.user, request.GET, pipeline_required=spec.needs_pipeline)
    page = spec.build(scope) if scope is not None else None
    if page is not None and request.GET.get("format") == "xlsx":
        response = HttpResponse(page_xlsx(page), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{slug}.xlsx"'
        return response
    query = request.GET.copy()
    query.pop("format", None)
    return render(
        request,
        "reports/report.html",
        {
            "form": form,
            "page": page,
            "report": spec,
            "reports": REPORTS.values(),
            "query": query.urlencode(),
        },
        status=200 if page is not None else 400,
    )
