"""The admin site: every model registered; moves go through the same guards."""

import pytest
from django.contrib import admin
from django.urls import reverse

from deals.models import PIPELINE_MODELS, Deal, LossReason, StageChange
from tests.factories import make_deal

pytestmark = pytest.mark.django_db


def test_every_model_of_the_apps_is_registered():
    from django.apps import apps

    for app_label in ("deals", "fulfillment", "warehouse"):
        for model in apps.get_app_config(app_label).get_models():
            assert admin.site.is_registered(model), model


def test_pipeline_lists_and_change_pages_render(client, administrator):
    client.force_login(administrator)
    deal = make_deal("calculation", "proposal")
    for model in PIPELINE_MODELS.values():
        url = reverse(f"admin:deals_{model._meta.model_name}_changelist")
        assert client.get(url).status_code == 200
    page = client.get(reverse("admin:deals_calculationdeal_change", args=[deal.pk]))
    assert page.status_code == 200
    assert "Согласовать КП с ГД" in page.content.decode()


def test_admin_move_with_missing_fields_is_refused_and_names_them(client, administrator):
    client.force_login(administrator)
    deal = make_deal("calculation", "proposal", proposal_file="", amount=None)
    url = reverse("admin:deals_calculationdeal_move", args=[deal.pk, "to_director_approval"])
    response = client.post(url, {"comment": ""}, follow=True)
    text = response.content.decode()
    assert "Заполните обязательные поля: Файл КП, Сумма КП." in text
    assert Deal.objects.get(pk=deal.pk).stage == "proposal"


def test_admin_failure_needs_a_reason(client, administrator):
    client.force_login(administrator)
    deal = make_deal("shipment", "new")
    url = reverse("admin:deals_shipmentdeal_move", args=[deal.pk, "fail"])
    client.post(url, {"comment": "Нет"})
    assert Deal.objects.get(pk=deal.pk).stage == "new"
    reason = LossReason.objects.filter(pipeline="").first()
    client.post(url, {"comment": "Нет", "reason": reason.pk})
    assert Deal.objects.get(pk=deal.pk).stage == "lost"


def test_admin_bulk_forward_action_moves_complete_deals_and_reports_the_rest(client, administrator):
    client.force_login(administrator)
    ready = make_deal("contract", "drafting")
    lacking = make_deal("contract", "drafting", contract_draft_file="")
    response = client.post(
        reverse("admin:deals_contractdeal_changelist"),
        {"action": "move_forward", "_selected_action": [ready.pk, lacking.pk]},
        follow=True,
    )
    assert Deal.objects.get(pk=ready.pk).stage == "client_approval"
    assert Deal.objects.get(pk=lacking.pk).stage == "drafting"
    assert "Проект договора" in response.content.decode()
    assert StageChange.objects.filter(deal=ready).count() == 1


def test_admin_creates_a_deal_through_the_service(client, administrator, manager):
    client.force_login(administrator)
    response = client.post(
        reverse("admin:deals_processingdeal_add"),
        {
            "title": "Маркировка",
            "responsible": manager.pk,
            "operations": ["labeling"],
            "units": "10",
            "stage_changes-TOTAL_FORMS": "0",
            "stage_changes-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    deal = Deal.objects.get(title="Маркировка")
    assert (deal.pipeline, deal.stage, deal.units) == ("processing", "new", 10)
    assert StageChange.objects.get(deal=deal).transition == "create"
