"""Winning a calculation request: the contract check and the handoff with fields carried over."""

import pytest

from contracts.services import calculation_contract_check
from deals import services
from deals.models import Company, Deal, Handoff
from deals.pipelines import ACCEPTANCE, CALCULATION
from deals.pipelines.fields import carried_fields
from fulfillment.models import Notification
from tests.factories import CompanyFactory, ContactFactory, make_deal

pytestmark = pytest.mark.django_db


def _win(deal, actor, committed):
    with committed():
        services.deal_move(deal=deal, transition="to_won", actor=actor)


def _company(has_contract: bool) -> Company:
    if has_contract:
        return CompanyFactory(has_contract=True, contract_number="Д-1", contract_date="2026-01-15")
    return CompanyFactory()


def test_with_a_contract_the_acceptance_request_opens_with_every_shared_field(manager, committed):
    contact = ContactFactory(company=_company(True))
    deal = make_deal(
        "calculation",
        "client_approval",
        responsible=manager,
        contact=contact,
        goods_description="Кружки керамические",
        marketplaces=["ozon", "wildberries"],
        comment="Первая поставка",
    )
    _win(deal, manager, committed)

    acceptance = Deal.objects.get(pipeline="acceptance")
    assert (acceptance.stage, acceptance.source_deal_id) == ("new", deal.pk)
    assert list(deal.created_deals.all()) == [acceptance]
    assert Handoff.objects.get(source=deal).target == acceptance
    copied = carried_fields(CALCULATION, ACCEPTANCE)
    assert set(copied) == {
        ("title", "title"),
        ("company", "company"),
        ("contact", "contact"),
        ("responsible", "responsible"),
        ("comment", "comment"),
        ("goods_description", "goods_description"),
        ("marketplaces", "marketplaces"),
        ("proposal_file", "proposal_file"),
        ("amount", "proposal_amount"),
    }
    for code, target in copied:
        if code != "title":
            assert getattr(acceptance, target) == getattr(deal, code), code
    # Titled for its own pipeline, not «…: заявка на просчет заказа».
    assert acceptance.title == f"{deal.company.name}: заявка на приемку товара"
    # The КП and its amount come as what was agreed; the acceptance's own invoice is its own.
    assert acceptance.proposal_file.name == deal.proposal_file.name
    assert acceptance.proposal_amount == deal.amount is not None
    assert acceptance.amount is None
    assert Notification.objects.filter(recipient=manager, event="deal_opened").count() == 1


def test_without_a_contract_a_contract_deal_opens_and_the_request_waits(manager, committed):
    deal = make_deal("calculation", "client_approval", responsible=manager)
    _win(deal, manager, committed)

    contract = Deal.objects.get(pipeline="contract")
    assert (contract.company, contract.contact, contract.responsible, contract.source_deal) == (
        deal.company,
        deal.contact,
        manager,
        Deal.objects.get(pk=deal.pk),
    )
    assert Deal.objects.get(pk=deal.pk).awaiting_contract == contract
    assert not Deal.objects.filter(pipeline="acceptance").exists()


def test_an_open_contract_deal_is_reused_not_doubled(manager, committed):
    first = make_deal("calculation", "client_approval", responsible=manager)
    second = make_deal(
        "calculation",
        "client_approval",
        responsible=manager,
        company=first.company,
        contact=first.contact,
    )
    _win(first, manager, committed)
    _win(second, manager, committed)

    contract = Deal.objects.get(pipeline="contract")
    assert set(Deal.objects.filter(awaiting_contract=contract).values_list("pk", flat=True)) == {
        first.pk,
        second.pk,
    }


def test_winning_the_contract_sets_the_flag_and_opens_acceptance_for_each_waiting_request(
    manager, committed
):
    first = make_deal("calculation", "client_approval", responsible=manager)
    second = make_deal(
        "calculation",
        "client_approval",
        responsible=manager,
        company=first.company,
        contact=first.contact,
    )
    _win(first, manager, committed)
    _win(second, manager, committed)
    contract = Deal.objects.get(pipeline="contract")
    with committed():
        services.deal_move(deal=contract, transition="to_drafting", actor=manager)
        contract = Deal.objects.get(pk=contract.pk)
        services.deal_update(
            deal=contract, actor=manager, data={"contract_draft_file": _file("draft.pdf")}
        )
        services.deal_move(deal=contract, transition="to_client_approval", actor=manager)
        services.deal_move(deal=contract, transition="to_signing", actor=manager)
        services.deal_move(
            deal=contract,
            transition="to_won",
            actor=manager,
            data={
                "contract_number": "ФФ-2026/77",
                "contract_date": "2026-11-20",
                "signed_contract_file": _file("signed.pdf"),
            },
        )

    company = Company.objects.get(pk=first.company_id)
    assert (company.has_contract, company.contract_number, str(company.contract_date)) == (
        True,
        "ФФ-2026/77",
        "2026-11-20",
    )
    acceptances = Deal.objects.filter(pipeline="acceptance")
    assert {a.source_deal_id for a in acceptances} == {first.pk, second.pk}
    for acceptance in acceptances:
        source = acceptance.source_deal
        assert acceptance.goods_description == source.goods_description  # from the calculation


def test_handoff_runs_once_however_often_it_is_asked(manager):
    deal = make_deal("calculation", "won", responsible=manager, company=_company(True))
    opened = [calculation_contract_check(deal=deal) for _ in range(3)]
    assert len({d.pk for d in opened}) == 1
    assert Deal.objects.filter(pipeline="acceptance").count() == 1
    assert Handoff.objects.count() == 1


def _file(name):
    from django.core.files.base import ContentFile

    return ContentFile(b"%PDF-1.4", name=name)


def test_a_contact_of_another_company_does_not_stop_the_handoff(manager):
    company = _company(True)
    # Edited around the rules, as the admin site allows: the contact works elsewhere.
    deal = make_deal("calculation", "won", responsible=manager, company=company)
    Deal.objects.filter(pk=deal.pk).update(contact=ContactFactory())
    deal.refresh_from_db()

    opened, created = services.deal_handoff(source=deal, pipeline="acceptance")

    assert created
    assert (opened.company_id, opened.contact_id) == (company.pk, None)


def test_a_kp_file_missing_from_storage_does_not_stop_the_handoff(manager, committed):
    deal = make_deal("calculation", "client_approval", responsible=manager, company=_company(True))
    deal.proposal_file.storage.delete(deal.proposal_file.name)  # another machine's storage

    _win(deal, manager, committed)

    acceptance = Deal.objects.get(pipeline="acceptance")
    assert acceptance.proposal_file.name == deal.proposal_file.name
