"""Input the database or the JSON decoder cannot take is refused with a 400 and a message in
Russian, never a 500: deep JSON, numbers beyond a float, out-of-range filter values, NUL
characters in a search, an impossible scroll cursor."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from fulfillment.api.parsers import MAX_DEPTH, JSONInputError, loads
from tests.api.conftest import client_for, warehouse_task
from tests.factories import make_deal

pytestmark = pytest.mark.django_db

TOO_DEEP = {"detail": f"JSON вложен слишком глубоко: допускается не более {MAX_DEPTH} уровней."}
NUL = "Данные содержат запрещённый символ: ноль-байт"


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def deep_body(depth: int) -> str:
    """A request body whose ``data`` holds ``depth`` levels of lists."""
    return '{"title": "Глубоко", "data": ' + nested(depth) + "}"


@pytest.fixture
def api_client(api, director):
    client = api(director)
    client.raise_request_exception = False
    return client


@pytest.fixture
def deal(director):
    return make_deal("calculation", "new", responsible=director)


# --- JSON nested too deep ---------------------------------------------------------------


@pytest.mark.parametrize("depth", [100_000, MAX_DEPTH + 8])
def test_deep_json_is_refused_on_every_json_endpoint(api_client, deal, depth):
    body = deep_body(depth)
    task = warehouse_task(make_deal("acceptance", "to_warehouse"))
    requests = [
        ("post", "/api/deals/"),
        ("patch", f"/api/deals/{deal.pk}/"),
        ("post", f"/api/deals/{deal.pk}/transition/"),
        ("post", f"/api/deals/{deal.pk}/comments/"),
        ("patch", f"/api/companies/{deal.company_id}/"),
        ("post", f"/api/tasks/{task.pk}/comments/"),
        ("post", f"/api/tasks/{task.pk}/return/"),
    ]
    for method, url in requests:
        response = getattr(api_client, method)(url, body, content_type="application/json")
        assert (url, response.status_code, response.json()) == (url, 400, TOO_DEEP)


@pytest.mark.parametrize("depth", [100_000, MAX_DEPTH + 1])
def test_deep_json_is_refused_by_the_anonymous_token_endpoint(depth):
    client = client_for(None)
    client.raise_request_exception = False
    response = client.post("/api/auth/token/", deep_body(depth), content_type="application/json")
    assert response.status_code == 400
    assert response.json() == TOO_DEEP


def test_json_up_to_the_limit_is_read():
    assert loads(nested(MAX_DEPTH)) == json.loads(nested(MAX_DEPTH))
    with pytest.raises(JSONInputError):
        loads(nested(MAX_DEPTH + 1))
    with pytest.raises(JSONInputError):
        loads('{"a": ' * 100_000)


def test_deep_json_is_refused_by_the_pages_json_endpoints(client, worker):
    client.raise_request_exception = False
    client.force_login(worker)
    body = '{"ids": ' + nested(100_000) + "}"
    for name in ("notifications:read", "warehouse:push-subscribe"):
        response = client.post(reverse(name), body, content_type="application/json")
        assert (name, response.status_code) == (name, 400)
    response = client.post(reverse("warehouse:push-unsubscribe"), body, "application/json")
    assert (response.status_code, response.json()) == (200, {"deleted": 0})


# --- numbers beyond what a float or a column holds ---------------------------------------


@pytest.mark.parametrize(
    ("number", "shown"), [("1e400", "1e400"), ("-1e1000000", "-1e1000000"), ("NaN", "NaN")]
)
def test_a_number_beyond_a_float_in_json_is_refused(api_client, deal, number, shown):
    detail = {"detail": f"В JSON есть число, которое нельзя использовать: {shown}."}
    for method, url, body in [
        ("post", "/api/deals/", f'{{"pipeline": "calculation", "title": "x", "amount": {number}}}'),
        ("patch", f"/api/deals/{deal.pk}/", f'{{"units_per_month": {number}}}'),
        (
            "post",
            f"/api/deals/{deal.pk}/transition/",
            f'{{"transition": "to_proposal", "data": {{"amount": {number}}}}}',
        ),
    ]:
        response = getattr(api_client, method)(url, body, content_type="application/json")
        assert (url, response.status_code, response.json()) == (url, 400, detail)
    deal.refresh_from_db()
    assert deal.stage == "new"


def test_a_number_beyond_a_float_is_refused_by_the_notifications_page(client, worker):
    client.raise_request_exception = False
    client.force_login(worker)
    response = client.post(
        reverse("notifications:read"), '{"ids": [1e400]}', content_type="application/json"
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("amount_min=1e400", "amount_min", "Убедитесь, что вы ввели не более 14 цифр."),
        ("amount_max=-1e1000000", "amount_max", "Убедитесь, что вы ввели не более 14 цифр."),
        ("amount_min=NaN", "amount_min", "Введите число."),
    ],
)
def test_an_amount_filter_the_column_cannot_hold_is_refused(
    api_client, deal, query, field, message
):
    response = api_client.get(f"/api/deals/?{query}")
    assert response.status_code == 400
    assert response.json()["errors"] == {field: [message]}


@pytest.mark.parametrize(
    "url",
    [
        "/api/tasks/?deal=99999999999999999999",
        "/api/contacts/?company=99999999999999999999",
        "/api/deals/?company=99999999999999999999",
    ],
)
def test_an_id_filter_beyond_a_bigint_is_refused(api_client, url):
    response = api_client.get(url)
    assert response.status_code == 400
    (messages,) = response.json()["errors"].values()
    assert messages == ["Убедитесь, что это значение меньше либо равно 9223372036854775807."]


def test_amounts_within_the_column_still_filter(api_client, deal):
    assert (
        api_client.get("/api/deals/?amount_min=0&amount_max=999999999999.99").json()["count"] == 1
    )
    assert api_client.get("/api/deals/?amount_min=999999999999.99").json()["count"] == 0


@pytest.mark.parametrize("query", ["amount_min=1e400", "amount_max=-1e1000000"])
def test_the_deal_list_page_refuses_an_amount_the_column_cannot_hold(client, director, deal, query):
    client.raise_request_exception = False
    client.force_login(director)
    response = client.get(f"/pipelines/calculation/list/?{query}")
    assert response.status_code == 400
    assert "Убедитесь, что вы ввели не более 14 цифр." in response.content.decode()


# --- a NUL character in a search ----------------------------------------------------------


def nul_searches(client, api_client) -> dict[str, int]:
    pages = [
        "/pipelines/calculation/?q=a%00b",
        "/pipelines/calculation/list/?q=a%00b",
        "/pipelines/calculation/columns/new/?q=a%00b",
        "/companies/?q=a%00b",
    ]
    api = [
        "/api/deals/?search=a%00b",
        "/api/companies/?search=a%00b",
        "/api/contacts/?search=a%00b",
    ]
    statuses = {url: client.get(url).status_code for url in pages}
    statuses.update({url: api_client.get(url).status_code for url in api})
    return statuses


def test_a_nul_character_in_a_search_is_refused(client, api_client, director, deal):
    client.raise_request_exception = False
    client.force_login(director)
    statuses = nul_searches(client, api_client)
    assert statuses == dict.fromkeys(statuses, 400)
    assert NUL in client.get("/companies/?q=a%00b").content.decode()
    assert NUL in client.get("/pipelines/calculation/list/?q=a%00b").content.decode()


@pytest.mark.services
def test_a_nul_character_in_a_search_is_refused_on_postgresql(
    postgres, client, api_client, director, deal
):
    client.raise_request_exception = False
    client.force_login(director)
    statuses = nul_searches(client, api_client)
    assert statuses == dict.fromkeys(statuses, 400)


def nul_downloads(client, api_client) -> dict[str, int]:
    urls = ["/files/deals/a%00b.pdf", "/files/a%00b"]
    statuses = {url: client.get(url).status_code for url in urls}
    statuses.update({f"/api{url}": api_client.get(f"/api{url}").status_code for url in urls})
    return statuses


def test_a_nul_character_in_a_file_name_is_not_found(client, api_client, director):
    client.raise_request_exception = False
    client.force_login(director)
    statuses = nul_downloads(client, api_client)
    assert statuses == dict.fromkeys(statuses, 404)


@pytest.mark.services
def test_a_nul_character_in_a_file_name_is_not_found_on_postgresql(
    postgres, client, api_client, director
):
    client.raise_request_exception = False
    client.force_login(director)
    statuses = nul_downloads(client, api_client)
    assert statuses == dict.fromkeys(statuses, 404)


# --- the board's scroll cursor -------------------------------------------------------------


@pytest.mark.parametrize(
    "after",
    [
        "2026-02-31T10:00:00%2B00:00_5",
        "2026-13-01T10:00:00_5",
        "2026-04-31_5",
        "0001-01-01T00:00:00%2B14:00_5",
        "9999-12-31T23:59:59-14:00_5",
        "2026-02-01T10:00:00%2B00:00_99999999999999999999",
        "2026-02-01T10:00:00%2B00:00_%D9%A3",
        "anything",
    ],
)
def test_an_impossible_scroll_cursor_is_refused(client, director, deal, after):
    client.raise_request_exception = False
    client.force_login(director)
    response = client.get(f"/pipelines/calculation/columns/new/?after={after}")
    assert response.status_code == 400
    assert (
        response.content.decode() == "Колонку нельзя продолжить с этого места: обновите страницу."
    )


def test_a_real_scroll_cursor_still_continues_the_column(client, director, deal):
    client.force_login(director)
    response = client.get(
        "/pipelines/calculation/columns/new/?after=2999-01-01T10:00:00%2B00:00_999"
    )
    assert response.status_code == 200
    assert deal.title in response.content.decode()
