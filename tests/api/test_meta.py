"""Tokens, the pipelines' metadata, notifications, the schema and its UI."""

from __future__ import annotations

import uuid

import pytest
import redis
from django.core.cache import caches
from django.core.management import call_command
from openapi_spec_validator import validate
from rest_framework.authtoken.models import Token

from fulfillment.models import Notification
from tests.api.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_token_for_login_and_password(manager):
    response = client_for(None).post(
        "/api/auth/token/",
        {"username": manager.username, "password": "secret-pass-1"},
        format="json",
    )

    assert response.status_code == 200
    token = response.json()["token"]
    assert token == Token.objects.get(user=manager).key
    client = client_for(None)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/deals/").status_code == 200


@pytest.mark.parametrize(
    "body", [{"password": "wrong"}, {"is_active": False}], ids=["bad-password", "inactive"]
)
def test_no_token_for_wrong_credentials_or_inactive_users(body):
    user = UserFactory(is_active=body.get("is_active", True))

    response = client_for(None).post(
        "/api/auth/token/",
        {"username": user.username, "password": body.get("password", "secret-pass-1")},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["detail"] == "Невозможно войти с предоставленными учетными данными."
    assert not Token.objects.exists()


def _token_request(username: str, password: str = "wrong", address: str = "10.0.0.1"):
    return client_for(None).post(
        "/api/auth/token/",
        {"username": username, "password": password},
        format="json",
        REMOTE_ADDR=address,
    )


def test_password_guessing_from_one_address_is_slowed(manager, settings):
    settings.AXES_FAILURE_LIMIT = 1000  # the throttle alone (the lockout: tests/auth)
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    limit = int(rates["auth-token"].split("/")[0])

    answers = [_token_request(f"guess-{n}").status_code for n in range(limit)]
    refused = _token_request(manager.username, "secret-pass-1")

    assert answers == [400] * limit
    assert refused.status_code == 429
    assert refused.json()["detail"].startswith("Запрос был проигнорирован.")
    assert int(refused["Retry-After"]) > 0
    # Another address is not held back.
    assert _token_request(manager.username, "secret-pass-1", "10.0.0.2").status_code == 200


def test_password_guessing_against_one_login_is_slowed_from_any_address(manager, settings):
    settings.AXES_FAILURE_LIMIT = 1000  # the throttle alone (the lockout: tests/auth)
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    limit = int(rates["auth-token-login"].split("/")[0])

    answers = [
        _token_request(manager.username.upper(), address=f"10.0.1.{n}").status_code
        for n in range(limit)
    ]
    refused = _token_request(manager.username, "secret-pass-1", "10.0.2.1")

    assert answers == [400] * limit
    assert refused.status_code == 429
    assert _token_request("someone-else", address="10.0.2.1").status_code == 400


def test_a_forged_forwarded_address_does_not_escape_the_limit(manager, settings):
    settings.AXES_FAILURE_LIMIT = 1000  # the throttle alone (the lockout: tests/auth)
    limit = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["auth-token"].split("/")[0])
    client = client_for(None)

    for n in range(limit + 1):
        response = client.post(
            "/api/auth/token/",
            {"username": f"guess-{n}", "password": "wrong"},
            format="json",
            REMOTE_ADDR="10.0.3.1",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        )

    assert response.status_code == 429


def test_web_processes_share_the_counts_in_redis(manager, settings, redis_url):
    """Production keeps the counts in Redis, so every web process sees the same tries."""
    prefix = f"throttle-test-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": prefix,
        }
    }
    limit = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["auth-token"].split("/")[0])
    try:
        for n in range(limit):
            _token_request(f"guess-{n}", address="10.0.4.1")
        assert caches["default"].get("throttle_auth-token_10.0.4.1") is not None
        # A fresh connection, as another process would open.
        caches.close_all()
        assert _token_request(manager.username, "secret-pass-1", "10.0.4.1").status_code == 429
    finally:
        server = redis.Redis.from_url(redis_url)
        for key in server.scan_iter(match=f"{prefix}:*"):
            server.delete(key)


def test_the_session_of_the_pages_works_too(manager):
    client = client_for(None)
    client.force_login(manager)

    assert client.get("/api/deals/").status_code == 200


def test_a_wrong_token_is_refused():
    client = client_for(None)
    client.credentials(HTTP_AUTHORIZATION="Token nope")

    response = client.get("/api/deals/")

    assert response.status_code == 401
    assert response.json() == {"detail": "Недействительный токен."}


def test_pipelines_come_from_the_spec(manager):
    data = client_for(manager).get("/api/pipelines/").json()

    assert [p["code"] for p in data["results"]] == [
        "calculation",
        "acceptance",
        "processing",
        "shipment",
        "contract",
    ]
    calculation = data["results"][0]
    assert (calculation["label_ru"], calculation["label_en"]) == (
        "Заявка на просчет заказа",
        "Calculation request",
    )
    assert calculation["stages"][2] == {
        "code": "director_approval",
        "label_ru": "Согласовать КП с ГД",
        "label_en": "Approve proposal with director",
        "kind": "open",
        "requires": ["director_approved_at"],
    }
    assert {
        "name": "return_to_proposal",
        "sources": ["director_approval", "client_approval"],
    }.items() <= next(
        t for t in calculation["transitions"] if t["name"] == "return_to_proposal"
    ).items()


def test_fields_of_a_pipeline(manager):
    client = client_for(manager)

    calculation = {
        f["code"]: f for f in client.get("/api/pipelines/calculation/fields/").json()["results"]
    }
    contract = {
        f["code"]: f for f in client.get("/api/pipelines/contract/fields/").json()["results"]
    }

    assert calculation["proposal_file"] == {
        "code": "proposal_file",
        "label_ru": "Файл КП",
        "label_en": "Commercial proposal file",
        "type": "file",
        "choices": [],
        "required_in_stages": ["proposal"],
        "editable": True,
        "money": True,
    }
    assert calculation["director_approved_at"]["editable"] is False
    assert calculation["marketplaces"]["type"] == "multichoice"
    assert calculation["marketplaces"]["choices"][0] == {
        "value": "wildberries",
        "label_ru": "Wildberries",
        "label_en": "Wildberries",
    }
    assert contract["company.inn"]["required_in_stages"] == ["new"]
    assert client.get("/api/pipelines/nope/fields/").status_code == 404


def test_failure_reasons_of_a_pipeline(manager):
    results = (
        client_for(manager).get("/api/pipelines/calculation/failure-reasons/").json()["results"]
    )

    assert results
    assert {r["pipeline"] for r in results} <= {"", "calculation"}


def test_notifications_are_the_users_own(manager, other_manager):
    mine = Notification.objects.create(recipient=manager, event="mentioned", text="Вас упомянули")
    Notification.objects.create(recipient=other_manager, event="mentioned", text="Чужое")
    client = client_for(manager)

    listed = client.get("/api/notifications/", {"unread": True}).json()
    unread = client.get("/api/notifications/unread-count/").json()
    marked = client.post("/api/notifications/read/", {"ids": [mine.pk]}, format="json").json()

    assert [n["id"] for n in listed["results"]] == [mine.pk]
    assert (unread, marked) == ({"count": 1}, {"marked": 1})
    assert client.get("/api/notifications/unread-count/").json() == {"count": 0}
    assert Notification.objects.filter(recipient=other_manager, read_at__isnull=True).count() == 1


def test_the_schema_generates_without_warnings_and_validates(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yaml"))

    assert (tmp_path / "s.yaml").stat().st_size > 0


def test_the_served_schema_validates_with_every_reference_resolved(manager):
    """openapi-spec-validator follows every $ref (drf-spectacular's own --validate does not)."""
    schema = client_for(manager).get("/api/schema/?format=json").json()

    validate(schema)
    components = schema["components"]["schemas"]
    for pipeline in ("Calculation", "Acceptance", "Processing", "Shipment", "Contract"):
        assert components[f"{pipeline}StageEnum"]["enum"]


def test_the_schema_describes_the_error_shapes(manager):
    schema = client_for(manager).get("/api/schema/?format=json").json()

    move = schema["paths"]["/api/deals/{id}/transition/"]["post"]["responses"]
    assert {"200", "400", "401", "403", "404", "409"} <= set(move)
    bad = schema["components"]["schemas"]["BadRequest"]
    assert set(bad["properties"]) == {"detail", "errors", "missing_fields"}
    assert bad["required"] == ["detail"]


def test_swagger_ui_is_served_with_local_assets_and_no_inline_script(client, manager):
    client.force_login(manager)
    response = client.get("/api/docs/")

    assert response.status_code == 200
    assert b"/static/drf_spectacular_sidecar/swagger-ui-dist/" in response.content
    assert b"<script>" not in response.content.replace(b" ", b"")
    init = client.get("/api/docs/?script=")
    assert init.status_code == 200
    assert b"SwaggerUIBundle" in init.content


def test_schema_and_docs_are_for_signed_in_users_only(client, manager):
    assert client_for(None).get("/api/schema/?format=json").status_code == 401
    docs = client.get("/api/docs/")
    assert docs.status_code == 302
    assert "/accounts/login/" in docs["Location"]

    assert client_for(manager).get("/api/schema/?format=json").status_code == 200
    client.force_login(manager)
    assert client.get("/api/docs/").status_code == 200


def test_unknown_api_paths_answer_json():
    response = client_for(None).post("/api/nothing-here/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Страница не найдена."}
