"""The header's search: deals by number or title, companies by name, INN, phone or e-mail,
contacts by name, phone or e-mail; a phone found however it is written."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import CompanyFactory, ContactFactory, make_deal

pytestmark = pytest.mark.django_db


def _search(client, text: str):
    return client.get(reverse("deals:search"), {"q": text})


def test_a_deal_by_its_number_and_only_if_the_user_may_see_it(client, manager, other_manager):
    mine = make_deal("calculation", "new", responsible=manager, title="Поставка посуды")
    others = make_deal("calculation", "new", responsible=other_manager, title="Поставка ламп")
    client.force_login(manager)

    by_number = _search(client, f"№{mine.pk}").context["results"]
    by_title = _search(client, "Поставка").context["results"]
    hidden = _search(client, str(others.pk)).context["results"]

    assert by_number.deals == [mine]
    assert by_title.deals == [mine]
    assert hidden.deals == []


def test_a_company_by_inn_phone_or_e_mail_and_a_contact_by_phone(client, manager):
    company = CompanyFactory(
        name="ООО «Лютик»", inn="7736207543", phone="+7 (495) 123-45-67", email="hi@lutik.ru"
    )
    contact = ContactFactory(company=company, name="Анна Смирнова", phone="8 916 555-44-33")
    client.force_login(manager)

    assert _search(client, "7736207543").context["results"].companies == [company]
    assert _search(client, "84951234567").context["results"].companies == [company]
    assert _search(client, "hi@lutik.ru").context["results"].companies == [company]
    assert _search(client, "+7 916 555 44 33").context["results"].contacts == [contact]
    html = _search(client, "Лютик").content.decode()
    assert f'href="/companies/{company.pk}/"' in html


def test_nothing_found_says_what_to_try_and_the_box_is_in_the_header(client, manager):
    client.force_login(manager)

    response = _search(client, "нет такого")

    html = response.content.decode()
    assert "Ничего не найдено" in html
    assert (
        'role="search"' in html and 'placeholder="№ сделки, компания, ИНН, телефон, e-mail"' in html
    )


def test_warehouse_staff_have_no_search(client, worker):
    client.force_login(worker)

    assert _search(client, "1").status_code == 403
