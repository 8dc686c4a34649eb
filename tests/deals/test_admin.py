"""The admin site: every model registered; moves go through the same guards."""

import pytest
from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.urls import reverse

from deals import services
from deals.models import PIPELINE_MODELS, Contact, Deal, LossReason, StageChange, Task
from fulfillment.roles import Role
from tests.factories import CompanyFactory, ContactFactory, UserFactory, make_deal

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
    assert "Заполните обязательные поля: Файл КП, Сумма, ₽." in text
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


# --- the admin edits through the services -----------------------------------------------


def change_form_data(response) -> dict:
    """What the browser posts back for an admin change page left as it is."""
    data = {}
    form = response.context["adminform"].form
    for name, field in form.fields.items():
        if isinstance(field, forms.FileField) or field.disabled:
            continue
        value = field.widget.format_value(form[name].value())
        if isinstance(field, forms.BooleanField):
            if form[name].value():
                data[name] = "on"
        elif isinstance(value, (list, tuple)):
            data[name] = [str(v) for v in value]
        elif value is not None:
            data[name] = str(value)
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        for inline_form in inline.formset.forms:
            for name in inline_form.fields:
                value = inline_form[name].value()
                if value is not None and not isinstance(value, bool):
                    data[inline_form.add_prefix(name)] = str(value)
    return data


def test_clearing_a_deal_file_in_the_admin_removes_it(client, administrator):
    client.force_login(administrator)
    deal = make_deal("calculation", "proposal")
    assert deal.proposal_file
    url = reverse("admin:deals_calculationdeal_change", args=[deal.pk])
    data = {**change_form_data(client.get(url)), "proposal_file-clear": "on"}
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    deal.refresh_from_db()
    assert not deal.proposal_file
    assert deal.amount is not None  # nothing else changed


@pytest.fixture
def warehouse_task(manager):
    from warehouse.services import warehouse_task_create

    deal = make_deal("acceptance", "to_warehouse", responsible=manager)
    change = StageChange.objects.create(
        deal=deal, transition="to_to_warehouse", from_stage="new", to_stage="to_warehouse"
    )
    task, _created = warehouse_task_create(deal=deal, change=change)
    return task


def test_the_task_admin_changes_only_the_assignee_through_the_service(
    client, administrator, warehouse_task, worker
):
    client.force_login(administrator)
    url = reverse("admin:deals_task_change", args=[warehouse_task.pk])
    data = change_form_data(client.get(url))
    assert "title" not in data and "description" not in data and "queue" not in data
    data.update(assignee=worker.pk, title="Другое", description="Другое", queue="manager")
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    task = Task.objects.get(pk=warehouse_task.pk)
    assert task.assignee == worker
    assert (task.title, task.description, task.queue) == (
        warehouse_task.title,
        warehouse_task.description,
        warehouse_task.queue,
    )


def test_the_task_admin_refuses_an_assignee_who_cannot_do_the_task(
    client, administrator, warehouse_task, manager
):
    client.force_login(administrator)
    url = reverse("admin:deals_task_change", args=[warehouse_task.pk])
    response = client.post(url, {**change_form_data(client.get(url)), "assignee": manager.pk})
    assert response.status_code == 200
    name = manager.get_full_name() or manager.get_username()
    assert f"{name} не может выполнять эту задачу." in response.content.decode()
    assert Task.objects.get(pk=warehouse_task.pk).assignee is None


def test_the_task_admin_does_not_take_a_task_whose_clock_runs(
    client, administrator, warehouse_task, worker
):
    from warehouse.services import work_start

    work_start(task=warehouse_task, worker=worker)
    client.force_login(administrator)
    url = reverse("admin:deals_task_change", args=[warehouse_task.pk])
    data = change_form_data(client.get(url))
    response = client.post(url, {**data, "assignee": UserFactory(role=Role.WAREHOUSE).pk})
    assert response.status_code == 200
    assert "По задаче идет учет времени" in response.content.decode()
    assert Task.objects.get(pk=warehouse_task.pk).assignee == worker
    assert client.post(url, {**data, "assignee": ""}).status_code == 200
    assert Task.objects.get(pk=warehouse_task.pk).assignee == worker


def test_a_task_is_not_deleted_in_the_admin(client, warehouse_task):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    url = reverse("admin:deals_task_delete", args=[warehouse_task.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert Task.objects.filter(pk=warehouse_task.pk).exists()


def test_the_contact_admin_keeps_a_contact_with_its_company(client, administrator):
    contact = ContactFactory()
    other = CompanyFactory()
    client.force_login(administrator)
    url = reverse("admin:deals_contact_change", args=[contact.pk])
    page = client.get(url)
    data = change_form_data(page)
    assert "company" not in data
    response = client.post(url, {**data, "company": other.pk, "name": "Новое Имя"})
    assert response.status_code == 302, response.content.decode()[:3000]
    contact.refresh_from_db()
    assert (contact.company_id, contact.name) != (other.pk, "Новое Имя")
    assert contact.name == "Новое Имя" and contact.company_id != other.pk


def test_the_contact_admin_adds_a_contact_through_the_service(client, administrator):
    company = CompanyFactory()
    client.force_login(administrator)
    url = reverse("admin:deals_contact_add")
    refused = client.post(url, {"company": company.pk, "name": "Без связи"})
    assert refused.status_code == 200
    assert "Укажите телефон или e-mail контакта." in refused.content.decode()
    response = client.post(url, {"company": company.pk, "name": "Анна", "phone": "+79001234567"})
    assert response.status_code == 302
    assert Contact.objects.get(name="Анна").company == company


def test_the_contact_service_refuses_to_move_a_contact_to_another_company():
    contact = ContactFactory()
    with pytest.raises(ValidationError) as refused:
        services.contact_update(contact=contact, data={"company": CompanyFactory(), "name": "Х"})
    assert refused.value.message_dict == {
        "company": [
            "Контакт остается в своей компании: ее сделки принадлежат ей. Добавьте в другую "
            "компанию новый контакт."
        ]
    }
    contact.refresh_from_db()
    assert contact.name != "Х"
    same = services.contact_update(contact=contact, data={"company": contact.company, "name": "Я"})
    assert same.name == "Я"


def test_a_deal_refused_by_the_service_is_shown_on_the_admin_form(client, administrator):
    client.force_login(administrator)
    deal = make_deal("calculation", "proposal")
    stranger = ContactFactory()
    url = reverse("admin:deals_calculationdeal_change", args=[deal.pk])
    data = change_form_data(client.get(url))
    response = client.post(url, {**data, "contact": stranger.pk, "title": "Новое название"})
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["contact"] == ["Контактное лицо не из выбранной компании."]
    assert form.non_field_errors() == ["Проверьте выделенные поля."]
    deal.refresh_from_db()
    assert (deal.contact_id, deal.title) != (stranger.pk, "Новое название")
    assert deal.title == "Сделка calculation"
    from django.contrib.admin.models import LogEntry

    assert not LogEntry.objects.exists()


def test_the_company_admin_writes_the_company_and_its_contacts_through_the_services(
    client, administrator, monkeypatch
):
    """The services are the one write path (their checks, and what they record, hold for the
    admin too): the company form and its contacts' inline call them."""
    contact = ContactFactory(phone="+79000000001")
    company = contact.company
    calls: list[str] = []
    for name in ("company_update", "contact_update", "contact_create"):
        original = getattr(services, name)

        def spy(*args, _original=original, _name=name, **kwargs):
            calls.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(services, name, spy)
    client.force_login(administrator)
    url = reverse("admin:deals_company_change", args=[company.pk])
    data = change_form_data(client.get(url))
    prefix = next(k for k in data if k.endswith("-TOTAL_FORMS")).removesuffix("-TOTAL_FORMS")
    data.update(
        {
            "name": "ООО «Новое имя»",
            f"{prefix}-0-phone": "+79000000002",
            f"{prefix}-TOTAL_FORMS": "2",
            f"{prefix}-1-name": "Борис",
            f"{prefix}-1-email": "boris@example.com",
        }
    )

    response = client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:3000]
    assert sorted(calls) == ["company_update", "contact_create", "contact_update"]
    company.refresh_from_db()
    contact.refresh_from_db()
    assert (company.name, contact.phone) == ("ООО «Новое имя»", "+79000000002")
    assert company.contacts.get(name="Борис").email == "boris@example.com"


def test_the_company_admin_shows_the_services_refusal(client, administrator):
    company = CompanyFactory()
    client.force_login(administrator)
    url = reverse("admin:deals_company_change", args=[company.pk])
    data = change_form_data(client.get(url))

    response = client.post(url, {**data, "inn": "7707083894"})  # a wrong checksum

    assert response.status_code == 200
    company.refresh_from_db()
    assert company.inn != "7707083894"


def test_run_again_in_the_admin_restarts_a_failed_automation_job(
    client, administrator, manager, django_capture_on_commit_callbacks
):
    from deals.models import AutomationJob

    deal = make_deal("acceptance", "new", responsible=manager)
    services.deal_move(deal=deal, transition="to_to_warehouse", actor=manager)
    job = AutomationJob.objects.get(deal=deal)
    Task.objects.filter(deal=deal).delete()  # as if the handler had never got through
    AutomationJob.objects.filter(pk=job.pk).update(status="failed", attempts=8)
    client.force_login(administrator)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:deals_automationjob_changelist"),
            {"action": "retry", "_selected_action": [job.pk]},
        )

    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("done", 1)
    assert Task.objects.filter(deal=deal, kind=Task.Kind.WAREHOUSE).count() == 1


def test_the_admin_speaks_the_business_s_words(client, administrator, manager):
    deal = make_deal("calculation", "proposal", responsible=manager)
    StageChange.objects.create(
        deal=deal, transition="to_proposal", from_stage="new", to_stage="proposal", actor=manager
    )
    client.force_login(administrator)

    index = client.get(reverse("admin:index")).content.decode()
    deals = client.get(reverse("admin:deals_calculationdeal_changelist")).content.decode()
    history = client.get(reverse("admin:deals_stagechange_changelist")).content.decode()

    assert "CRM фулфилмента: администрирование" in index and "Django" not in index
    assert "Заявки на просчет заказа" in index
    assert "Сформировать КП" in deals and manager.get_full_name() in deals
    assert "to_proposal" not in history and "Новая заявка на просчет заказа" in history
