"""Company and contact cards: legal details, the contract status, contacts and the client's
deals across the pipelines (only those the user may see)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from deals.models import Company, Contact
from tests.factories import CompanyFactory, ContactFactory, make_deal

pytestmark = pytest.mark.django_db


def test_the_company_list_searches_by_name_and_inn(client, manager):
    CompanyFactory(name="ООО «Ромашка»", inn="7707083893")
    CompanyFactory(name="ИП Соколов", inn="500100732259", kpp="")
    client.force_login(manager)

    def names(q):
        response = client.get(reverse("deals:companies"), {"q": q})
        assert response.status_code == 200
        return [c.name for c in response.context["page"]]

    assert names("Ромаш") == ["ООО «Ромашка»"]
    assert names("5001") == ["ИП Соколов"]
    assert len(names("")) == 2


def test_the_company_list_counts_each_company_s_contacts(client, manager):
    busy = CompanyFactory(name="А")
    CompanyFactory(name="Б")
    ContactFactory.create_batch(3, company=busy)
    client.force_login(manager)

    page = client.get(reverse("deals:companies")).context["page"]

    assert [(c.name, c.contacts_count) for c in page] == [("А", 3), ("Б", 0)]


def test_the_company_card_shows_details_contract_contacts_and_visible_deals(
    client, manager, other_manager
):
    company = CompanyFactory(
        has_contract=True, contract_number="ФФ-1", contract_date=datetime.date(2026, 1, 15)
    )
    contact = ContactFactory(company=company, name="Ольга Новикова")
    make_deal("calculation", "new", responsible=manager, company=company, title="Мой просчет")
    make_deal("acceptance", "new", responsible=manager, company=company, title="Моя приемка")
    make_deal("calculation", "new", responsible=other_manager, company=company, title="Чужая")
    client.force_login(manager)

    response = client.get(reverse("deals:company", args=[company.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Договор заключен" in html
    assert "№ ФФ-1 от 15.01.2026" in html
    assert company.inn in html and company.bank_account in html
    assert f'href="/contacts/{contact.pk}/"' in html
    assert sorted(d.title for d in response.context["deals"]) == ["Мой просчет", "Моя приемка"]
    assert "Чужая" not in html


def test_a_company_without_a_contract_says_so(client, manager):
    company = CompanyFactory()
    client.force_login(manager)

    html = client.get(reverse("deals:company", args=[company.pk])).content.decode()

    assert "Договора пока нет" in html


def test_a_company_is_created_with_validated_details(client, manager):
    client.force_login(manager)

    refused = client.post(reverse("deals:company-new"), {"name": "ООО «Тест»", "inn": "1234567890"})
    assert refused.status_code == 200
    assert refused.context["form"].errors["inn"] == [
        "Контрольная сумма ИНН не сходится: проверьте цифры."
    ]

    response = client.post(
        reverse("deals:company-new"), {"name": "ООО «Тест»", "inn": "7707083893"}
    )

    company = Company.objects.get(name="ООО «Тест»")
    assert response.status_code == 302
    assert response["Location"] == reverse("deals:company", args=[company.pk])


def test_a_company_is_edited(client, manager):
    company = CompanyFactory()
    client.force_login(manager)
    data = {f: getattr(company, f) for f in ("name", "legal_name", "inn", "kpp", "ogrn")}

    response = client.post(
        reverse("deals:company-edit", args=[company.pk]),
        {**data, "legal_address": "г. Казань", "signatory": "Петров П. П."},
    )

    assert response.status_code == 302
    company.refresh_from_db()
    assert (company.legal_address, company.signatory) == ("г. Казань", "Петров П. П.")


def test_a_contact_needs_a_phone_or_an_email(client, manager):
    company = CompanyFactory()
    client.force_login(manager)

    refused = client.post(reverse("deals:contact-add", args=[company.pk]), {"name": "Иван"})
    assert "Укажите телефон или e-mail контакта." in refused.content.decode()
    assert not Contact.objects.exists()

    response = client.post(
        reverse("deals:contact-add", args=[company.pk]), {"name": "Иван", "phone": "+7 900"}
    )

    assert response.status_code == 302
    assert Contact.objects.get().company == company


def test_the_contact_card_lists_the_visible_deals(client, manager, other_manager):
    contact = ContactFactory(position="Директор")
    make_deal("calculation", "new", responsible=manager, contact=contact, title="Мой")
    make_deal("calculation", "new", responsible=other_manager, contact=contact, title="Чужой")
    client.force_login(manager)

    response = client.get(reverse("deals:contact", args=[contact.pk]))

    assert response.status_code == 200
    assert [d.title for d in response.context["deals"]] == ["Мой"]
    assert "Директор" in response.content.decode()


@pytest.mark.parametrize("name", ["deals:companies", "deals:company-new"])
def test_warehouse_staff_do_not_open_companies(client, worker, name):
    client.force_login(worker)

    assert client.get(reverse(name)).status_code == 403


def test_warehouse_staff_do_not_open_a_company_or_contact(client, worker):
    contact = ContactFactory()
    client.force_login(worker)

    assert client.get(reverse("deals:company", args=[contact.company_id])).status_code == 403
    assert client.get(reverse("deals:contact", args=[contact.pk])).status_code == 403


def test_a_contact_is_edited_from_its_card(client, manager):
    contact = ContactFactory(name="Иван", phone="+7 900", email="")
    client.force_login(manager)
    card = client.get(reverse("deals:contact", args=[contact.pk])).content.decode()
    assert reverse("deals:contact-edit", args=[contact.pk]) in card

    response = client.post(
        reverse("deals:contact-edit", args=[contact.pk]),
        {"name": "Иван Петров", "position": "Закупщик", "phone": "", "email": "ivan@example.com"},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("deals:contact", args=[contact.pk])
    contact.refresh_from_db()
    assert (contact.name, contact.position, contact.phone, contact.email) == (
        "Иван Петров",
        "Закупщик",
        "",
        "ivan@example.com",
    )


def test_an_edited_contact_keeps_a_phone_or_an_email(client, manager):
    contact = ContactFactory(name="Иван", phone="+7 900", email="")
    client.force_login(manager)

    response = client.post(
        reverse("deals:contact-edit", args=[contact.pk]),
        {"name": "Иван", "position": "", "phone": "", "email": ""},
    )

    assert response.status_code == 200
    assert "Укажите телефон или e-mail контакта." in response.content.decode()
    contact.refresh_from_db()
    assert contact.phone == "+7 900"


def test_warehouse_staff_do_not_edit_a_contact(client, worker):
    contact = ContactFactory()
    client.force_login(worker)

    assert client.get(reverse("deals:contact-edit", args=[contact.pk])).status_code == 403
