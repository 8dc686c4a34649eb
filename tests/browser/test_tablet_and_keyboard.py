"""The sales pages on a tablet and from the keyboard alone: nothing wider than the screen, and
a move reached, refused and answered without a mouse. Screenshots go to test-artifacts/."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.factories import make_deal

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

TABLET = {"width": 820, "height": 1180}  # a 10" tablet held upright


def _page_overflow(page) -> int:
    """How many pixels the page is wider than the screen (0: no sideways scrolling)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def _tab_to(page, name: str, limit: int = 60) -> None:
    """Press Tab until the focused element's accessible text is ``name``."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        text = page.evaluate("document.activeElement && document.activeElement.innerText")
        if text and text.strip() == name:
            return
    raise AssertionError(f"«{name}» is not reachable with Tab")


def test_the_deal_card_and_the_company_card_fit_a_tablet(
    page, live_server, login, screenshot, manager
):
    deal = make_deal("calculation", "proposal", responsible=manager)
    page.set_viewport_size(TABLET)
    login(manager)

    page.goto(f"{live_server.url}/deals/{deal.pk}/")
    expect(page.locator("h1")).to_contain_text(deal.title)
    assert _page_overflow(page) == 0
    screenshot("sales-tablet-deal-card")

    page.goto(f"{live_server.url}/companies/{deal.company_id}/")
    expect(page.locator("h1")).to_have_text(deal.company.name)
    assert _page_overflow(page) == 0
    screenshot("sales-tablet-company-card")


def test_a_refused_move_is_answered_from_the_keyboard(page, live_server, login, manager):
    deal = make_deal("calculation", "new", responsible=manager, goods_description="")
    login(manager)
    page.goto(f"{live_server.url}/deals/{deal.pk}/")

    _tab_to(page, "Далее: «Сформировать КП»")
    page.keyboard.press("Enter")

    dialog = page.locator("dialog[open]")
    expect(dialog.get_by_role("alert")).to_have_text(
        "Заполните обязательные поля: Описание товара."
    )
    # The focus waits in the missing field: type, then submit with Enter from the button.
    expect(dialog.get_by_label("Описание товара")).to_be_focused()
    page.keyboard.type("Постельное белье")
    _tab_to(page, "Сохранить и перейти")
    page.keyboard.press("Enter")

    expect(page.locator(".stage-line .stage")).to_have_text("Сформировать КП")
    deal.refresh_from_db()
    assert (deal.stage, deal.goods_description) == ("proposal", "Постельное белье")


def test_escape_closes_the_dialog_and_nothing_moves(page, live_server, login, manager):
    deal = make_deal("calculation", "new", responsible=manager)
    login(manager)
    page.goto(f"{live_server.url}/deals/{deal.pk}/")

    _tab_to(page, "Отказ КП")
    page.keyboard.press("Enter")
    expect(page.locator("dialog[open]")).to_have_count(1)
    page.keyboard.press("Escape")

    expect(page.locator("dialog[open]")).to_have_count(0)
    deal.refresh_from_db()
    assert deal.stage == "new"
