"""An API token can be signed out, dies with a password change and expires."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.forms import SetPasswordForm
from rest_framework.authtoken.models import Token

from tests.api.conftest import client_for, token_for

pytestmark = pytest.mark.django_db


def deals_status(key: str) -> int:
    client = client_for(None)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get("/api/deals/").status_code


def test_delete_signs_the_token_out(manager):
    key = token_for(manager)
    client = client_for(None)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.delete("/api/auth/token/").status_code == 204
    assert not Token.objects.filter(user=manager).exists()
    assert deals_status(key) == 401


def test_delete_needs_a_signed_in_caller():
    assert client_for(None).delete("/api/auth/token/").status_code == 401


@pytest.mark.parametrize("how", ["set_password", "form"])
def test_a_password_change_revokes_the_tokens(manager, how):
    key = token_for(manager)
    if how == "form":
        form = SetPasswordForm(
            manager, {"new_password1": "N3w-pass!x9", "new_password2": "N3w-pass!x9"}
        )
        assert form.is_valid()
        form.save()
    else:
        manager.set_password("N3w-pass!x9")
        manager.save()
    assert not Token.objects.filter(user=manager).exists()
    assert deals_status(key) == 401


def test_other_saves_keep_the_token(manager):
    key = token_for(manager)
    manager.first_name = "Иван"
    manager.save()
    assert deals_status(key) == 200


def test_an_expired_token_is_refused_and_deleted(manager, settings):
    settings.API_TOKEN_TTL_HOURS = 2
    key = token_for(manager)
    assert deals_status(key) == 200
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(hours=3)):
        client = client_for(None)
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        response = client.get("/api/deals/")
    assert response.status_code == 401
    assert response.json()["detail"] == "Срок действия токена истёк: получите новый."
    assert not Token.objects.filter(key=key).exists()
