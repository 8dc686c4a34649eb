"""Overdue deals are marked on the board, the deal card and its side panel, and in the API,
at no query per card; administrators keep the rules and the calendar in the admin."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from deadlines.models import StageDeadline
from tests.api.conftest import client_for
from tests.deadlines.conftest import msk
from tests.factories.deadlines import StageDeadlineFactory, deal_entered

pytestmark = pytest.mark.django_db

NOW = msk(2026, 12, 8, 12, 0)  # Tuesday


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def _card_html(html: str, pk: int) -> str:
    match = re.search(rf'<li class="deal-card[^"]*"[^>]*data-deal="{pk}".*?</li>', html, re.S)
    assert match, pk
    return match.group(0)


def test_the_board_marks_overdue_cards(client, manager):
    StageDeadlineFactory(pipeline="calculation", stage="proposal", amount=1)
    late = deal_entered("calculation", "proposal", at=msk(2026, 12, 4, 15, 0), responsible=manager)
    on_time = deal_entered(
        "calculation", "proposal", at=msk(2026, 12, 8, 9, 0), responsible=manager
    )
    no_rule = deal_entered("calculation", "new", at=msk(2026, 11, 1, 9, 0), responsible=manager)
    client.force_login(manager)

    html = client.get(reverse("deals:board", args=["calculation"])).content.decode()

    assert "Просрочено с 07.12 15:00" in _card_html(html, late.pk)
    assert _card_html(html, late.pk).startswith('<li class="deal-card is-overdue"')
    assert "deal-overdue" not in _card_html(html, on_time.pk)
    assert "is-overdue" not in _card_html(html, on_time.pk)
    assert "deal-overdue" not in _card_html(html, no_rule.pk)


def test_the_mark_costs_no_query_per_card(client, manager):
    StageDeadlineFactory(pipeline="calculation", stage="proposal", amount=1)
    StageDeadlineFactory(
        pipeline="calculation", stage="new", amount=3, unit=StageDeadline.Unit.DAYS
    )
    client.force_login(manager)
    deal_entered("calculation", "proposal", at=msk(2026, 12, 1, 9, 0), responsible=manager)
    url = reverse("deals:board", args=["calculation"])
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for day in range(1, 30):
        deal_entered("calculation", "proposal", at=msk(2026, 11, day, 9, 0), responsible=manager)
        deal_entered("calculation", "new", at=msk(2026, 11, day, 9, 0), responsible=manager)
    with CaptureQueriesContext(connection) as many:
        html = client.get(url).content.decode()
    assert len(many.captured_queries) == len(few.captured_queries)
    assert html.count('class="deal-overdue') == 20  # the first ten cards of both columns


def test_the_column_pages_mark_overdue_cards_too(client, manager):
    StageDeadlineFactory(pipeline="calculation", stage="proposal", amount=1)
    for day in range(1, 15):
        deal_entered("calculation", "proposal", at=msk(2026, 11, day, 9, 0), responsible=manager)
    client.force_login(manager)
    board = client.get(reverse("deals:board", args=["calculation"])).content.decode()
    more = re.search(r'hx-get="(/pipelines/calculation/columns/proposal/[^"]+)"', board)
    assert more
    html = client.get(more.group(1).replace("&amp;", "&")).content.decode()
    assert html.count('class="deal-overdue') == 4


def test_the_card_and_its_preview_show_the_deadline(client, manager):
    StageDeadlineFactory(pipeline="calculation", stage="proposal", amount=1)
    late = deal_entered("calculation", "proposal", at=msk(2026, 12, 4, 15, 0), responsible=manager)
    on_time = deal_entered(
        "calculation", "proposal", at=msk(2026, 12, 8, 9, 0), responsible=manager
    )
    client.force_login(manager)

    for name in ("deals:detail", "deals:preview"):
        html = client.get(reverse(name, args=[late.pk])).content.decode()
        assert '<strong class="overdue">Просрочено с 07.12.2026 15:00</strong>' in html
        html = client.get(reverse(name, args=[on_time.pk])).content.decode()
        assert "Срок: до 09.12.2026 09:00" in html
        assert 'class="overdue"' not in html


def test_the_api_tells_when_a_deal_is_due(manager):
    StageDeadlineFactory(pipeline="calculation", stage="proposal", amount=1)
    late = deal_entered("calculation", "proposal", at=msk(2026, 12, 4, 15, 0), responsible=manager)
    free = deal_entered("calculation", "new", at=msk(2026, 12, 4, 15, 0), responsible=manager)
    api = client_for(manager)

    data = api.get(f"/api/deals/{late.pk}/").json()
    assert (data["due_at"], data["overdue"]) == ("2026-12-07T15:00:00+03:00", True)
    data = api.get(f"/api/deals/{free.pk}/").json()
    assert (data["due_at"], data["overdue"]) == (None, False)
    listed = {d["id"]: d["overdue"] for d in api.get("/api/deals/").json()["results"]}
    assert listed == {late.pk: True, free.pk: False}


def test_the_overdue_page_lists_what_the_user_may_see(client, manager, other_manager, director):
    StageDeadlineFactory(pipeline="calculation", stage="proposal", amount=1)
    mine = deal_entered(
        "calculation", "proposal", at=msk(2026, 12, 3, 15, 0), responsible=manager, title="Моя"
    )
    deal_entered(
        "calculation",
        "proposal",
        at=msk(2026, 12, 3, 15, 0),
        responsible=other_manager,
        title="Чужая",
    )
    client.force_login(manager)
    response = client.get(reverse("deadlines:overdue"))
    assert [d.pk for d in response.context["deals"]] == [mine.pk]
    client.force_login(director)
    assert len(client.get(reverse("deadlines:overdue")).context["deals"]) == 2


def test_administrators_keep_the_rules_in_the_admin(client, administrator):
    client.force_login(administrator)
    url = reverse("admin:deadlines_stagedeadline_add")
    form = {
        "pipeline": "calculation",
        "stage": "to_warehouse",
        "amount": "1",
        "unit": "working_days",
        "base": "stage_entry",
    }
    response = client.post(url, form)
    assert response.status_code == 200
    assert "нет стадии" in response.content.decode()
    assert not StageDeadline.objects.exists()

    response = client.post(url, {**form, "stage": "director_approval"})
    assert response.status_code == 302
    assert StageDeadline.objects.get().stage == "director_approval"
    assert client.get(reverse("admin:deadlines_calendarday_changelist")).status_code == 200
    assert client.get(reverse("admin:deadlines_overduedigest_changelist")).status_code == 200


def test_managers_do_not_edit_the_rules(client, manager):
    client.force_login(manager)
    response = client.get(reverse("admin:deadlines_stagedeadline_changelist"))
    assert response.status_code in (302, 403)
