"""Our requisites are validated like a client's; the admin's pages of the price list,
requisites, templates and documents open for the Администратор."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from documents.models import DocumentTemplate as TemplateModel
from documents.models import OurCompany
from tests.documents.conftest import OUR


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"inn": "7707083890"}, "inn"),  # checksum
        ({"bik": "123456789"}, "bik"),
        ({"bank_account": "40702810938000000002"}, "bank_account"),  # key vs BIK
        ({"correspondent_account": "30101810400000000226"}, "correspondent_account"),
        ({"tax_mode": "vat", "vat_rate": None}, "vat_rate"),
        ({"kpp": "77360100"}, "kpp"),
    ],
)
def test_requisites_are_checked(db, change, field):
    our = OurCompany(**{**OUR, **change})
    with pytest.raises(ValidationError) as refused:
        our.full_clean()
    assert field in refused.value.message_dict


def test_one_row_only(db):
    OurCompany(**OUR).save()
    OurCompany(**{**OUR, "name": "ООО «Другое»"}).save()  # the admin's «add» edits the row
    assert list(OurCompany.objects.values_list("name", flat=True)) == ["ООО «Другое»"]


def test_a_vat_payer_charges_its_rate(db):
    our = OurCompany(**OUR, tax_mode="vat", vat_rate=Decimal(5))
    our.full_clean()
    assert our.vat_rate_applied == Decimal(5)
    assert OurCompany(**OUR, tax_mode="no_vat", vat_rate=Decimal(5)).vat_rate_applied is None


def test_the_admin_pages_open(ready, acceptance_deal, manager, administrator, client):
    from documents.services import document_generate

    document_generate(deal=acceptance_deal, kind="invoice", actor=manager)
    client.force_login(administrator)
    for name in (
        "admin:documents_service_changelist",
        "admin:documents_agreedprice_changelist",
        "admin:documents_agreedprice_add",
        "admin:documents_ourcompany_changelist",
        "admin:documents_documenttemplate_add",
        "admin:documents_document_changelist",
    ):
        assert client.get(reverse(name)).status_code == 200, name
    # Our company exists: it is edited, not added again.
    assert client.get(reverse("admin:documents_ourcompany_add")).status_code == 403
    page = client.get(reverse("admin:documents_documenttemplate_add") + "?kind=invoice")
    assert "Банк получателя" in page.content.decode()  # the shipped default to start from


def test_a_broken_template_is_an_error_on_the_admin_form(db, administrator, client):
    client.force_login(administrator)
    response = client.post(
        reverse("admin:documents_documenttemplate_add"),
        {"kind": "act", "html": "{% if %}"},
    )
    assert response.status_code == 200
    assert "В шаблоне документа ошибка" in response.content.decode()


def test_a_template_without_a_kind_is_a_field_error_not_a_crash(db):
    with pytest.raises(ValidationError) as refused:
        TemplateModel(kind="", html="{{ number }}").full_clean()
    assert "kind" in refused.value.message_dict
