"""The reports over the API answer the same figures as the pages, with the same limits."""

from __future__ import annotations

import pytest

from tests.factories.history import PERIOD

QUERY = {key: value.isoformat() for key, value in PERIOD.items()}


@pytest.fixture
def api(client):
    def get(user, path, **params):
        client.force_login(user)
        return client.get(f"/api/reports/{path}/", {**QUERY, **params})

    return get


def test_the_funnel_answers_per_stage(api, history, director):
    body = api(director, "funnel", pipeline="calculation").json()
    proposal = next(s for s in body["stages"] if s["stage"] == "proposal")
    assert {key: proposal[key] for key in ("entered", "moved_on", "lost", "conversion")} == {
        "entered": 4,
        "moved_on": 3,
        "lost": 1,
        "conversion": 0.75,
    }
    assert (proposal["median_hours"], proposal["p90_hours"]) == (24.0, 480.0)
    assert (body["entered"], body["won"], body["lost"], body["win_conversion"]) == (4, 2, 1, 0.25)
    assert body["won_amount"] == "130000.00"
    assert body["reasons"][0]["reason"] == "Дорого"


def test_managers_and_a_manager_s_own_view(api, history, director):
    everyone = {row["name"]: row for row in api(director, "managers").json()}
    assert everyone["Анна Первая"]["win_rate"] == 0.5
    assert everyone["Борис Второй"]["median_hours_to_win"] == 1008.0
    own = api(history["m1"], "managers", responsible=history["m2"].pk).json()
    assert [row["name"] for row in own] == ["Анна Первая"]  # the filter is not theirs to use


def test_the_director_narrows_to_a_manager(api, history, director):
    rows = api(director, "managers", responsible=history["m2"].pk).json()
    assert [row["name"] for row in rows] == ["Борис Второй"]


def test_ageing_approvals_and_warehouse(api, history, director):
    assert len(api(director, "ageing", pipeline="calculation").json()["rows"]) == 4
    approvals = api(director, "approvals").json()
    assert (approvals["decided"], approvals["returned"]) == (3, 1)
    warehouse = api(director, "warehouse").json()
    assert (warehouse["done"], warehouse["units_per_hour"]) == (3, 133.3)


def test_bad_filters_are_refused_naming_the_field(api, director):
    response = api(director, "funnel", date_from="2026-13-01")
    assert response.status_code == 400
    assert "date_from" in str(response.json())
    response = api(director, "funnel", pipeline="nothing")
    assert response.status_code == 400


def test_warehouse_staff_are_refused(api, worker):
    assert api(worker, "funnel").status_code == 403


def test_the_schema_documents_the_reports(client, director):
    client.force_login(director)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    funnel = schema["paths"]["/api/reports/funnel/"]["get"]
    assert {p["name"] for p in funnel["parameters"]} >= {"date_from", "date_to", "pipeline"}
    assert "FunnelStage" in str(schema["components"]["schemas"])


@pytest.mark.parametrize(
    "params",
    [
        {"date_from": "0001-01-01"},
        {"date_to": "9999-12-31"},
        {"date_from": "1999-12-31", "date_to": "2001-01-01"},
        {"date_from": "not a date", "date_to": "3000-01-01"},
    ],
)
def test_dates_out_of_range_are_refused_not_a_server_error(api, director, params):
    response = api(director, "ageing", **params)
    assert response.status_code == 400
