"""The top menu of the staff pages, the unread notifications badge and the layout, decided
by role."""

from __future__ import annotations

from functools import cache

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from deals.page_selectors import approvals_waiting
from deals.pipelines import PIPELINES
from fulfillment.notifications import unread_count
from fulfillment.roles import is_administrator, is_director, is_sales, is_warehouse

# Pages of other apps, linked by path so the menu does not depend on their URL names.
NOTIFICATIONS_URL = "/notifications/"
WAREHOUSE_URL = "/warehouse/"
REPORT_URL = "/warehouse/report/"
ANALYTICS_URL = "/reports/"
OVERDUE_URL = "/overdue/"
CLIENT_MAIL_URL = "/mail/unmatched/"


@cache
def _urls() -> dict[str, str]:
    """The menu's addresses, the same on every request: reversed once per process."""
    urls = {code: reverse("deals:board", args=[code]) for code in PIPELINES}
    for name in ("deals:companies", "deals:tasks", "deals:approvals", "admin:index"):
        urls[name] = reverse(name)
    return urls


def _item(label, url: str, path: str) -> dict:
    return {"label": label, "url": url, "active": path.startswith(url) and url != "/"}


def navigation(request: HttpRequest) -> dict:
    """``menu`` (pipelines, then the sections), ``unread_notifications``; nothing when signed
    out. One query (the badge); the role checks reuse the user's cached groups."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    path, urls = request.path, _urls()
    pipelines = []
    sections = []
    if is_sales(user):
        pipelines = [
            _item(p.label, urls[p.code], f"/pipelines/{p.code}/") for p in PIPELINES.values()
        ]
        for item in pipelines:
            item["active"] = path.startswith(item["url"])
        sections += [
            _item(_("Companies"), urls["deals:companies"], path),
            _item(_("Deal tasks"), urls["deals:tasks"], path),
            _item(_("Overdue"), OVERDUE_URL, path),
        ]
    if is_director(user):
        approvals = _item(_("Approvals"), urls["deals:approvals"], path)
        approvals["badge"] = approvals_waiting()  # one query, for the director only
        sections.append(approvals)
    if is_warehouse(user):
        sections.append(_item(_("Warehouse tasks"), WAREHOUSE_URL, path))
    if is_sales(user):
        reports = _item(_("Reports"), ANALYTICS_URL, path)
        reports["active"] = reports["active"] or path.startswith(REPORT_URL)
        sections.append(reports)
    if is_administrator(user):
        sections.append(_item(_("Client mail"), CLIENT_MAIL_URL, path))
        sections.append(_item(_("Administration"), urls["admin:index"], path))
    return {
        # Pages both sides use (notifications, the time report) extend the user's own layout:
        # the CRM's for anyone who sells or directs, the warehouse phone layout otherwise.
        "layout": "base.html" if is_sales(user) else "warehouse/base.html",
        "menu_pipelines": pipelines,
        "menu_sections": sections,
        "notifications_url": NOTIFICATIONS_URL,
        "unread_notifications": unread_count(user),
    }
