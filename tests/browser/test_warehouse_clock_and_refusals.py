"""On the phone: the running clock shows its seconds, and a refused result is said where the
worker looks, with what they typed kept. Screenshots go to test-artifacts/."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from deals.models import Task
from deals.services import deal_move
from tests.factories import make_deal

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def task(manager):
    deal = make_deal("acceptance", "new", responsible=manager)
    deal_move(deal=deal, transition="to_to_warehouse", actor=manager)
    return Task.objects.get(deal=deal, kind=Task.Kind.WAREHOUSE)


def test_the_running_clock_counts_seconds(page, live_server, login, worker, task):
    page.set_viewport_size(PHONE)
    login(worker)
    page.goto(f"{live_server.url}/warehouse/tasks/{task.pk}/")
    page.get_by_role("button", name="Начать").click()

    clock = page.locator("[data-clock][data-running]")
    first = clock.inner_text()
    assert re.fullmatch(r"0:00:0\d", first)
    expect(clock).not_to_have_text(first, timeout=3000)  # it moves within the first minute


def test_a_refused_result_is_said_in_view_with_the_text_kept(
    page, live_server, login, screenshot, worker, task, tmp_path
):
    page.set_viewport_size(PHONE)
    login(worker)
    page.goto(f"{live_server.url}/warehouse/tasks/{task.pk}/")
    page.get_by_role("button", name="Начать").click()
    program = tmp_path / "program.exe"
    program.write_bytes(b"MZ\x90\x00 not a recount")

    page.fill("#id_text", "Пересчитали 480 шт.")
    page.set_input_files("#id_file", str(program))
    page.check("#id_is_result")
    page.get_by_role("button", name="Отправить").click()

    alert = page.locator(".comment-form [role=alert]").first
    expect(alert).to_contain_text("program.exe")
    # Brought onto the screen (once the page's script has run).
    page.wait_for_function(
        """() => {
            const alert = document.querySelector(".comment-form [role=alert]");
            const box = alert.getBoundingClientRect();
            return box.top >= 0 && box.bottom <= window.innerHeight;
        }""",
        timeout=5000,
    )
    assert page.input_value("#id_text") == "Пересчитали 480 шт."
    expect(page.locator(".comment-form")).to_contain_text("Файл «program.exe» не сохранен")
    screenshot("warehouse-refused-result-phone")
