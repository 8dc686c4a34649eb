"""The warehouse pages: «my tasks», a task with its clock, comments and result, the task time
report, and the endpoints of the installable web app (service worker, push subscription).

Views parse, authorize, call one service or selector and render; a refused service call
becomes a message on the page it came from (Post/Redirect/Get). Who may see what:

- warehouse staff see their tasks and the unassigned ones of the warehouse queue, and work
  on them; someone else's task is a 404, as is a money file;
- the director, administrators and managers (tasks of their own deals) open the same pages
  read-only: they see progress and results but have no buttons; the director, an
  administrator or the worker closes a session left running;
- the time report is for the director, administrators and managers only (403 otherwise).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from deals.models import Deal, Task
from deals.selectors import deal_visible_to
from deals.services import task_comment_add
from deals.services.tasks import can_work_on_task
from fulfillment.api.parsers import loads as json_loads
from fulfillment.exceptions import ApplicationError
from warehouse import reports, selectors, services
from warehouse.forms import PushSubscriptionForm, TaskCommentForm

PAGE_SIZE = 20

# The clock buttons: each posts to one service.
ACTIONS: dict[str, Callable] = {
    "start": services.work_start,
    "pause": services.work_pause,
    "resume": services.work_resume,
    "complete": services.warehouse_task_complete,
}
DONE_MESSAGES = {
    "start": _("Time is running."),
    "pause": _("Paused."),
    "resume": _("Time is running."),
    "complete": _("The task is completed. The manager has been told."),
}


def render_page(request: HttpRequest, template: str, context: dict, status: int = 200):
    """A warehouse page with what the layout shows on every page (the unread badge is the
    context processor's, counted once)."""
    context = {
        "can_report": reports.can_see_report(request.user),
        "webpush_key": settings.WEBPUSH_VAPID_PUBLIC_KEY if settings.WEBPUSH_ENABLED else "",
        **context,
    }
    return render(request, template, context, status=status)


def _task_or_404(request: HttpRequest, pk: int) -> Task:
    task = selectors.warehouse_task_get(user=request.user, pk=pk)
    if task is None:
        raise Http404
    return task


@login_required
@require_GET
def task_list(request: HttpRequest) -> HttpResponse:
    """«My tasks»: new / in progress / done, newest first."""
    tab = request.GET.get("tab", "new")
    if tab not in selectors.TABS:
        tab = "new"
    page = Paginator(selectors.warehouse_task_cards(user=request.user, tab=tab), PAGE_SIZE)
    cards = page.get_page(request.GET.get("page"))
    return render_page(
        request,
        "warehouse/task_list.html",
        {
            "tab": tab,
            "counts": selectors.warehouse_tab_counts(user=request.user),
            "cards": [(task, selectors.deal_essentials(task.deal)) for task in cards],
            "page": cards,
            "running": selectors.work_session_running(user=request.user),
        },
    )


@login_required
@require_GET
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task_or_404(request, pk)
    return _task_page(request, task, TaskCommentForm())


def _task_page(
    request: HttpRequest,
    task: Task,
    form: TaskCommentForm,
    status: int = 200,
    refused_file: str = "",
):
    sessions = selectors.work_sessions_of(task)
    mine = next((s for s in sessions if s.is_running and s.worker_id == request.user.pk), None)
    running = mine or selectors.work_session_running(user=request.user)
    can_work = task.is_open and can_work_on_task(task, request.user)
    # A session left running is closed here; the worker's own running one on an open task
    # is stopped with «Пауза» instead.
    closable = {
        s.pk
        for s in sessions
        if s.is_running
        and services.can_close_session(s, request.user)
        and not (can_work and s is mine)
    }
    return render_page(
        request,
        "warehouse/task_detail.html",
        {
            "task": task,
            "deal": task.deal,
            # Back to the deal for whoever may open its card (its manager, the director).
            "deal_url": (
                reverse("deals:detail", args=[task.deal_id])
                if deal_visible_to(request.user, Deal.objects.filter(pk=task.deal_id)).exists()
                else ""
            ),
            "refused_file": refused_file,
            "essentials": selectors.deal_essentials(task.deal),
            "files": selectors.deal_worker_files(task.deal),
            "sessions": sessions,
            "total_seconds": sum(s.seconds() for s in sessions),
            "any_running": any(s.is_running for s in sessions),
            "my_session": mine,
            "running_elsewhere": running if running and running.task_id != task.pk else None,
            "comments": selectors.task_comments_of(task),
            "can_work": can_work,
            "can_comment": task.is_open,
            "closable": closable,
            "form": form,
        },
        status=status,
    )


@login_required
@require_POST
def task_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """«Начать», «Пауза», «Продолжить», «Завершить»."""
    task = _task_or_404(request, pk)
    if action not in ACTIONS:
        raise Http404
    try:
        ACTIONS[action](task=task, worker=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, DONE_MESSAGES[action])
    return redirect("warehouse:task", pk=task.pk)


@login_required
@require_POST
def task_comment(request: HttpRequest, pk: int) -> HttpResponse:
    """A comment with a photo or file; ticked, it is the task's result."""
    task = _task_or_404(request, pk)
    form = TaskCommentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            task_comment_add(task=task, author=request.user, **form.cleaned_data)
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            if form.cleaned_data["is_result"]:
                messages.success(request, gettext("The result is recorded."))
            return redirect(reverse("warehouse:task", args=[task.pk]) + "#comments")
    # Refused: the page comes back with the text kept and the form scrolled into view (app.js);
    # a browser never refills a file input, so the form says which file to choose again.
    upload = request.FILES.get("file")
    return _task_page(request, task, form, status=400, refused_file=upload.name if upload else "")


@login_required
@require_POST
def session_close(request: HttpRequest, pk: int) -> HttpResponse:
    """Close a session left running; back to the page it was closed from."""
    session = selectors.work_session_get(pk=pk, user=request.user)
    if session is None:
        raise Http404
    try:
        services.session_close(session=session, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, gettext("The session is closed."))
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        back = reverse("warehouse:task", args=[session.task_id])
    return redirect(back)


def _download(file: FieldFile | None) -> FileResponse:
    if not file or not file.storage.exists(file.name):
        raise Http404
    return FileResponse(file.open("rb"), as_attachment=True)


@login_required
@require_GET
def task_deal_file(request: HttpRequest, pk: int, code: str) -> FileResponse:
    """A file of the task's deal the worker needs; money files (КП, invoice) are 404."""
    task = _task_or_404(request, pk)
    return _download(selectors.deal_worker_file(task.deal, code))


@login_required
@require_GET
def task_comment_file(request: HttpRequest, pk: int, comment_pk: int) -> FileResponse:
    task = _task_or_404(request, pk)
    return _download(selectors.task_comment_file_get(task=task, pk=comment_pk))


@login_required
@require_GET
def report(request: HttpRequest) -> HttpResponse:
    """The task time report; ``?format=csv|xlsx`` downloads what the page shows."""
    if not reports.can_see_report(request.user):
        raise PermissionDenied
    filterset, result = reports.work_report(user=request.user, data=request.GET)
    export = request.GET.get("format")
    if result is not None and export in ("csv", "xlsx"):
        return _report_file(result, export)
    return render_page(
        request,
        "warehouse/report.html",
        {"filter": filterset, "report": result, "query": request.GET.urlencode()},
        status=200 if result is not None else 400,
    )


def _report_file(result: reports.Report, export: str) -> HttpResponse:
    if export == "csv":
        content, content_type = reports.report_csv(result), "text/csv; charset=utf-8"
    else:
        content = reports.report_xlsx(result)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="task-time-{result.group}.{export}"'
    return response


@login_required
@require_POST
def push_subscribe(request: HttpRequest) -> JsonResponse:
    """Save the browser's push subscription (JSON of ``PushSubscription.toJSON()``)."""
    try:
        body = json_loads(request.body or b"{}")
        keys = body.get("keys") or {}
        data = {
            "endpoint": body.get("endpoint"),
            "p256dh": keys.get("p256dh"),
            "auth": keys.get("auth"),
        }
    except (ValueError, AttributeError):
        data = {}
    form = PushSubscriptionForm(data)
    if not form.is_valid():
        return JsonResponse({"detail": gettext(services.BAD_SUBSCRIPTION)}, status=400)
    try:
        services.push_subscription_save(
            user=request.user,
            user_agent=request.headers.get("User-Agent", ""),
            **form.cleaned_data,
        )
    except ApplicationError as error:
        return JsonResponse({"detail": error.message}, status=400)
    return JsonResponse({"subscribed": True}, status=201)


@login_required
@require_POST
def push_unsubscribe(request: HttpRequest) -> JsonResponse:
    try:
        endpoint = str(json_loads(request.body or b"{}").get("endpoint", ""))
    except (ValueError, AttributeError):
        endpoint = ""
    deleted = services.push_subscription_delete(user=request.user, endpoint=endpoint)
    return JsonResponse({"deleted": deleted})


@require_GET
def manifest(request: HttpRequest) -> JsonResponse:
    """The installable app's manifest (names translated, so served by a view)."""
    icons = [
        {
            "src": static(f"warehouse/icon-{size}.png"),
            "sizes": f"{size}x{size}",
            "type": "image/png",
        }
        for size in (192, 512)
    ]
    data = {
        "name": gettext("Warehouse · Fulfillment CRM"),
        "short_name": gettext("Warehouse"),
        "start_url": reverse("warehouse:tasks"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#f4f6f8",
        "theme_color": "#0b5cad",
        "lang": get_language(),
        "icons": [*icons, {**icons[-1], "purpose": "maskable"}],
    }
    return JsonResponse(
        data, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False}
    )


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, served under /warehouse/ so that it may control the phone pages."""
    response = HttpResponse(
        render_to_string("warehouse/sw.js", request=request),
        content_type="application/javascript; charset=utf-8",
    )
    response["Cache-Control"] = "no-cache"
    return response
