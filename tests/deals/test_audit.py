"""The audit trail: every change of a deal's, a company's and a contact's fields — old → new,
who, when — recorded by the services on every path, shown on the cards and in the API, with
amounts hidden from whoever does not see money."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from contracts.services import company_contract_sign
from deals import selectors, services
from deals.exceptions import DealConflictError, DealFieldError
from deals.models import Deal, FieldChange, LossReason
from tests.api.conftest import approval_task, client_for
from tests.factories import CompanyFactory, ContactFactory, make_deal

pytestmark = pytest.mark.django_db


def _changes(**lookup) -> list[tuple]:
    return [
        (c.subject, c.field, c.old_text, c.new_text, c.actor)
        for c in FieldChange.objects.filter(**lookup).order_by("pk")
    ]


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4" + b"0" * 100, content_type="application/pdf")


def test_an_edit_records_each_changed_field_old_and_new_with_who_and_when(manager):
    deal = make_deal(
        "calculation",
        "proposal",
        responsible=manager,
        amount=Decimal("1500.00"),
        marketplaces=["wildberries"],
        sku_count=40,
    )
    before = timezone.now()

    services.deal_update(
        deal=deal,
        actor=manager,
        data={"amount": "2750.5", "marketplaces": ["wildberries", "ozon"], "sku_count": 40},
    )

    amount, marketplaces = FieldChange.objects.filter(deal=deal).order_by("pk")
    assert (amount.field, amount.old_value, amount.new_value) == ("amount", "1500.00", "2750.50")
    assert (amount.old_text, amount.new_text) == ("1\xa0500,00", "2\xa0750,50")
    assert (amount.subject, amount.actor, amount.field_label) == ("deal", manager, "Сумма, ₽")
    assert amount.created_at >= before
    assert (marketplaces.old_value, marketplaces.new_value) == (
        ["wildberries"],
        ["wildberries", "ozon"],
    )
    assert marketplaces.new_text == "Wildberries, Ozon"


def test_the_same_value_sent_again_records_nothing(manager):
    deal = make_deal("calculation", "proposal", responsible=manager, amount=Decimal("1500.00"))

    services.deal_update(deal=deal, actor=manager, data={"amount": "1500", "title": deal.title})

    assert not FieldChange.objects.exists()


def test_the_old_value_is_what_the_database_held_not_what_a_stale_page_loaded(manager, director):
    deal = make_deal("calculation", "proposal", responsible=manager, amount=Decimal("100"))
    stale = Deal.objects.get(pk=deal.pk).as_pipeline()
    services.deal_update(deal=deal, actor=director, data={"amount": "200"})

    services.deal_update(deal=stale, actor=manager, data={"amount": "300"})

    assert _changes(deal=deal) == [
        ("deal", "amount", "100,00", "200,00", director),
        ("deal", "amount", "200,00", "300,00", manager),
    ]


def test_references_choices_and_files_are_recorded_as_people_saw_them(manager, other_manager):
    deal = make_deal(
        "acceptance", "new", responsible=manager, delivery_method="", invoice_file=None
    )
    old_contact = ContactFactory(company=deal.company, name="Сидоров")
    Deal.objects.filter(pk=deal.pk).update(contact=old_contact)
    deal = Deal.objects.get(pk=deal.pk).as_pipeline()
    new_contact = ContactFactory(company=deal.company, name="Петров")

    services.deal_update(
        deal=deal,
        actor=manager,
        data={
            "contact": new_contact.pk,
            "responsible": other_manager.pk,
            "delivery_method": "courier",
            "invoice_file": _pdf("Счет.pdf"),
        },
    )

    recorded = {c.field: c for c in FieldChange.objects.filter(deal=deal)}
    assert (recorded["contact"].old_value, recorded["contact"].new_value) == (
        old_contact.pk,
        new_contact.pk,
    )
    assert (recorded["contact"].old_text, recorded["contact"].new_text) == (
        old_contact.name,
        "Петров",
    )
    assert recorded["responsible"].new_text == other_manager.get_full_name()
    assert recorded["delivery_method"].new_value == "courier"
    assert recorded["delivery_method"].new_text == str(
        dict(Deal._meta.get_field("delivery_method").flatchoices)["courier"]
    )
    stored = Deal.objects.get(pk=deal.pk).invoice_file.name
    assert (recorded["invoice_file"].old_value, recorded["invoice_file"].new_value) == (
        None,
        stored,
    )
    assert recorded["invoice_file"].new_text == "Счет.pdf"


def test_a_refused_edit_records_nothing(manager):
    deal = make_deal("calculation", "proposal", responsible=manager)

    with pytest.raises(DealFieldError):
        services.deal_update(deal=deal, actor=manager, data={"amount": "1", "sku_count": "много"})

    assert not FieldChange.objects.exists()


def test_an_edit_of_a_deal_moved_meanwhile_records_nothing(manager):
    deal = make_deal("calculation", "proposal", responsible=manager)
    Deal.objects.filter(pk=deal.pk).update(stage="director_approval")

    with pytest.raises(DealConflictError):
        services.deal_update(deal=deal, actor=manager, data={"amount": "99"})

    assert not FieldChange.objects.exists()


def test_a_move_records_the_fields_it_set_at_the_moment_of_the_move(manager):
    deal = make_deal("calculation", "proposal", responsible=manager, amount=None)

    change = services.deal_move(
        deal=deal,
        transition="fail",
        actor=manager,
        comment="Дорого",
        reason=LossReason.objects.filter(pipeline="").first(),
        data={"amount": "5000"},
    )

    (recorded,) = FieldChange.objects.filter(deal=deal)
    assert (recorded.field, recorded.old_value, recorded.new_value) == ("amount", None, "5000.00")
    assert (recorded.actor, recorded.created_at) == (manager, change.created_at)


def test_the_director_s_approval_and_the_return_that_clears_it_are_recorded(director, manager):
    deal = make_deal(
        "calculation", "director_approval", responsible=manager, director_approved_at=None
    )
    services.approval_approve(task=approval_task(deal), actor=director)
    deal = Deal.objects.get(pk=deal.pk)
    approved = deal.director_approved_at
    Deal.objects.filter(pk=deal.pk).update(stage="client_approval")

    services.deal_move(
        deal=Deal.objects.get(pk=deal.pk),
        transition="return_to_proposal",
        actor=manager,
        comment="Клиент просит скидку",
    )

    approval, cleared = FieldChange.objects.filter(deal=deal).order_by("pk")
    assert (approval.field, approval.old_value, approval.actor) == (
        "director_approved_at",
        None,
        director,
    )
    assert approval.new_value == approved.isoformat()
    assert (cleared.field, cleared.old_value, cleared.new_value, cleared.actor) == (
        "director_approved_at",
        approved.isoformat(),
        None,
        manager,
    )


def test_company_details_set_from_a_deal_are_recorded_on_the_company_with_the_deal(manager):
    deal = make_deal("contract", "new", responsible=manager)
    company = deal.company
    old_inn = company.inn

    services.deal_update(deal=deal, actor=manager, data={"company.inn": "7736207543"})

    assert _changes(company=company) == [("company", "inn", old_inn, "7736207543", manager)]
    assert FieldChange.objects.get(company=company).deal == deal


def test_company_and_contact_changes_are_recorded_by_the_services(manager):
    company = CompanyFactory(name="Ромашка")
    contact = ContactFactory(company=company, phone="+7 900 000-00-00")

    services.company_update(company=company, data={"name": "Ромашка+"}, actor=manager)
    services.contact_update(contact=contact, data={"phone": "+7 900 111-11-11"}, actor=manager)
    company_contract_sign(company=company, number="Д-7", date=datetime.date(2026, 12, 1))

    assert _changes(company=company) == [
        ("company", "name", "Ромашка", "Ромашка+", manager),
        ("contact", "phone", "+7 900 000-00-00", "+7 900 111-11-11", manager),
        ("company", "has_contract", "нет", "да", None),
        ("company", "contract_number", "", "Д-7", None),
        ("company", "contract_date", "", "01.12.2026", None),
    ]
    assert FieldChange.objects.get(field="phone").contact == contact


def test_amounts_are_left_out_for_whoever_does_not_see_money(manager, worker, director):
    deal = make_deal("calculation", "proposal", responsible=manager, amount=Decimal("100"))
    services.deal_update(deal=deal, actor=manager, data={"amount": "200", "sku_count": 7})

    assert [c.field for c in selectors.deal_field_changes(user=director, deal=deal)] == [
        "amount",
        "sku_count",
    ]
    assert [c.field for c in selectors.deal_field_changes(user=worker, deal=deal)] == ["sku_count"]


# --- on the cards -------------------------------------------------------------------------


def test_the_deal_card_shows_the_changes_in_its_timeline(client, manager):
    deal = make_deal("calculation", "proposal", responsible=manager, amount=Decimal("100"))
    services.deal_update(deal=deal, actor=manager, data={"amount": "250", "sku_count": 12})
    client.force_login(manager)

    response = client.get(reverse("deals:detail", args=[deal.pk]))

    (entry,) = [e for e in response.context["timeline"] if e.kind == "fields"]
    assert [c.field for c in entry.item.changes] == ["amount", "sku_count"]
    html = response.content.decode()
    assert "<del>100,00</del> → <ins>250,00</ins>" in html
    assert "Количество SKU" in html


def test_an_edit_on_the_deal_card_records_what_the_form_changed(client, manager):
    deal = make_deal(
        "calculation",
        "new",
        responsible=manager,
        services=["packing"],
        marketplaces=["ozon"],
        goods_description="Посуда",
        sku_count=5,
        units_per_month=100,
    )
    client.force_login(manager)

    client.post(
        reverse("deals:edit", args=[deal.pk, 1]),
        {
            "services": ["packing"],
            "marketplaces": ["ozon"],
            "goods_description": "Посуда и текстиль",
            "sku_count": "7",
            "units_per_month": "100",
        },
    )

    assert _changes(deal=deal) == [
        ("deal", "goods_description", "Посуда", "Посуда и текстиль", manager),
        ("deal", "sku_count", "5", "7", manager),
    ]


def test_a_contact_edited_on_its_page_records_the_old_value(client, manager):
    contact = ContactFactory(name="Иванов", position="")
    client.force_login(manager)

    client.post(
        reverse("deals:contact-edit", args=[contact.pk]),
        {"name": "Иванов", "position": "Директор", "phone": contact.phone, "email": ""},
    )

    assert _changes(contact=contact) == [("contact", "position", "", "Директор", manager)]


def test_the_company_card_shows_its_history_and_names_only_visible_deals(
    client, manager, other_manager
):
    company = CompanyFactory(name="Ромашка")
    contact = ContactFactory(company=company, name="Иванов", email="a@example.com")
    own = make_deal("contract", "new", responsible=manager, company=company)
    others = make_deal("contract", "new", responsible=other_manager, company=company)
    services.deal_update(deal=own, actor=manager, data={"company.kpp": "770701001"})
    services.deal_update(deal=others, actor=other_manager, data={"company.kpp": "770702001"})
    services.contact_update(contact=contact, data={"email": "b@example.com"}, actor=manager)
    client.force_login(manager)

    response = client.get(reverse("deals:company", args=[company.pk]))

    html = response.content.decode()
    assert [g.changes[0].field for g in response.context["history"]] == ["email", "kpp", "kpp"]
    assert "изменил(а) контакт Иванов" in html
    assert "<del>a@example.com</del> → <ins>b@example.com</ins>" in html
    assert f'href="/deals/{own.pk}/"' in html
    assert f'href="/deals/{others.pk}/"' not in html


def test_the_company_card_shows_the_latest_changes_and_the_rest_on_request(client, manager):
    company = CompanyFactory(name="0")
    for number in range(1, 23):
        services.company_update(company=company, data={"name": str(number)}, actor=manager)
    client.force_login(manager)

    first = client.get(reverse("deals:company", args=[company.pk]))
    everything = client.get(reverse("deals:company", args=[company.pk]) + "?history=all")

    assert [g.changes[0].new_text for g in first.context["history"]][:2] == ["22", "21"]
    assert len(first.context["history"]) == 20
    assert "Показать еще 2 изменения" in first.content.decode()
    assert len(everything.context["history"]) == 22


def test_the_company_page_form_and_the_admin_record_who_changed_it(client, manager, administrator):
    company = CompanyFactory(name="Ромашка", inn="7707083893")
    client.force_login(manager)
    form = {
        name: getattr(company, name) or ""
        for name in ("name", "legal_name", "inn", "kpp", "ogrn", "legal_address", "bik")
    }
    form |= {"bank_account": company.bank_account, "signatory": "", "phone": "", "email": ""}
    page = client.post(reverse("deals:company-edit", args=[company.pk]), {**form, "name": "Лютик"})
    assert page.status_code == 302, page.context["form"].errors
    client.force_login(administrator)
    client.post(
        reverse("admin:deals_company_change", args=[company.pk]),
        {
            **form,
            "name": "Лютик 2",
            "contract_number": "",
            "contract_date": "",
            "contacts-TOTAL_FORMS": "0",
            "contacts-INITIAL_FORMS": "0",
        },
    )

    assert [(c.new_text, c.actor) for c in FieldChange.objects.filter(field="name")] == [
        ("Лютик", manager),
        ("Лютик 2", administrator),
    ]


# --- in the API ---------------------------------------------------------------------------


def test_the_api_lists_a_deal_s_changes_for_who_may_open_it(manager, other_manager):
    deal = make_deal("calculation", "proposal", responsible=manager, amount=Decimal("100"))
    client_for(manager).patch(f"/api/deals/{deal.pk}/", {"amount": "300"}, format="json")

    response = client_for(manager).get(f"/api/deals/{deal.pk}/field-changes/")

    assert response.status_code == 200
    (change,) = response.json()["results"]
    assert change | {"id": 0, "created_at": ""} == {
        "id": 0,
        "subject": "deal",
        "contact": None,
        "field": "amount",
        "field_label": "Сумма, ₽",
        "old_value": "100.00",
        "new_value": "300.00",
        "old_text": "100,00",
        "new_text": "300,00",
        "actor": manager.pk,
        "actor_name": manager.get_full_name(),
        "created_at": "",
    }
    stranger = client_for(other_manager).get(f"/api/deals/{deal.pk}/field-changes/")
    assert stranger.status_code == 404


def test_the_api_lists_a_company_s_and_a_contact_s_changes(manager):
    company = CompanyFactory(name="Ромашка")
    contact = ContactFactory(company=company, name="Иванов")
    api = client_for(manager)
    api.patch(f"/api/companies/{company.pk}/", {"name": "Лютик"}, format="json")
    api.patch(f"/api/contacts/{contact.pk}/", {"name": "Иванов И."}, format="json")

    of_company = api.get(f"/api/companies/{company.pk}/field-changes/").json()["results"]
    of_contact = api.get(f"/api/contacts/{contact.pk}/field-changes/").json()["results"]

    assert [(c["subject"], c["field"], c["new_text"]) for c in of_company] == [
        ("company", "name", "Лютик"),
        ("contact", "name", "Иванов И."),
    ]
    assert [(c["contact"], c["old_text"], c["actor"]) for c in of_contact] == [
        (contact.pk, "Иванов", manager.pk)
    ]


def test_the_timeline_shows_the_approval_once_and_the_api_keeps_its_field_change(
    client, manager, director
):
    from tests.api.conftest import approval_task

    deal = make_deal(
        "calculation", "director_approval", responsible=manager, director_approved_at=None
    )
    services.approval_approve(task=approval_task(deal), actor=director)
    client.force_login(manager)

    timeline = client.get(reverse("deals:detail", args=[deal.pk])).context["timeline"]

    assert [e.kind for e in timeline if e.kind in ("fields", "task_closed")] == ["task_closed"]
    listed = client_for(manager).get(f"/api/deals/{deal.pk}/field-changes/").json()["results"]
    assert [c["field"] for c in listed] == ["director_approved_at"]
