"""Attempt limits on every way in: after too many wrong passwords even the right one is refused,
without hashing it, with a Russian message saying when to try again."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core import mail
from rest_framework.test import APIClient

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Верный-пароль-1"
LIMIT = 3


class CountingHasher(PBKDF2PasswordHasher):
    """A real hasher (cheap iterations) that counts the passwords it checks."""

    algorithm = "counting_pbkdf2"
    iterations = 1
    checked = 0

    def verify(self, password: str, encoded: str) -> bool:
        type(self).checked += 1
        return super().verify(password, encoded)


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    CountingHasher.checked = 0


@pytest.fixture
def user(db):
    user = UserFactory(username="anna", is_staff=True, is_superuser=True)
    user.set_password(PASSWORD)
    user.save()
    return user


def page_login(client, password: str, path: str = "/accounts/login/", **extra):
    return client.post(path, {"username": "anna", "password": password}, **extra)


def api_login(password: str, **extra):
    client = APIClient()
    return client.post(
        "/api/auth/token/", {"username": "anna", "password": password}, format="json", **extra
    )


def test_the_login_page_refuses_even_the_right_password_after_the_limit(client, user):
    for _ in range(LIMIT - 1):
        assert page_login(client, "неверно").status_code == 200  # the form again, with an error
    assert page_login(client, "неверно").status_code == 429  # the try that reaches the limit
    hashed_before = CountingHasher.checked

    refused = page_login(client, PASSWORD)

    assert refused.status_code == 429
    text = refused.content.decode()
    assert "Слишком много неудачных попыток входа. Попробуйте снова через 15 мин." in text
    assert "_auth_user_id" not in client.session
    assert CountingHasher.checked == hashed_before  # refused before hashing


def test_the_admin_login_is_limited_too(client, user):
    for _ in range(LIMIT):
        page_login(client, "неверно", path="/admin/login/")

    refused = page_login(client, PASSWORD, path="/admin/login/")

    assert refused.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_api_token_is_limited_with_json_and_retry_after(user):
    for _ in range(LIMIT - 1):
        assert api_login("неверно").status_code == 400
    assert api_login("неверно").status_code == 429
    hashed_before = CountingHasher.checked

    refused = api_login(PASSWORD)

    assert refused.status_code == 429
    assert refused.json() == {
        "detail": "Слишком много неудачных попыток входа. Попробуйте снова через 15 мин."
    }
    assert refused["Retry-After"] == "900"
    assert CountingHasher.checked == hashed_before


def test_failures_on_one_path_count_on_the_others(client, user):
    """One counter for every way in: the admin and the API do not give extra tries."""
    page_login(client, "неверно")
    page_login(client, "неверно", path="/admin/login/")
    api_login("неверно")

    assert api_login(PASSWORD).status_code == 429


def test_a_forged_forwarded_address_does_not_buy_more_tries(client, user, settings):
    settings.NUM_PROXIES = 0
    for number in range(LIMIT):
        page_login(client, "неверно", HTTP_X_FORWARDED_FOR=f"10.0.0.{number}")

    refused = page_login(client, PASSWORD, HTTP_X_FORWARDED_FOR="10.0.0.99")

    assert refused.status_code == 429


def test_another_login_from_another_address_is_not_locked_by_a_stranger(client, user):
    for _ in range(LIMIT):
        page_login(client, "неверно", REMOTE_ADDR="203.0.113.5")

    colleague = UserFactory(username="boris")
    colleague.set_password(PASSWORD)
    colleague.save()
    response = client.post(
        "/accounts/login/",
        {"username": "boris", "password": PASSWORD},
        REMOTE_ADDR="198.51.100.7",
    )

    assert response.status_code == 302


def test_after_the_cool_off_the_right_password_works(client, user):
    now = datetime.datetime.now(tz=datetime.UTC)
    with time_machine.travel(now, tick=False):
        for _ in range(LIMIT):
            page_login(client, "неверно")
        assert page_login(client, PASSWORD).status_code == 429
    with time_machine.travel(now + datetime.timedelta(minutes=16), tick=False):
        assert page_login(client, PASSWORD).status_code == 302


def test_password_reset_requests_are_limited_per_address(client, user, settings):
    settings.PASSWORD_RESET_PER_HOUR = 2
    user.email = "anna@example.com"
    user.save()
    for _ in range(2):
        response = client.post("/accounts/password_reset/", {"email": "anna@example.com"})
        assert response.status_code == 302

    refused = client.post("/accounts/password_reset/", {"email": "anna@example.com"})

    assert refused.status_code == 429
    assert "Слишком много запросов на сброс пароля" in refused.content.decode()
    assert len(mail.outbox) == 2
