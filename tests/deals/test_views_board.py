"""The kanban board, its «more cards» pages and the list view: what each role sees, the
column counts and sums, and a fixed number of queries whatever the number of deals."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from deals.due import due_columns
from deals.models import Deal, StageChange, Task
from deals.page_selectors import BOARD_PAGE_SIZE, deal_board
from deals.pipelines import CALCULATION, PIPELINES
from fulfillment.roles import user_roles
from tests.factories import CompanyFactory, make_deal

pytestmark = pytest.mark.django_db


def _board(client, code="calculation", **params):
    return client.get(reverse("deals:board", args=[code]), params)


def test_board_shows_a_column_per_stage_with_counts_and_sums(client, manager):
    make_deal("calculation", "new", responsible=manager, amount=Decimal("1000.00"), title="Первая")
    make_deal("calculation", "new", responsible=manager, amount=Decimal("2500.50"), title="Вторая")
    make_deal("calculation", "proposal", responsible=manager, amount=None, title="Третья")
    client.force_login(manager)

    response = _board(client)

    assert response.status_code == 200
    columns = {c.stage.code: c for c in response.context["columns"]}
    assert list(columns) == [s.code for s in CALCULATION.stages]
    assert (columns["new"].count, columns["new"].total) == (2, Decimal("3500.50"))
    assert (columns["proposal"].count, columns["proposal"].total) == (1, Decimal("0"))
    html = response.content.decode()
    assert "Новая заявка на просчет заказа" in html
    assert "Отказ КП" in html
    assert "3\u00a0500,50\u00a0₽" in html
    assert "Первая" in html and "Третья" in html


def test_a_manager_sees_only_their_deals_on_the_board(client, manager, other_manager):
    make_deal("calculation", "new", responsible=manager, title="Моя сделка")
    make_deal("calculation", "new", responsible=other_manager, title="Чужая сделка")
    client.force_login(manager)

    html = _board(client).content.decode()

    assert "Моя сделка" in html
    assert "Чужая сделка" not in html


def test_the_director_sees_every_deal(client, director, manager, other_manager):
    make_deal("calculation", "new", responsible=manager, title="Сделка 1")
    make_deal("calculation", "new", responsible=other_manager, title="Сделка 2")
    client.force_login(director)

    columns = _board(client).context["columns"]

    assert columns[0].count == 2


def test_a_card_shows_client_responsible_days_in_stage_and_open_tasks(client, manager):
    deal = make_deal("calculation", "director_approval", responsible=manager, title="Карточка")
    Deal.objects.filter(pk=deal.pk).update(
        stage_entered_at=timezone.now() - datetime.timedelta(days=3, hours=1)
    )
    change = StageChange.objects.create(deal=deal, transition="x", to_stage="director_approval")
    Task.objects.create(
        deal=deal, stage_change=change, kind=Task.Kind.APPROVAL, stage=deal.stage, title="ГД"
    )
    client.force_login(manager)

    html = _board(client).content.decode()

    assert deal.company.name in html
    assert manager.get_full_name() in html
    assert "3 дн. в стадии" in html
    assert "Открытых задач: 1" in html


def test_a_card_links_its_deal_and_carries_its_moves_for_drag_and_drop(client, manager):
    deal = make_deal("calculation", "proposal", responsible=manager, title="Перетаскиваемая")
    client.force_login(manager)

    html = _board(client).content.decode()

    moves = reverse("deals:moves", args=[deal.pk])
    assert (
        f'<li class="deal-card" draggable="true" data-deal="{deal.pk}" data-stage="proposal" '
        f'data-moves-url="{moves}">'
    ) in html
    # The title links the card (a new tab, no JavaScript) and opens the side panel.
    assert (
        f'href="{reverse("deals:detail", args=[deal.pk])}" '
        f'hx-get="{reverse("deals:preview", args=[deal.pk])}" '
        'hx-target="#side-panel" hx-swap="innerHTML">Перетаскиваемая</a>'
    ) in html
    # The stage menu says which stage the card showed (a deal moved since says where it is).
    menu = f'hx-get="{moves}?expected_stage=proposal" hx-target="#dialog-slot"'
    assert f'{menu} aria-describedby="deal-{deal.pk}"' in html
    assert 'id="board-moves"' in html  # the spec's drops, read by the drag-and-drop script


def test_a_card_escapes_what_users_typed(client, manager):
    make_deal("calculation", "new", responsible=manager, title="<script>alert(1)</script>")
    client.force_login(manager)

    html = _board(client).content.decode()

    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html


def test_a_warehouse_worker_may_not_open_a_board(client, worker):
    client.force_login(worker)

    assert _board(client).status_code == 403
    assert client.get(reverse("deals:list", args=["calculation"])).status_code == 403


def test_a_board_needs_a_signed_in_user(client):
    response = _board(client)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_an_unknown_pipeline_is_not_found(client, manager):
    client.force_login(manager)

    assert _board(client, code="nothing").status_code == 404


@pytest.mark.parametrize("code", list(PIPELINES))
def test_every_pipeline_has_a_board_a_list_and_a_create_form(client, manager, code):
    make_deal(code, "new", responsible=manager)
    client.force_login(manager)

    assert _board(client, code).status_code == 200
    assert client.get(reverse("deals:list", args=[code])).status_code == 200
    assert client.get(reverse("deals:new", args=[code])).status_code == 200


def _many_deals(manager, count: int, stage: str = "new") -> None:
    company = CompanyFactory()
    now = timezone.now()
    Deal.objects.bulk_create(
        Deal(
            pipeline="calculation",
            stage=stage,
            title=f"Сделка {i}",
            company=company,
            responsible=manager,
            amount=Decimal("100.00"),
            stage_entered_at=now - datetime.timedelta(minutes=i),
        )
        for i in range(count)
    )


def test_the_board_costs_the_same_queries_for_few_and_many_deals(
    client, manager, django_assert_num_queries
):
    client.force_login(manager)
    _many_deals(manager, 2)
    with CaptureQueriesContext(connection) as few:
        _board(client)
    _many_deals(manager, 3 * BOARD_PAGE_SIZE, stage="proposal")
    _many_deals(manager, 3 * BOARD_PAGE_SIZE)

    with django_assert_num_queries(len(few.captured_queries)):
        response = _board(client)

    columns = {c.stage.code: c for c in response.context["columns"]}
    assert len(columns["new"].cards) == BOARD_PAGE_SIZE
    assert columns["new"].count == 2 + 3 * BOARD_PAGE_SIZE


def test_the_board_selector_reads_in_one_statement_on_postgresql(
    manager, django_assert_num_queries
):
    _many_deals(manager, 50)
    _many_deals(manager, 50, stage="proposal")
    user_roles(manager)  # the roles are read once per user object, before the board

    with django_assert_num_queries(1 if connection.vendor == "postgresql" else 2):
        columns = deal_board(user=manager, pipeline=CALCULATION)

    cards = [card for column in columns for card in column.cards]
    assert len(cards) == 2 * BOARD_PAGE_SIZE
    first = cards[0]
    assert (first["client"], first["responsible_last_name"], first["open_tasks"]) == (
        Deal.objects.get(pk=first["pk"]).company.name,
        manager.last_name,
        0,
    )


def test_the_board_holds_what_each_column_would_list(manager, other_manager, director):
    """The board's one statement (PostgreSQL) or two queries (SQLite) against the deals read
    one by one: counts, sums, the first cards in order (ties by id), and what a card shows."""
    now = timezone.now()
    same_moment = now - datetime.timedelta(hours=2)
    for i in range(BOARD_PAGE_SIZE + 3):
        make_deal(
            "calculation",
            "proposal",
            responsible=manager,
            title=f"КП {i}",
            amount=Decimal(f"{1000 + i}.50"),
            stage_entered_at=same_moment if i % 3 else now - datetime.timedelta(minutes=i),
        )
    make_deal("calculation", "new", responsible=manager, title="Без суммы", amount=None)
    make_deal("calculation", "won", responsible=other_manager, title="Чужая", amount=Decimal(7))
    with_task = Deal.objects.filter(stage="proposal").first()
    for status in (Task.Status.NEW, Task.Status.DONE):
        change = StageChange.objects.create(deal=with_task, transition="x", to_stage="proposal")
        Task.objects.create(
            deal=with_task,
            stage_change=change,
            kind=Task.Kind.APPROVAL,
            stage="proposal",
            title="Задача",
            status=status,
        )

    for user in (manager, director):
        visible = Deal.objects.filter(pipeline="calculation")
        if user == manager:
            visible = visible.filter(responsible=manager)
        columns = {c.stage.code: c for c in deal_board(user=user, pipeline=CALCULATION)}

        for stage in CALCULATION.stages:
            deals = sorted(
                visible.filter(stage=stage.code).select_related("company", "responsible"),
                key=lambda d: (d.stage_entered_at, d.pk),
                reverse=True,
            )
            column = columns[stage.code]
            assert column.count == len(deals)
            assert column.total == sum((d.amount or 0 for d in deals), Decimal("0"))
            assert [card["pk"] for card in column.cards] == [d.pk for d in deals][:BOARD_PAGE_SIZE]
            for card, deal in zip(column.cards, deals, strict=False):
                assert card == {
                    "pk": deal.pk,
                    "stage": deal.stage,
                    "title": deal.title,
                    "amount": deal.amount,
                    "stage_entered_at": deal.stage_entered_at,
                    "open_tasks": 1 if deal == with_task else 0,
                    "client": deal.company.name,
                    "responsible_first_name": deal.responsible.first_name,
                    "responsible_last_name": deal.responsible.last_name,
                    "responsible_username": deal.responsible.username,
                    # the dates a stage deadline may count from (``deals.due``)
                    **{name: getattr(deal, name) for name in due_columns()},
                }


def _shown_deals(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-deal="(\d+)"', html)]


def test_every_column_of_the_longest_pipeline_gets_its_first_cards(manager):
    pipeline = max(PIPELINES.values(), key=lambda p: len(p.stages))
    now = timezone.now()
    Deal.objects.bulk_create(
        Deal(
            pipeline=pipeline.code,
            stage=stage.code,
            title=f"{stage.code} {i}",
            responsible=manager,
            stage_entered_at=now - datetime.timedelta(minutes=i),
        )
        for stage in pipeline.stages
        for i in range(BOARD_PAGE_SIZE + 1)
    )

    columns = deal_board(user=manager, pipeline=pipeline)

    assert [len(column.cards) for column in columns] == [BOARD_PAGE_SIZE] * len(pipeline.stages)
    assert all(column.count == BOARD_PAGE_SIZE + 1 for column in columns)


def test_a_column_loads_the_next_cards_after_the_last_one_shown(client, manager):
    _many_deals(manager, BOARD_PAGE_SIZE + 5)
    client.force_login(manager)
    first = _board(client).context["columns"][0]
    shown = _shown_deals("".join(first.cards))
    assert len(shown) == BOARD_PAGE_SIZE
    assert first.more_url.startswith(reverse("deals:column", args=["calculation", "new"]))

    response = client.get(first.more_url)

    assert response.status_code == 200
    html = response.content.decode()
    more = _shown_deals(html)
    assert len(more) == 5
    assert not set(more) & set(shown)
    newest_first = Deal.objects.filter(pk__in=shown + more).order_by("-stage_entered_at", "-pk")
    assert shown + more == [deal.pk for deal in newest_first]
    assert 'hx-trigger="intersect once"' not in html  # nothing after the last card
    assert 'hx-trigger="intersect once"' in _board(client).content.decode()


def test_the_more_link_keeps_the_board_filters(client, manager):
    _many_deals(manager, BOARD_PAGE_SIZE + 5)
    client.force_login(manager)

    first = _board(client, q="Сделка").context["columns"][0]
    response = client.get(first.more_url)

    assert "q=%D0%A1%D0%B4%D0%B5%D0%BB%D0%BA%D0%B0" in first.more_url
    assert len(_shown_deals(response.content.decode())) == 5


def test_the_board_filters_by_title(client, manager):
    make_deal("calculation", "new", responsible=manager, title="Одежда для детей")
    make_deal("calculation", "new", responsible=manager, title="Посуда")
    client.force_login(manager)

    response = _board(client, q="одежда")

    assert response.context["columns"][0].count == 1
    html = response.content.decode()
    assert "Одежда для детей" in html
    assert "Посуда" not in html


def test_the_director_filters_the_board_by_responsible(client, director, manager, other_manager):
    make_deal("calculation", "new", responsible=manager, title="Сделка Марии")
    make_deal("calculation", "new", responsible=other_manager, title="Сделка Максима")
    client.force_login(director)

    response = _board(client, responsible=other_manager.pk)

    assert response.context["columns"][0].count == 1
    html = response.content.decode()
    assert "Сделка Максима" in html and "Сделка Марии" not in html
    assert f'<option value="{other_manager.pk}" selected>' in html


def test_a_manager_cannot_widen_the_board_with_a_responsible(client, manager, other_manager):
    make_deal("calculation", "new", responsible=other_manager, title="Чужая сделка")
    client.force_login(manager)

    response = _board(client, responsible=other_manager.pk)

    assert response.status_code == 200
    assert "Чужая сделка" not in response.content.decode()


def test_after_a_move_htmx_reloads_only_the_columns(client, manager):
    make_deal("calculation", "new", responsible=manager)
    client.force_login(manager)

    response = client.get(
        reverse("deals:board", args=["calculation"]),
        headers={"HX-Request": "true", "HX-Target": "board"},
    )

    html = response.content.decode()
    assert html.startswith('<div id="board"')
    assert "topbar" not in html


# --- list view -------------------------------------------------------------------------------


def _list(http, **params):
    return http.get(reverse("deals:list", args=["calculation"]), params)


def test_the_list_filters_by_stage_company_amount_and_search(client, manager):
    company = CompanyFactory(name="ООО «Альфа»", inn="7736050003")
    make_deal(
        "calculation", "new", responsible=manager, title="Альфа 1", company=company, amount=None
    )
    make_deal(
        "calculation",
        "proposal",
        responsible=manager,
        title="Альфа 2",
        company=company,
        amount=Decimal("500.00"),
    )
    make_deal("calculation", "proposal", responsible=manager, title="Бета", amount=Decimal("50"))
    client.force_login(manager)

    def titles(**params):
        return sorted(d.title for d in _list(client, **params).context["page"])

    assert titles(stage="proposal") == ["Альфа 2", "Бета"]
    assert titles(company=company.pk) == ["Альфа 1", "Альфа 2"]
    assert titles(client="альфа") == ["Альфа 1", "Альфа 2"]
    assert titles(client=company.inn[:5]) == ["Альфа 1", "Альфа 2"]
    assert titles(amount_min="100") == ["Альфа 2"]
    assert titles(q="бет") == ["Бета"]
    today = timezone.localdate().isoformat()
    assert len(titles(created_after=today)) == 3


def test_the_list_finds_a_client_by_typing_instead_of_listing_every_company(client, manager):
    companies = CompanyFactory.create_batch(30)
    client.force_login(manager)

    html = _list(client).content.decode()
    chosen = _list(client, company=companies[0].pk).content.decode()

    assert not any(company.name in html for company in companies)
    assert 'name="client"' in html and 'type="search"' in html
    assert f'<input type="hidden" name="company" value="{companies[0].pk}"' in chosen


def test_a_client_typed_loosely_finds_the_same_deals_by_either_path(client, manager, monkeypatch):
    wanted = [CompanyFactory(name=f"ООО «Ромашка {n}»") for n in range(3)]
    for company in wanted:
        make_deal("calculation", "new", responsible=manager, company=company)
    make_deal("calculation", "new", responsible=manager, company=CompanyFactory(name="Лютик"))
    client.force_login(manager)

    by_ids = sorted(d.company.name for d in _list(client, client="ромашка").context["page"])
    # More matching companies than the short list holds: the deals are filtered by subquery.
    monkeypatch.setattr("deals.forms.CLIENT_IDS_LIMIT", 1)
    by_subquery = sorted(d.company.name for d in _list(client, client="ромашка").context["page"])

    assert by_ids == by_subquery == sorted(c.name for c in wanted)


def test_the_list_sorts_by_amount(client, manager):
    for amount in ("300", "100", "200"):
        make_deal("calculation", "proposal", responsible=manager, amount=Decimal(amount))
    client.force_login(manager)

    page = _list(client, ordering="-amount").context["page"]

    assert [d.amount for d in page] == [Decimal("300"), Decimal("200"), Decimal("100")]


def test_the_list_hides_other_managers_deals(client, manager, other_manager):
    make_deal("calculation", "new", responsible=other_manager, title="Чужая")
    client.force_login(manager)

    response = _list(client)

    assert response.status_code == 200
    assert list(response.context["page"]) == []
    assert "Чужая" not in response.content.decode()


def test_closed_cards_offer_no_move_but_to_an_administrator(client, manager, administrator):
    won = make_deal("calculation", "won", responsible=manager)
    open_deal = make_deal("calculation", "new", responsible=manager)
    url = reverse("deals:board", args=["calculation"])

    client.force_login(manager)
    html = client.get(url).content.decode()
    client.force_login(administrator)
    admin_html = client.get(url).content.decode()

    def card(page: str, deal) -> str:
        start = page.rindex("<li", 0, page.index(f'data-deal="{deal.pk}"'))
        return page[start : page.index("</li>", start)]

    assert "card-menu" not in card(html, won) and 'draggable="false"' in card(html, won)
    assert "card-menu" in card(html, open_deal) and 'draggable="true"' in card(html, open_deal)
    assert "card-menu" in card(admin_html, won)  # an administrator may reopen it
