"""Moving deals from the pages: a refused move answers with a dialog of exactly the missing
fields (Russian labels, highlighted), the dialog is sent with the move; failure asks for a
reason, a return for a comment; nobody moves a deal they may not see."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from deals.models import Deal, LossReason, StageChange
from deals.pipelines import CALCULATION
from deals.pipelines.fields import requirement_label
from tests.factories import CompanyFactory, ContactFactory, make_deal

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def _move_url(deal, transition: str) -> str:
    return reverse("deals:move", args=[deal.pk, transition])


@pytest.fixture
def new_request(manager):
    """A calculation request with only its company chosen."""
    return make_deal("calculation", "new", responsible=manager, complete=False)


def test_a_refused_move_shows_exactly_the_missing_fields_in_russian(client, manager, new_request):
    client.force_login(manager)

    response = client.post(_move_url(new_request, "to_proposal"), headers=HTMX)

    assert response.status_code == 200
    assert response["HX-Retarget"] == "#dialog-slot"
    form = response.context["form"]
    assert list(form.fields) == [
        "contact",
        "services",
        "marketplaces",
        "goods_description",
        "sku_count",
        "units_per_month",
    ]
    html = response.content.decode()
    assert (
        "Заполните обязательные поля: Контактное лицо, Нужные услуги, Маркетплейсы, "
        "Описание товара, Количество SKU, Ожидаемый объем, шт. в месяц." in html
    )
    assert html.count('class="field is-required is-missing"') == 6
    assert "<dialog" in html
    new_request.refresh_from_db()
    assert new_request.stage == "new"


def test_the_labels_in_the_dialog_are_the_spec_labels(client, manager, new_request):
    client.force_login(manager)

    response = client.post(_move_url(new_request, "to_proposal"), headers=HTMX)

    requirements = CALCULATION.stage("new").requires
    labels = [f.label for f in response.context["form"].fields.values()]
    assert labels == [requirement_label(r) for r in requirements if r.code != "company"]


def test_the_dialog_sends_the_fields_with_the_move(client, manager, new_request):
    contact = ContactFactory(company=new_request.company)
    client.force_login(manager)

    response = client.post(
        _move_url(new_request, "to_proposal"),
        {
            "dialog": "1",
            "contact": contact.pk,
            "services": ["acceptance", "storage"],
            "marketplaces": ["ozon"],
            "goods_description": "Детская одежда",
            "sku_count": "120",
            "units_per_month": "5000",
        },
        headers=HTMX,
    )

    assert response.status_code == 204
    assert json.loads(response["HX-Trigger"]) == {
        "dealMoved": {"deal": new_request.pk, "stage": "proposal"}
    }
    deal = Deal.objects.get(pk=new_request.pk)
    assert (deal.stage, deal.contact, deal.services) == (
        "proposal",
        contact,
        ["acceptance", "storage"],
    )
    assert StageChange.objects.filter(deal=deal, transition="to_proposal").count() == 1


def test_an_invalid_value_in_the_dialog_is_shown_and_nothing_is_saved(client, manager, new_request):

    contact = ContactFactory(company=new_request.company)
    client.force_login(manager)
    data = {
        "dialog": "1",
        "contact": contact.pk,
        "services": ["acceptance"],
        "marketplaces": ["ozon"],
        "goods_description": "Посуда",
        "units_per_month": "10",
    }

    empty = client.post(_move_url(new_request, "to_proposal"), data, headers=HTMX)
    assert empty.context["form"].errors == {"sku_count": ["Обязательное поле."]}

    response = client.post(
        _move_url(new_request, "to_proposal"), {**data, "sku_count": "0"}, headers=HTMX
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors == {"sku_count": ["Убедитесь, что это значение больше либо равно 1."]}
    deal = Deal.objects.get(pk=new_request.pk)
    assert (deal.stage, deal.services, deal.contact) == ("new", [], None)


def test_without_htmx_the_move_is_a_page_and_success_redirects_to_the_card(client, manager):
    deal = make_deal("calculation", "new", responsible=manager)
    client.force_login(manager)

    response = client.post(_move_url(deal, "to_proposal"))

    assert response.status_code == 302
    assert response["Location"] == reverse("deals:detail", args=[deal.pk])
    assert Deal.objects.get(pk=deal.pk).stage == "proposal"


def test_a_proposal_file_is_uploaded_in_the_dialog(client, manager):
    deal = make_deal("calculation", "proposal", responsible=manager, proposal_file="", amount=None)
    client.force_login(manager)

    refused = client.post(_move_url(deal, "to_director_approval"), headers=HTMX)
    assert list(refused.context["form"].fields) == ["proposal_file", "amount"]
    assert "Заполните обязательные поля: Файл КП, Сумма, ₽." in refused.content.decode()

    response = client.post(
        _move_url(deal, "to_director_approval"),
        {
            "dialog": "1",
            "proposal_file": SimpleUploadedFile("kp.pdf", b"%PDF-1.4 kp"),
            "amount": "185000",
        },
        headers=HTMX,
    )

    assert response.status_code == 204
    deal = Deal.objects.get(pk=deal.pk)
    assert deal.stage == "director_approval"
    assert deal.proposal_file.name.endswith("/kp.pdf")


def test_company_details_a_contract_needs_are_edited_in_the_dialog(client, manager):
    company = CompanyFactory(legal_name="", ogrn="", signatory="")
    deal = make_deal("contract", "new", responsible=manager, company=company, complete=False)
    client.force_login(manager)

    refused = client.post(_move_url(deal, "to_drafting"), headers=HTMX)
    assert list(refused.context["form"].fields) == [
        "company__legal_name",
        "company__ogrn",
        "company__signatory",
    ]
    assert "Данные сохраняются в карточке компании." in refused.content.decode()

    response = client.post(
        _move_url(deal, "to_drafting"),
        {
            "dialog": "1",
            "company__legal_name": "ООО «Клиент»",
            "company__ogrn": "1027700132195",
            "company__signatory": "Иванов И. И.",
        },
        headers=HTMX,
    )

    assert response.status_code == 204
    company.refresh_from_db()
    assert (company.legal_name, company.signatory) == ("ООО «Клиент»", "Иванов И. И.")
    assert Deal.objects.get(pk=deal.pk).stage == "drafting"


def test_a_waiting_approval_is_named_as_automation_work(client, manager):
    deal = make_deal("calculation", "director_approval", responsible=manager)
    Deal.objects.filter(pk=deal.pk).update(director_approved_at=None)
    client.force_login(manager)

    response = client.post(_move_url(deal, "to_client_approval"), headers=HTMX)

    html = response.content.decode()
    assert "Заполните обязательные поля: Согласовано ГД." in html
    assert "Заполняется автоматизацией, не вручную: Согласовано ГД." in html
    assert list(response.context["form"].fields) == []
    # Nothing to fill in by hand: no «Сохранить и перейти», only a way to close the dialog.
    assert "Сохранить и перейти" not in html and 'type="submit"' not in html.split("move-form")[1]
    assert ">Закрыть</a>" in html


def test_a_win_that_hands_the_deal_on_says_what_will_happen_before(client, manager):
    deal = make_deal("calculation", "client_approval", responsible=manager)
    client.force_login(manager)

    dialog = client.get(_move_url(deal, "to_won"), headers=HTMX).content.decode()

    assert "После перехода: откроется заявка на приемку товара" in dialog
    assert "Сохранить и перейти" in dialog
    plain = client.get(
        _move_url(make_deal("calculation", "new", responsible=manager), "to_proposal")
    )
    assert "После перехода" not in plain.content.decode()


# --- failure, return ------------------------------------------------------------------------


def test_failure_opens_the_reason_dialog_with_the_pipeline_reasons(client, manager):
    deal = make_deal("calculation", "new", responsible=manager)
    client.force_login(manager)

    response = client.get(_move_url(deal, "fail"), headers=HTMX)

    assert response.status_code == 200
    offered = set(response.context["form"].fields["reason"].queryset)
    expected = set(LossReason.objects.filter(is_active=True, pipeline__in=["", "calculation"]))
    assert offered == expected
    assert "Причина отказа" in response.content.decode()


def test_failure_without_a_reason_or_comment_is_refused(client, manager):
    deal = make_deal("calculation", "new", responsible=manager)
    client.force_login(manager)

    response = client.post(_move_url(deal, "fail"), {"dialog": "1"}, headers=HTMX)

    errors = response.context["form"].errors
    assert errors == {"reason": ["Обязательное поле."], "comment": ["Обязательное поле."]}
    assert Deal.objects.get(pk=deal.pk).stage == "new"


def test_failure_with_a_reason_closes_the_deal(client, manager):
    deal = make_deal("calculation", "new", responsible=manager)
    reason = LossReason.objects.filter(pipeline="").first()
    client.force_login(manager)

    response = client.post(
        _move_url(deal, "fail"),
        {"dialog": "1", "reason": reason.pk, "comment": "Дорого"},
        headers=HTMX,
    )

    assert response.status_code == 204
    deal = Deal.objects.get(pk=deal.pk)
    assert (deal.stage, deal.failure_reason, deal.failure_comment) == ("lost", reason, "Дорого")


def test_a_reason_of_another_pipeline_is_not_offered(client, manager):
    deal = make_deal("calculation", "new", responsible=manager)
    foreign = LossReason.objects.create(label="Чужая причина", pipeline="shipment")
    client.force_login(manager)

    response = client.post(
        _move_url(deal, "fail"), {"dialog": "1", "reason": foreign.pk, "comment": "x"}
    )

    assert response.context["form"].errors["reason"] == [
        "Выберите корректный вариант. Вашего варианта нет среди допустимых значений."
    ]


def test_a_return_asks_for_a_comment(client, manager):
    deal = make_deal("calculation", "client_approval", responsible=manager)
    client.force_login(manager)

    refused = client.post(_move_url(deal, "return_to_proposal"), {"dialog": "1"}, headers=HTMX)
    assert refused.context["form"].errors == {"comment": ["Обязательное поле."]}

    response = client.post(
        _move_url(deal, "return_to_proposal"),
        {"dialog": "1", "comment": "Клиент просит скидку"},
        headers=HTMX,
    )

    assert response.status_code == 204
    assert Deal.objects.get(pk=deal.pk).stage == "proposal"
    assert StageChange.objects.get(deal=deal, transition="return_to_proposal").comment == (
        "Клиент просит скидку"
    )


def test_a_manager_may_not_reopen_a_closed_deal(client, manager):
    deal = make_deal("calculation", "lost", responsible=manager)
    client.force_login(manager)

    response = client.post(_move_url(deal, "reopen"), {"dialog": "1", "comment": "Вернулся"})

    assert "У вас нет прав переводить эту сделку." in response.content.decode()
    assert Deal.objects.get(pk=deal.pk).stage == "lost"


# --- the stage menu and permissions ---------------------------------------------------------


def test_the_stage_menu_lists_the_moves_allowed_now(client, manager):
    deal = make_deal("calculation", "client_approval", responsible=manager)
    client.force_login(manager)

    response = client.get(reverse("deals:moves", args=[deal.pk]), headers=HTMX)

    assert response.status_code == 200
    names = [m.name for m in response.context["moves"]]
    assert names == ["to_won", "return_to_proposal", "fail"]
    html = response.content.decode()
    assert "Далее: «КП с клиентом согласовано»" in html
    assert "Вернуть в «Сформировать КП»" in html


def test_a_manager_cannot_move_another_managers_deal(client, manager, other_manager):
    deal = make_deal("calculation", "new", responsible=other_manager)
    client.force_login(manager)

    assert client.post(_move_url(deal, "to_proposal")).status_code == 404
    assert client.get(reverse("deals:moves", args=[deal.pk])).status_code == 404
    assert Deal.objects.get(pk=deal.pk).stage == "new"


def test_a_move_not_possible_from_the_stage_is_not_found(client, manager):
    deal = make_deal("calculation", "new", responsible=manager)
    client.force_login(manager)

    assert client.post(_move_url(deal, "to_won")).status_code == 404
    assert client.post(_move_url(deal, "no_such_move")).status_code == 404


def test_a_warehouse_worker_cannot_move_deals(client, worker, manager):
    deal = make_deal("calculation", "new", responsible=manager)
    client.force_login(worker)

    assert client.post(_move_url(deal, "to_proposal")).status_code == 403


# --- the stage the page showed: expected_stage ---------------------------------------------

MOVED_TO_PROPOSAL = "Сделку уже перевели на стадию «Сформировать КП». Обновите страницу."


def test_every_move_form_and_link_carries_the_stage_the_page_showed(client, manager):
    deal = make_deal("calculation", "client_approval", responsible=manager)
    client.force_login(manager)

    menu = client.get(reverse("deals:moves", args=[deal.pk]), headers=HTMX).content.decode()
    card = client.get(reverse("deals:detail", args=[deal.pk])).content.decode()
    dialog = client.get(_move_url(deal, "fail"), headers=HTMX).content.decode()

    hidden = '<input type="hidden" name="expected_stage" value="client_approval">'
    for html in (menu, card, dialog):
        assert hidden in html
    assert f'hx-get="{_move_url(deal, "fail")}?expected_stage=client_approval"' in menu


def test_a_move_from_a_page_that_showed_another_stage_is_refused_with_the_current_one(
    client, manager
):
    deal = make_deal("calculation", "new", responsible=manager)
    Deal.objects.filter(pk=deal.pk).update(stage="proposal")  # moved by someone else meanwhile
    client.force_login(manager)

    # From «new» the page offered «Сформировать КП»; the deal is there already, and from there
    # the same button would move it on again.
    response = client.post(
        _move_url(deal, "to_director_approval"), {"expected_stage": "new"}, headers=HTMX
    )

    assert response.status_code == 200
    assert response["HX-Retarget"] == "#dialog-slot"
    assert MOVED_TO_PROPOSAL in response.content.decode()
    assert Deal.objects.get(pk=deal.pk).stage == "proposal"
    assert not StageChange.objects.filter(deal=deal).exists()


def test_without_htmx_a_stale_move_redirects_to_the_card_with_the_message(client, manager):
    deal = make_deal("calculation", "new", responsible=manager)
    Deal.objects.filter(pk=deal.pk).update(stage="proposal")
    client.force_login(manager)

    response = client.post(
        _move_url(deal, "fail"),
        {"expected_stage": "new", "reason": LossReason.objects.first().pk, "comment": "Ушел"},
        follow=True,
    )

    assert response.redirect_chain == [(reverse("deals:detail", args=[deal.pk]), 302)]
    assert MOVED_TO_PROPOSAL in [str(m) for m in response.context["messages"]]
    assert Deal.objects.get(pk=deal.pk).stage == "proposal"


def test_a_dialog_opened_from_a_card_that_showed_another_stage_says_so(client, manager):
    deal = make_deal("calculation", "new", responsible=manager)
    Deal.objects.filter(pk=deal.pk).update(stage="proposal")
    client.force_login(manager)

    response = client.get(f"{_move_url(deal, 'fail')}?expected_stage=new", headers=HTMX)

    assert MOVED_TO_PROPOSAL in response.content.decode()
    assert "form" not in response.context
