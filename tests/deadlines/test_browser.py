"""In Chromium: an overdue deal is marked red on the board and on its card, and the digest's
page lists it. Screenshots go to test-artifacts/ for people to look at."""

from __future__ import annotations

import datetime
import importlib

import pytest
from django.utils import timezone

from deadlines.models import CalendarDay, StageDeadline
from tests.factories import ensure_reference_data
from tests.factories.deadlines import StageDeadlineFactory, deal_entered

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_overdue_deals_are_marked_on_the_board_and_the_card(
    page, live_server, login, screenshot, manager
):
    ensure_reference_data()
    if not CalendarDay.objects.exists():
        from django.apps import apps

        importlib.import_module("deadlines.migrations.0002_production_calendar_and_roles").fill(
            apps, None
        )
    now = timezone.now()
    StageDeadlineFactory(pipeline="calculation", stage="director_approval", amount=1)
    StageDeadlineFactory(pipeline="calculation", stage="proposal", amount=3)
    StageDeadlineFactory(
        pipeline="calculation", stage="new", amount=4, unit=StageDeadline.Unit.WORKING_HOURS
    )
    late = deal_entered(
        "calculation",
        "director_approval",
        at=now - datetime.timedelta(days=6),
        responsible=manager,
        title="Посуда для Ozon",
    )
    deal_entered(
        "calculation",
        "proposal",
        at=now - datetime.timedelta(hours=2),
        responsible=manager,
        title="Косметика WB",
    )
    deal_entered(
        "calculation",
        "new",
        at=now - datetime.timedelta(days=8),
        responsible=manager,
        title="Игрушки Яндекс Маркет",
    )

    login(manager)
    page.goto(f"{live_server.url}/pipelines/calculation/")
    marks = page.locator(".deal-card .deal-overdue")
    assert marks.count() == 2
    assert (
        page.locator(f'.deal-card[data-deal="{late.pk}"] .deal-overdue')
        .inner_text()
        .startswith("Просрочено с ")
    )
    colour = marks.first.evaluate("node => getComputedStyle(node).color")
    assert colour == "rgb(179, 38, 30)"  # --danger
    edge = page.locator(".deal-card.is-overdue").first
    assert edge.evaluate("node => getComputedStyle(node).borderLeftColor") == colour
    screenshot("deadlines-board")

    page.goto(f"{live_server.url}/deals/{late.pk}/")
    mark = page.locator(".stage-line .overdue")
    assert mark.inner_text().startswith("Просрочено с ")
    screenshot("deadlines-card")

    page.goto(f"{live_server.url}/overdue/")
    assert page.locator("tbody tr").count() == 2
    screenshot("deadlines-overdue")
