"""The login page in a real browser, at phone and desktop widths."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_wrong_password_is_refused_with_a_message(page, live_server, manager, screenshot):
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", manager.username)
    page.fill("#id_password", "not-the-password")
    page.click("button[type=submit]")
    alert = page.get_by_role("alert")
    assert alert.inner_text() == "Неверный логин или пароль."
    screenshot("login-refused-phone")
