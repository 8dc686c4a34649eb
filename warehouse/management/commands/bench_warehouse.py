"""Measure the warehouse pages against their bars: bytes a phone downloads (HTML + CSS + JS)
and SQL queries per page. Read-only: it signs a user in with Django's test client and opens
the pages on the current database (``make run``'s demo data by default).

    python manage.py bench_warehouse --user warehouse
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from warehouse.selectors import warehouse_tasks_visible_to

PAGE_BUDGET = 60 * 1024
_ASSET = re.compile(r'<(?:link rel="stylesheet" href|script src)="([^"]+)"')


@dataclass(frozen=True)
class PageWeight:
    url: str
    status: int
    html: int
    assets: int
    queries: int

    @property
    def total(self) -> int:
        return self.html + self.assets


def asset_bytes(html: str) -> int:
    """The size of the stylesheets and scripts a page links to."""
    total = 0
    for url in _ASSET.findall(html):
        path = finders.find(url.removeprefix(settings.STATIC_URL).removeprefix("/"))
        if path:
            with open(path, "rb") as file:
                total += len(file.read())
    return total


def page_weight(client: Client, url: str) -> PageWeight:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    html = response.content.decode()
    return PageWeight(
        url, response.status_code, len(response.content), asset_bytes(html), len(queries)
    )


def warehouse_pages(user) -> list[str]:
    urls = [reverse("warehouse:tasks") + f"?tab={tab}" for tab in ("new", "active", "done")]
    task = warehouse_tasks_visible_to(user).order_by("-created_at").first()
    if task is not None:
        urls.append(reverse("warehouse:task", args=[task.pk]))
    urls.append(reverse("notifications:list"))
    return urls


class Command(BaseCommand):
    help = "Print the bytes and SQL queries of each warehouse page (bar: under 60 KB)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--user", default="warehouse", help="login of a warehouse worker")

    def handle(self, *args, user: str, **options) -> None:
        worker = get_user_model().objects.filter(username=user).first()
        if worker is None:
            raise CommandError(f"No user {user!r}; run `manage.py seed_demo` or pass --user.")
        client = Client(HTTP_HOST=settings.ALLOWED_HOSTS[0] if settings.ALLOWED_HOSTS else "")
        client.force_login(worker)
        self.stdout.write(
            f"{'page':<40} {'status':>6} {'html':>8} {'css+js':>8} {'total':>8} {'SQL':>4}"
        )
        for url in warehouse_pages(worker):
            weight = page_weight(client, url)
            flag = "" if weight.total < PAGE_BUDGET else "  OVER 60 KB"
            self.stdout.write(
                f"{url:<40} {weight.status:>6} {weight.html:>8} {weight.assets:>8} "
                f"{weight.total:>8} {weight.queries:>4}{flag}"
            )
