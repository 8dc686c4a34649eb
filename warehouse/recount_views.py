"""The recount pages: «Пересчет» on the worker's phone (its JSON endpoints for the lines, the
sync of queued changes and the photos) and the manager's shipment list upload from the card.

The phone endpoints are for whoever may work on the task (its worker, or warehouse staff
for a task still in the queue); a manager who sees the task gets 403 there. Views parse,
authorize and call ``warehouse.recount``.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET, require_POST

from deals.models import Deal, Task
from deals.selectors import deal_visible_to
from deals.services.tasks import can_work_on_task
from fulfillment.api.parsers import loads as json_loads
from fulfillment.exceptions import ApplicationError, PermissionDeniedError
from warehouse import recount, selectors
from warehouse.views import render_page

# The phone page's words, for recount.js (sent in the page's JSON, formatted there).
PAGE_TEXTS = {
    "saved": _("All changes are saved"),
    "sending": _("Sending…"),
    "unsent": _("Not sent: %(count)s"),
    "offline": _("No network"),
    "notFound": _("No SKU «%(code)s» in the list."),
    "unexpected": _("not in the list"),
    "more": _("Show %(count)s more"),
    "confirm": _(
        "Finish the recount? The recount file and, where goods differ, the discrepancy act "
        "will be made."
    ),
    "wait": _("Not every change is sent yet: wait for the network."),
    "noCamera": _("The camera cannot be opened: type the barcode."),
    "photoOffline": _("A photo needs the network."),
    "photos": _("photos: %(count)s"),
    "totals": _(
        "Counted %(counted)s of %(expected)s · defective %(defective)s · lines %(done)s/%(lines)s"
    ),
}


# What ``json_script`` escapes, so the JSON cannot close its <script> element.
_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def page_json(data: dict) -> str:
    """The page's data for a ``<script type="application/json">``: as ``json_script`` makes
    it, but compact and with Cyrillic as UTF-8 (``\\uXXXX`` escapes take six bytes a letter)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), cls=DjangoJSONEncoder)
    return mark_safe(text.translate(_SCRIPT_ESCAPES))  # escaped above


def recount_task(request: HttpRequest, pk: int) -> Task:
    """The acceptance's warehouse task the user may work on: 404 when they cannot see it or
    it has no recount, 403 when they see it but do not do the work (a manager)."""
    task = selectors.warehouse_task_get(user=request.user, pk=pk)
    if task is None or task.deal.pipeline != "acceptance":
        raise Http404
    if not can_work_on_task(task, request.user):
        raise PermissionDenied
    return task


def _state(task: Task) -> dict:
    lines = recount.recount_lines(deal=task.deal)
    return {
        "lines": [recount.line_row(line) for line in lines],
        "version": recount.recount_version(task.deal),
    }


@login_required
@require_GET
@gzip_page  # 1,000 lines of JSON in the page: ~100 KB of text, ~25 KB on the wire
def recount_page(request: HttpRequest, pk: int) -> HttpResponse:
    task = recount_task(request, pk)
    if not task.is_open:
        messages.error(request, gettext("The task is closed: its recount can no longer change."))
        return redirect("warehouse:task", pk=task.pk)
    data = {
        **_state(task),
        "task": task.pk,
        "sync": reverse("warehouse:recount-sync", args=[task.pk]),
        "photos": reverse("warehouse:recount-photo", args=[task.pk, 0]),
        # The scanning library for phones without BarcodeDetector, loaded on demand.
        "t": {key: str(text) for key, text in PAGE_TEXTS.items()},
        "zxing": static("warehouse/vendor/zxing/zxing-0.23.0.min.js"),
    }
    return render_page(
        request,
        "warehouse/recount.html",
        {"task": task, "deal": task.deal, "data": data, "data_json": page_json(data)},
    )


def _error(error: ApplicationError, status: int = 400) -> JsonResponse:
    return JsonResponse({"detail": error.message}, status=status)


@login_required
@require_POST
def recount_sync(request: HttpRequest, pk: int) -> JsonResponse:
    """The phone's queue: ``{"ops": [...], "since": version}`` → what applied, what was
    refused, the lines' current values."""
    task = recount_task(request, pk)
    try:
        body = json_loads(request.body or b"{}")
        ops, since = body.get("ops", []), int(body.get("since") or 0)
    except (ValueError, AttributeError, TypeError):
        return JsonResponse({"detail": gettext(recount.BAD_OP)}, status=400)
    try:
        result = recount.recount_sync(task=task, worker=request.user, ops=ops, since=since)
    except ApplicationError as error:
        return _error(error, 403 if isinstance(error, PermissionDeniedError) else 400)
    return JsonResponse(
        {
            "applied": result.applied,
            "rejected": result.rejected,
            "refs": result.refs,
            "lines": result.lines,
            "version": result.version,
        }
    )


@login_required
@require_POST
def recount_photo(request: HttpRequest, pk: int, line: int) -> JsonResponse:
    task = recount_task(request, pk)
    upload = request.FILES.get("photo")
    if upload is None:
        return JsonResponse({"detail": gettext(recount.PHOTO_NOT_IMAGE)}, status=400)
    try:
        photo = recount.recount_photo_add(
            task=task, worker=request.user, line_id=line, upload=upload
        )
    except ApplicationError as error:
        return _error(error)
    return JsonResponse({"line": line, "photos": photo.line.photos.count()}, status=201)


@login_required
@require_POST
def recount_finish(request: HttpRequest, pk: int) -> HttpResponse:
    """«Завершить пересчет»: the recount file and the act are made, the task completed."""
    task = recount_task(request, pk)
    try:
        recount.recount_finish(task=task, worker=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("warehouse:recount", pk=task.pk)
    messages.success(request, gettext("The recount is finished. The manager has been told."))
    return redirect("warehouse:task", pk=task.pk)


@login_required
@require_POST
def shipment_list_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """The manager's upload from the deal card's «Пересчет» panel."""
    deal = deal_visible_to(request.user, Deal.objects.filter(pk=pk)).first()
    if deal is None:
        raise Http404
    upload = request.FILES.get("shipment_list")
    if upload is None:
        messages.error(request, gettext(recount.LIST_TYPE))
    else:
        try:
            count = recount.shipment_list_load(deal=deal, upload=upload, actor=request.user)
        except ApplicationError as error:
            for line in error.message.splitlines():
                messages.error(request, line)
        else:
            messages.success(
                request, gettext("The shipment list is loaded: %(count)s lines.") % {"count": count}
            )
    return redirect(reverse("deals:detail", args=[deal.pk]) + "#recount")


@login_required
@require_POST
def recount_line_add(request: HttpRequest, pk: int) -> HttpResponse:
    """A line typed on the deal card's «Пересчет» panel."""
    deal = deal_visible_to(request.user, Deal.objects.filter(pk=pk)).first()
    if deal is None:
        raise Http404
    try:
        recount.recount_line_add(
            deal=deal,
            actor=request.user,
            article=request.POST.get("article", ""),
            barcode=request.POST.get("barcode", ""),
            name=request.POST.get("name", ""),
            expected=request.POST.get("expected", ""),
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, gettext("The line is added."))
    return redirect(reverse("deals:detail", args=[deal.pk]) + "#recount")
