"""«Создать»: the stage to create in, fields grouped as in the spec, the fields the stages
before the chosen one require marked, refusals naming exactly what is missing in Russian."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.translation import gettext as _

from deals.models import Deal, StageChange
from deals.pipelines import CALCULATION
from tests.factories import CompanyFactory, ContactFactory

pytestmark = pytest.mark.django_db

URL = reverse("deals:new", args=["calculation"])


def _valid(manager, contact) -> dict:
    return {
        "stage": "new",
        "title": "Новый клиент: просчет",
        "responsible": manager.pk,
        "company": contact.company_id,
        "contact": contact.pk,
    }


def test_the_form_groups_fields_as_the_spec_and_offers_reachable_stages(client, manager):
    client.force_login(manager)

    response = client.get(URL)

    assert response.status_code == 200
    form = response.context["form"]
    assert [label for label, _fields in form.groups()] == [g.label for g in CALCULATION.groups]
    assert [code for code, _label in form.fields["stage"].choices] == [
        "new",
        "proposal",
        "director_approval",
    ]  # not «client approval»: it needs the director's approval, which only the automation gives
    assert "director_approved_at" not in form.fields  # filled in by the automation only
    assert form.initial["stage"] == "new"
    assert form["responsible"].value() == manager.pk


def test_fields_required_before_a_stage_are_marked_for_it(client, manager):
    client.force_login(manager)

    response = client.get(URL, {"stage": "proposal"})

    required_at = response.context["form"].required_at()
    assert required_at["sku_count"] == "proposal director_approval"
    assert required_at["proposal_file"] == "director_approval"
    assert "goods_description" in required_at
    html = response.content.decode()
    assert 'data-required-at="proposal director_approval"' in html
    # Created in «proposal», the «new» stage's fields are required from the start.
    assert html.count('class="field is-required"') >= 7


def test_a_deal_is_created_in_the_first_stage(client, manager):
    contact = ContactFactory()
    client.force_login(manager)

    response = client.post(URL, _valid(manager, contact))

    deal = Deal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("deals:detail", args=[deal.pk])
    assert (deal.pipeline, deal.stage, deal.responsible, deal.created_by) == (
        "calculation",
        "new",
        manager,
        manager,
    )
    assert StageChange.objects.get(deal=deal).transition == "create"


def test_a_later_stage_without_its_fields_is_refused_naming_them(client, manager):
    contact = ContactFactory()
    client.force_login(manager)

    response = client.post(URL, {**_valid(manager, contact), "stage": "proposal"})

    assert response.status_code == 200
    form = response.context["form"]
    assert form.non_field_errors() == [
        "Заполните обязательные поля: Нужные услуги, Маркетплейсы, Описание товара, "
        "Количество SKU, Ожидаемый объем, шт. в месяц."
    ]
    assert form.missing_keys == {
        "services",
        "marketplaces",
        "goods_description",
        "sku_count",
        "units_per_month",
    }
    assert response.content.decode().count("is-missing") == 5
    assert not Deal.objects.exists()


def test_a_later_stage_with_every_field_is_created_there(client, manager):
    contact = ContactFactory()
    client.force_login(manager)

    response = client.post(
        URL,
        {
            **_valid(manager, contact),
            "stage": "proposal",
            "services": ["storage"],
            "marketplaces": ["wildberries"],
            "goods_description": "Игрушки",
            "sku_count": "12",
            "units_per_month": "300",
            "proposal_file": SimpleUploadedFile("kp.pdf", b"%PDF-1.4"),
        },
    )

    assert response.status_code == 302
    deal = Deal.objects.get()
    assert (deal.stage, deal.sku_count) == ("proposal", 12)
    assert deal.proposal_file.name.endswith("/kp.pdf")


def test_validation_messages_are_in_russian(client, manager):
    client.force_login(manager)

    response = client.post(URL, {"stage": "new", "sku_count": "много", "amount": "-5"})

    errors = response.context["form"].errors
    assert errors["title"] == ["Обязательное поле."]
    assert errors["sku_count"] == ["Введите целое число."]
    assert errors["amount"] == ["Убедитесь, что это значение больше либо равно 0."]
    assert not Deal.objects.exists()


def test_a_warehouse_worker_cannot_create_deals(client, worker):
    client.force_login(worker)

    assert client.get(URL).status_code == 403
    assert client.post(URL, {"title": "x"}).status_code == 403


# --- the contact persons of the chosen company -------------------------------------------------


def _options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}".*?</select>', html, re.S)
    assert select, f"no {name} select"
    return re.findall(r'<option value="(\d+)"', select.group(0))


def test_changing_the_company_swaps_in_the_select_of_its_contacts(client, manager):
    ours, theirs = ContactFactory(), ContactFactory()
    colleague = ContactFactory(company=ours.company)
    client.force_login(manager)

    page = client.get(URL).content.decode()
    response = client.get(
        URL,
        {"company": ours.company_id},
        headers={"HX-Request": "true", "HX-Target": "id_contact"},
    )

    # Without a company every contact is offered; the company select asks for its people.
    assert sorted(_options(page, "contact")) == sorted(str(c.pk) for c in (ours, theirs, colleague))
    company_select = re.search(r'<select name="company"[^>]*>', page).group(0)
    assert f'hx-get="{URL}"' in company_select
    assert 'hx-target="#id_contact"' in company_select
    html = response.content.decode()
    assert html.strip().startswith('<select name="contact" id="id_contact">')
    assert sorted(_options(html, "contact")) == sorted([str(ours.pk), str(colleague.pk)])


def test_the_swapped_select_keeps_a_chosen_person_who_works_there(client, manager):
    person, stranger = ContactFactory(), ContactFactory()
    client.force_login(manager)
    headers = {"HX-Request": "true", "HX-Target": "id_contact"}

    kept = client.get(URL, {"company": person.company_id, "contact": person.pk}, headers=headers)
    dropped = client.get(
        URL, {"company": person.company_id, "contact": stranger.pk}, headers=headers
    )

    def chosen(response) -> list[str]:
        return re.findall(r'<option value="(\d*)" selected>', response.content.decode())

    assert chosen(kept) == [str(person.pk)]
    assert [value for value in chosen(dropped) if value] == []  # nobody chosen
    assert str(stranger.pk) not in _options(dropped.content.decode(), "contact")


def test_a_contact_of_another_company_is_refused(client, manager):
    contact, stranger = ContactFactory(), ContactFactory()
    client.force_login(manager)

    response = client.post(URL, {**_valid(manager, contact), "contact": stranger.pk})

    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["contact"] == [str(_("The contact person is not from the chosen company."))]
    # The page comes back with the chosen company's people only.
    assert _options(response.content.decode(), "contact") == [str(contact.pk)]
    assert not Deal.objects.exists()


def test_the_contact_check_holds_in_the_pages_language(client, manager):
    contact, stranger = ContactFactory(), ContactFactory()
    client.force_login(manager)

    response = client.post(
        URL, {**_valid(manager, contact), "contact": stranger.pk}, headers={"Accept-Language": "en"}
    )

    assert response.context["form"].errors["contact"] == [
        "The contact person is not from the chosen company."
    ]


def test_create_a_deal_from_the_company_card_with_the_company_chosen(client, manager):
    company = CompanyFactory(name="ООО «Лютик»")
    ContactFactory(company=company, name="Анна Смирнова")
    client.force_login(manager)

    card = client.get(reverse("deals:company", args=[company.pk])).content.decode()
    form = client.get(reverse("deals:new", args=["acceptance"]) + f"?company={company.pk}")

    assert f'href="/pipelines/acceptance/new/?company={company.pk}"' in card
    assert form.context["form"]["company"].value() == company.pk
    assert form.context["form"]["title"].value() == "ООО «Лютик»: "
    assert "Анна Смирнова" in form.content.decode()  # the company's contacts offered
    odd = client.get(reverse("deals:new", args=["acceptance"]) + "?company=abc")
    assert odd.status_code == 200 and odd.context["form"]["company"].value() is None
