"""A client opens acceptance, processing and shipment requests through the core's
``deal_create``: their company and contact, the responsible manager, the fields the spec's
first stage requires (the ones a client can know), the history naming the client, a timeline
entry and a notification for the manager."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from deals.models import Deal, StageChange
from deals.pipelines import ACCEPTANCE, PROCESSING, SHIPMENT
from fulfillment.exceptions import ApplicationError
from fulfillment.models import Notification
from fulfillment.roles import Role
from portal.forms import ClientRequestForm, client_form_paths, client_requirements
from portal.models import ClientAction
from portal.services import client_request_create, client_request_responsible
from tests.factories import UserFactory, make_deal

pytestmark = pytest.mark.django_db

ACCEPTANCE_FORM = {
    "arrival_date": "2026-12-10",
    "boxes": "4",
    "units": "120",
    "delivery_method": "courier",
    "acceptance_type": "by_units",
    "goods_description": "Футболки, 3 размера",
}


@pytest.mark.parametrize("pipeline", [ACCEPTANCE, PROCESSING, SHIPMENT], ids=lambda p: p.code)
def test_the_form_asks_every_first_stage_requirement_but_the_internal_ones(pipeline):
    form = ClientRequestForm(pipeline=pipeline)
    spec_paths = {p for r in pipeline.first_stage.requires for p in r.paths}
    assert spec_paths - {"company"} <= set(form.fields)
    assert not {"company", "contact", "responsible", "title", "amount"} & set(form.fields)
    assert [r.code for r in client_requirements(pipeline)] == [
        r.code for r in pipeline.first_stage.requires if r.code != "company"
    ]
    assert client_form_paths(pipeline)[-1] == "comment"


def test_the_acceptance_form_requires_all_its_fields_on_the_page():
    form = ClientRequestForm(pipeline=ACCEPTANCE)
    required = {name for name, field in form.fields.items() if field.required}
    assert required == {"arrival_date", "boxes", "units", "delivery_method", "acceptance_type"}


def test_processing_needs_instructions_as_text_or_file():
    data = {
        "operations": ["labeling"],
        "units": "50",
        "deadline": "2026-12-20",
    }
    form = ClientRequestForm(data, pipeline=PROCESSING)
    assert not form.is_valid()
    assert "instructions" in form.errors
    form = ClientRequestForm({**data, "instructions": "Клеить на коробку"}, pipeline=PROCESSING)
    assert form.is_valid(), form.errors


def test_a_marketplace_shipment_needs_the_supply_number_an_address_does_not():
    data = {
        "destination_type": "marketplace",
        "destination": "Коледино",
        "shipment_date": "2026-12-15",
        "boxes": "2",
        "units": "40",
    }
    form = ClientRequestForm(data, pipeline=SHIPMENT)
    assert not form.is_valid()
    assert list(form.errors) == ["marketplace_supply_number"]
    address = {**data, "destination_type": "address", "destination": "Москва, ул. Ленина, 1"}
    assert ClientRequestForm(address, pipeline=SHIPMENT).is_valid()


def test_a_client_creates_an_acceptance_from_the_page(client_session, account, own_deal, manager):
    response = client_session.post(
        reverse("portal:request-new", args=["acceptance"]), ACCEPTANCE_FORM
    )

    deal = Deal.objects.exclude(pk=own_deal.pk).get()
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:request", args=[deal.pk])
    assert deal.pipeline == "acceptance" and deal.stage == "new"
    assert deal.company == account.contact.company and deal.contact == account.contact
    assert deal.responsible == manager  # the manager of the company's latest deal
    assert deal.created_by == account.user
    assert deal.arrival_date == datetime.date(2026, 12, 10)
    assert (deal.boxes, deal.units) == (4, 120)
    assert deal.goods_description == "Футболки, 3 размера"
    change = StageChange.objects.get(deal=deal)
    assert (change.transition, change.actor) == ("create", account.user)
    assert ClientAction.objects.get(deal=deal).kind == ClientAction.Kind.CREATED
    note = Notification.objects.get(recipient=manager, event="client_request_created")
    assert account.contact.company.name in note.text
    assert note.url == reverse("deals:detail", args=[deal.pk])
    # The new request is ready to move on: nothing of the first stage is missing.
    from deals.guards import RequiredFields

    assert RequiredFields(deal.pipeline_spec, "new").missing(deal) == []


def test_a_refused_form_creates_nothing(client_session, account, own_deal):
    response = client_session.post(
        reverse("portal:request-new", args=["acceptance"]), {**ACCEPTANCE_FORM, "boxes": "0"}
    )
    assert response.status_code == 200
    assert Deal.objects.count() == 1
    assert not ClientAction.objects.exists()
    assert "is-missing" in response.content.decode()


def test_a_calculation_or_contract_cannot_be_opened_in_the_portal(client_session, account):
    for pipeline in ("calculation", "contract"):
        assert client_session.get(reverse("portal:request-new", args=[pipeline])).status_code == 404
    with pytest.raises(ApplicationError):
        client_request_create(account=account, pipeline="calculation", data={})


def test_the_responsible_is_the_latest_deals_else_the_inviter_else_a_director(
    account, manager, company
):
    director = UserFactory(role=Role.DIRECTOR)
    assert client_request_responsible(account=account) == manager  # the inviter, no deals yet
    later = UserFactory(role=Role.MANAGER)
    make_deal("shipment", company=company, responsible=later)
    assert client_request_responsible(account=account) == later
    later.is_active = False
    later.save()
    manager.groups.clear()  # no longer in sales
    assert client_request_responsible(account=account) == director


def test_a_disabled_account_cannot_create(account, manager):
    account.user.is_active = False
    account.user.save()
    with pytest.raises(ApplicationError):
        client_request_create(account=account, pipeline="acceptance", data={})
    assert not Deal.objects.exists()
