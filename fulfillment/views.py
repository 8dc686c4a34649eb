"""The notification centre: every user's list, the unread badge's counter, marking read.

Notifications are written by ``fulfillment.notifications``; these views only read them and
mark them read, always limited to the signed-in user's own.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from fulfillment.api.parsers import loads as json_loads
from fulfillment.models import Notification
from fulfillment.notifications import notifications_mark_read, unread_count

PAGE_SIZE = 30


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(Notification.objects.filter(recipient=request.user), PAGE_SIZE)
    notifications = page.get_page(request.GET.get("page"))
    return render(
        request,
        "fulfillment/notifications.html",
        # The unread count is the menu badge's (fulfillment.context_processors), read once.
        {"notifications": notifications},
    )


@require_GET
def notification_unread_count(request: HttpRequest) -> JsonResponse:
    """``{"unread": N}`` for the badge that pages poll; 401 once the session has ended."""
    if not request.user.is_authenticated:
        return JsonResponse({"unread": 0}, status=401)
    return JsonResponse({"unread": unread_count(request.user)})


def _ids(request: HttpRequest) -> list[int] | None:
    """The ids to mark read, from a form (``ids``) or JSON (``{"ids": [...]}``); None: all."""
    if request.content_type == "application/json":
        raw = json_loads(request.body or b"{}").get("ids")
    else:
        raw = request.POST.getlist("ids") or None
    return None if raw is None else [int(value) for value in raw]


@login_required
@require_POST
def notification_mark_read(request: HttpRequest) -> HttpResponse:
    """Mark the given notifications read (all of them without ``ids``)."""
    try:
        ids = _ids(request)
    except (ValueError, TypeError, AttributeError):
        return HttpResponseBadRequest()
    marked = notifications_mark_read(user=request.user, ids=ids)
    if request.content_type == "application/json" or request.htmx:
        return JsonResponse({"marked": marked, "unread": unread_count(request.user)})
    return redirect("notifications:list")


@login_required
@require_POST
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Open a notification: it is read, and the page it points to opens."""
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    notifications_mark_read(user=request.user, ids=[notification.pk])
    target = notification.url
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = "notifications:list"
    return redirect(target)
