"""The documents API: making a document, the price list."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from deals.services import deal_move
from documents.models import Document, Price


@pytest.fixture
def api():
    return APIClient()


def _url(deal, kind):
    return reverse("api:deal-documents", args=[deal.pk, kind])


def test_post_makes_the_invoice_and_answers_what_it_filled(ready, acceptance_deal, manager, api):
    api.force_authenticate(manager)
    response = api.post(_url(acceptance_deal, "invoice"), {"pallet_days": 2}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    document = Document.objects.get()
    # 1 562,50 + 2 × 45,00 = 1 652,50
    assert body["amount"] == "1652.50"
    assert body["number"] == "1"
    assert body["file_url"].endswith(reverse("api:file", args=[document.file.name]))
    assert body["filled"] == {
        "invoice_number": "1",
        "amount": "1652.50",
        "invoice_file": document.file.name,
    }
    assert api.get(body["file_url"]).status_code == 200
    acceptance_deal.refresh_from_db()
    change = deal_move(deal=acceptance_deal, transition="to_awaiting_payment", actor=manager)
    assert change.to_stage == "awaiting_payment"


def test_refusals_keep_the_api_shape(ready, acceptance_deal, manager, api):
    api.force_authenticate(manager)
    wrong = api.post(_url(acceptance_deal, "act"), format="json")
    assert wrong.status_code == 400
    assert "Акт выполненных работ" not in wrong.json()["detail"]  # the kind's label, lower
    assert "формируется на стадии" in wrong.json()["detail"]
    stale = api.post(_url(acceptance_deal, "invoice"), {"expected_stage": "new"}, format="json")
    assert stale.status_code == 409 and stale.json()["stage"] == "invoice"
    bad = api.post(_url(acceptance_deal, "invoice"), {"pallet_days": -1}, format="json")
    assert bad.status_code == 400 and "pallet_days" in bad.json()["errors"]
    assert api.post(_url(acceptance_deal, "receipt"), format="json").status_code == 404
    assert not Document.objects.exists()


@pytest.mark.parametrize(("who", "status"), [("other_manager", 404), ("worker", 403)])
def test_others_may_not(request, who, status, ready, acceptance_deal, api):
    api.force_authenticate(request.getfixturevalue(who))
    assert api.post(_url(acceptance_deal, "invoice"), format="json").status_code == status
    assert not Document.objects.exists()


def test_price_list_today_and_on_a_past_date(ready, price_list, manager, api):
    Price.objects.create(
        service=price_list["recount"], valid_from=datetime.date(2030, 1, 1), price=Decimal("5")
    )
    api.force_authenticate(manager)
    today = {row["code"]: row for row in api.get(reverse("api:price-list")).json()}
    assert today["recount"]["price"] == "3.125"
    assert today["recount"]["unit"] == "шт"
    later = api.get(reverse("api:price-list"), {"date": "2030-02-01"}).json()
    assert {row["code"]: row["price"] for row in later}["recount"] == "5.000"
    before = api.get(reverse("api:price-list"), {"date": "2025-06-01"}).json()
    assert {row["code"]: row["price"] for row in before}["recount"] is None
    assert api.get(reverse("api:price-list"), {"date": "вчера"}).status_code == 400


def test_price_list_is_not_for_warehouse_staff(ready, worker, api):
    api.force_authenticate(worker)
    assert api.get(reverse("api:price-list")).status_code == 403


def test_the_schema_documents_both(administrator, api):
    api.force_authenticate(administrator)
    schema = api.get("/api/schema/", {"format": "json"}).json()
    assert "/api/deals/{id}/documents/{kind}/" in schema["paths"]
    assert "/api/price-list/" in schema["paths"]
