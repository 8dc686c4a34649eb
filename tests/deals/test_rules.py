"""Rules that hold on every path (service, API, pages): who may be responsible, which company
details a deal may set, where a deal may be created, what legal details, text and files are
accepted."""

from __future__ import annotations

import pytest
from django.urls import reverse

from deals import exceptions as exc
from deals import services
from deals.models import Company, Deal
from deals.pipelines import PIPELINES
from fulfillment.roles import Role
from tests.api.conftest import client_for
from tests.factories import CompanyFactory, ContactFactory, UserFactory, make_deal

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


# --- who may be responsible ----------------------------------------------------------------


@pytest.fixture
def former_manager(db):
    return UserFactory(role=Role.MANAGER, is_active=False)


def _not_responsible(user) -> str:
    return (
        f"{user.get_full_name()} не может быть ответственным за сделку: "
        "выберите действующего менеджера или генерального директора."
    )


@pytest.mark.parametrize("who", ["worker", "former_manager", "administrator"])
def test_the_service_refuses_a_responsible_who_may_not_be_one(request, who, manager):
    user = request.getfixturevalue(who)

    with pytest.raises(exc.DealFieldError) as refused:
        services.deal_create(
            pipeline="calculation", actor=manager, title="Просчет", responsible=user
        )

    assert refused.value.errors == {"responsible": [_not_responsible(user)]}
    assert not Deal.objects.exists()


def test_the_service_refuses_a_responsible_given_in_the_data(manager, worker):
    with pytest.raises(exc.DealFieldError) as refused:
        services.deal_create(
            pipeline="calculation", actor=manager, title="Просчет", data={"responsible": worker}
        )

    assert refused.value.errors == {"responsible": [_not_responsible(worker)]}
    assert not Deal.objects.exists()


def test_an_update_cannot_hand_a_deal_to_someone_who_may_not_be_responsible(
    manager, former_manager
):
    deal = make_deal("calculation", "new", responsible=manager)

    with pytest.raises(exc.DealFieldError) as refused:
        services.deal_update(
            deal=deal, actor=manager, data={"responsible": former_manager, "comment": "x"}
        )

    assert refused.value.errors == {"responsible": [_not_responsible(former_manager)]}
    deal.refresh_from_db()
    assert (deal.responsible, deal.comment) == (manager, "")


def test_managers_and_the_director_may_be_responsible(manager, other_manager, director):
    for user in (other_manager, director):
        deal = services.deal_create(
            pipeline="calculation", actor=manager, title="Просчет", responsible=user
        )
        assert deal.responsible == user


def test_someone_who_may_not_be_responsible_cannot_create_for_themselves(administrator):
    with pytest.raises(exc.DealFieldError) as refused:
        services.deal_create(pipeline="calculation", actor=administrator, title="Просчет")

    assert refused.value.errors == {"responsible": [_not_responsible(administrator)]}


@pytest.mark.parametrize("who", ["worker", "former_manager"])
def test_the_api_refuses_such_a_responsible_on_create_and_on_edit(request, who, manager):
    user = request.getfixturevalue(who)
    api = client_for(manager)

    created = api.post(
        "/api/deals/",
        {"pipeline": "calculation", "title": "Просчет", "responsible": user.pk},
        format="json",
    )
    deal = make_deal("calculation", "new", responsible=manager)
    edited = api.patch(f"/api/deals/{deal.pk}/", {"responsible": user.pk}, format="json")

    for response in (created, edited):
        assert response.status_code == 400, response.content
        assert response.json()["errors"] == {"responsible": [_not_responsible(user)]}
    assert list(Deal.objects.values_list("responsible", flat=True)) == [manager.pk]


@pytest.mark.parametrize("who", ["worker", "former_manager"])
def test_the_pages_neither_offer_nor_accept_such_a_responsible(client, request, who, manager):
    user = request.getfixturevalue(who)
    contact = ContactFactory()
    client.force_login(manager)
    url = reverse("deals:new", args=["calculation"])

    offered = client.get(url).context["form"].fields["responsible"].choices
    response = client.post(
        url,
        {
            "stage": "new",
            "title": "Просчет",
            "responsible": user.pk,
            "company": contact.company_id,
            "contact": contact.pk,
        },
    )

    assert user.pk not in [value for value, _label in offered]
    assert manager.pk in [value for value, _label in offered]
    assert response.status_code == 200
    assert "responsible" in response.context["form"].errors
    assert not Deal.objects.exists()

    deal = make_deal("calculation", "new", responsible=manager)
    response = client.post(
        reverse("deals:edit", args=[deal.pk, 0]),
        {"title": deal.title, "responsible": user.pk, "company": deal.company_id},
        headers=HTMX,
    )
    assert "responsible" in response.context["form"].errors
    deal.refresh_from_db()
    assert deal.responsible == manager


def test_a_handoff_keeps_the_responsible_of_its_source(manager):
    source = make_deal("calculation", "won", responsible=manager)
    manager.is_active = False
    manager.save()

    deal, opened = services.deal_handoff(source=source, pipeline="acceptance")

    assert opened and deal.responsible == manager


# --- company details set with a deal ------------------------------------------------------


def test_the_company_paths_a_deal_may_set_come_from_the_requirements():
    from deals.pipelines import PIPELINES

    assert PIPELINES["contract"].company_paths == (
        "company.bank_account",
        "company.bik",
        "company.inn",
        "company.kpp",
        "company.legal_address",
        "company.legal_name",
        "company.ogrn",
        "company.signatory",
    )
    assert PIPELINES["calculation"].company_paths == ()


CONTRACT_REFUSAL = (
    "Поле компании «{field}» нельзя задать через сделку воронки «Заключить договор с новым "
    "клиентом»: только реквизиты компании, которые требует эта воронка."
)


@pytest.mark.parametrize(
    ("path", "value", "label"),
    [
        ("company.has_contract", True, "заключен договор"),
        ("company.contract_number", "Д-1", "номер договора"),
        ("company.name", "Другое имя", "название"),
        ("company.phone", "+7 900 000-00-00", "телефон"),
    ],
    ids=["has_contract", "contract_number", "name", "phone"],
)
def test_a_move_cannot_set_company_details_no_requirement_names(manager, path, value, label):
    company = CompanyFactory(has_contract=False)
    deal = make_deal("contract", "new", responsible=manager, company=company)
    data = {path: value, "company.signatory": "Петров П. П."}
    if path == "company.has_contract":
        data.update({"company.contract_number": "Д-1", "company.contract_date": "2026-01-01"})

    with pytest.raises(exc.DealFieldError) as refused:
        services.deal_move(deal=deal, transition="to_drafting", actor=manager, data=data)

    message = CONTRACT_REFUSAL.format(field=label)
    assert refused.value.message == message
    company.refresh_from_db()
    deal.refresh_from_db()
    assert (company.has_contract, company.contract_number, company.signatory) == (
        False,
        "",
        "Иванов Иван Иванович",
    )
    assert deal.stage == "new"


def test_the_api_refuses_a_company_detail_the_deals_pipeline_does_not_require(manager):
    company = CompanyFactory(inn="", kpp="")
    deal = make_deal("calculation", "new", responsible=manager, company=company)

    response = client_for(manager).patch(
        f"/api/deals/{deal.pk}/", {"company.inn": "7707083893", "comment": "ИНН"}, format="json"
    )

    assert response.status_code == 400, response.content
    assert response.json()["errors"] == {
        "company.inn": [
            "Поле компании «ИНН» нельзя задать через сделку воронки «Заявка на просчет заказа»: "
            "только реквизиты компании, которые требует эта воронка."
        ]
    }
    company.refresh_from_db()
    deal.refresh_from_db()
    assert (company.inn, deal.comment) == ("", "")


def test_a_required_company_detail_is_still_set_with_a_move(manager):
    company = CompanyFactory(signatory="")
    deal = make_deal("contract", "new", responsible=manager, company=company)

    services.deal_move(
        deal=deal,
        transition="to_drafting",
        actor=manager,
        data={"company.signatory": "Петров П. П."},
    )

    company.refresh_from_db()
    assert company.signatory == "Петров П. П."


def test_a_deal_of_a_pipeline_requiring_no_company_details_sets_none(manager):
    deal = make_deal("calculation", "new", responsible=manager)

    with pytest.raises(exc.DealFieldError):
        services.deal_update(deal=deal, actor=manager, data={"company.inn": "7707083893"})


# --- where a deal may be created ------------------------------------------------------------


def test_deals_are_created_only_in_stages_they_can_reach():
    from deals.pipelines.fields import creatable_stages

    assert {code: creatable_stages(code) for code in PIPELINES} == {
        "calculation": ("new", "proposal", "director_approval"),
        "acceptance": ("new", "to_warehouse"),
        "processing": ("new", "to_warehouse"),
        "shipment": ("new", "to_warehouse"),
        "contract": ("new", "drafting", "client_approval", "signing"),
    }


def test_the_service_refuses_a_stage_past_an_automation_field(manager):
    company = CompanyFactory()
    with pytest.raises(exc.TransitionNotAvailableError) as refused:
        services.deal_create(
            pipeline="calculation",
            actor=manager,
            title="Просчет",
            stage="client_approval",
            data={"company": company},
        )

    assert refused.value.message == (
        "Сделку нельзя создать в стадии «Согласовать КП с клиентом»: она идет после поля "
        "«Согласовано ГД», которое заполняет только автоматизация. Создайте ее на более ранней "
        "стадии и передвиньте дальше."
    )
    assert not Deal.objects.exists()


@pytest.mark.parametrize(
    ("pipeline", "stage"),
    [("calculation", "client_approval"), ("acceptance", "recount_approval")],
)
def test_the_api_refuses_such_a_stage(manager, pipeline, stage):
    response = client_for(manager).post(
        "/api/deals/", {"pipeline": pipeline, "stage": stage, "title": "Сделка"}, format="json"
    )

    assert response.status_code == 400, response.content
    assert "только автоматизация" in response.json()["detail"]
    assert not Deal.objects.exists()


def test_the_page_neither_offers_nor_accepts_such_a_stage(client, manager):
    contact = ContactFactory()
    client.force_login(manager)
    url = reverse("deals:new", args=["acceptance"])

    offered = client.get(url).context["form"].fields["stage"].choices
    response = client.post(
        url,
        {
            "stage": "recount_approval",
            "title": "Приемка",
            "responsible": manager.pk,
            "company": contact.company_id,
            "contact": contact.pk,
        },
    )

    assert [code for code, _label in offered] == ["new", "to_warehouse"]
    assert "stage" in response.context["form"].errors
    assert not Deal.objects.exists()


# --- legal details in ASCII digits ------------------------------------------------------------

FULLWIDTH_INN = "".join(chr(0xFF10 + int(c)) for c in "7707083893")


def test_the_api_refuses_an_inn_in_fullwidth_digits(manager):
    response = client_for(manager).post(
        "/api/companies/", {"name": "ООО Тест", "inn": FULLWIDTH_INN}, format="json"
    )

    assert response.status_code == 400, response.content
    assert "inn" in response.json()["errors"]
    assert not Company.objects.exists()


def test_the_company_page_refuses_an_inn_in_fullwidth_digits(client, manager):
    client.force_login(manager)

    response = client.post(reverse("deals:company-new"), {"name": "ООО Тест", "inn": FULLWIDTH_INN})

    assert response.status_code == 200
    assert response.context["form"].errors["inn"] == [
        "ИНН состоит из 10 цифр (организация) или 12 цифр (ИП)."
    ]
    assert not Company.objects.exists()


# --- length caps of free text ------------------------------------------------------------------


def _too_long(limit: int) -> str:
    return f"Убедитесь, что это значение содержит не более {limit} символов (сейчас {limit + 1})."


def test_every_free_text_column_has_a_cap():
    from django.apps import apps
    from django.core.validators import MaxLengthValidator
    from django.db import models

    uncapped = [
        f"{model.__name__}.{field.name}"
        for app in (
            "deals",
            "warehouse",
            "contracts",
            "fulfillment",
            "documents",
            "correspondence",
            "portal",
        )
        for model in apps.get_app_config(app).get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.TextField)
        and not any(isinstance(v, MaxLengthValidator) for v in field.validators)
    ]
    # Written by the system, never by people: an audit row copies a capped value, errors are
    # the system's, a client's e-mail is cut when parsed, a client's action is composed.
    assert uncapped == [
        "FieldChange.old_text",
        "FieldChange.new_text",
        "AutomationJob.last_error",
        "OutgoingEmail.last_error",
        "IncomingEmail.to",
        "IncomingEmail.body",
        "MailboxState.last_error",
        "ClientAction.details",
    ]


@pytest.mark.parametrize(("code", "limit"), [("comment", 5000), ("goods_description", 20000)])
def test_the_service_refuses_deal_text_over_its_cap(manager, code, limit):
    deal = make_deal("calculation", "new", responsible=manager)
    before = getattr(deal, code)

    with pytest.raises(exc.DealFieldError) as refused:
        services.deal_update(deal=deal, actor=manager, data={code: "я" * (limit + 1)})

    assert refused.value.errors == {code: [_too_long(limit)]}
    deal.refresh_from_db()
    assert getattr(deal, code) == before
    services.deal_update(deal=deal, actor=manager, data={code: "я" * limit})


def test_a_megabyte_of_instructions_is_refused_on_create(manager):
    with pytest.raises(exc.DealFieldError) as refused:
        services.deal_create(
            pipeline="processing", actor=manager, title="Т", data={"instructions": "x" * 2**20}
        )

    assert list(refused.value.errors) == ["instructions"]
    assert not Deal.objects.exists()


def test_the_services_refuse_a_company_address_over_its_cap():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        services.company_create(name="ООО Тест", legal_address="а" * 1001)

    assert refused.value.message_dict == {"legal_address": [_too_long(1000)]}
    assert not Company.objects.exists()


def test_the_services_refuse_comments_over_their_cap(manager):
    from deals.exceptions import DealError
    from deals.models import DealComment, StageChange, TaskComment
    from deals.services.tasks import TaskError
    from tests.api.conftest import warehouse_task

    deal = make_deal("acceptance", "to_warehouse", responsible=manager)
    task = warehouse_task(deal)
    text = "б" * 5001

    with pytest.raises(DealError) as on_deal:
        services.deal_comment_add(deal=deal, author=manager, text=text)
    with pytest.raises(TaskError) as on_task:
        services.task_comment_add(task=task, author=manager, text=text)
    with pytest.raises(exc.DealFieldError) as on_failure:
        services.deal_move(
            deal=deal, transition="fail", actor=manager, reason=_reason(), comment=text
        )

    for refused in (on_deal, on_task, on_failure):
        assert refused.value.message == _too_long(5000)
    assert not DealComment.objects.exists() and not TaskComment.objects.exists()
    assert not StageChange.objects.filter(transition="fail").exists()
    deal.refresh_from_db()
    assert deal.stage == "to_warehouse"


def _reason():
    from deals.models import LossReason

    return LossReason.objects.filter(pipeline="").first()


def test_the_api_refuses_text_over_its_cap(manager):
    deal = make_deal("calculation", "new", responsible=manager)
    api = client_for(manager)

    edited = api.patch(f"/api/deals/{deal.pk}/", {"comment": "x" * 2**20}, format="json")
    commented = api.post(f"/api/deals/{deal.pk}/comments/", {"text": "x" * 5001}, format="json")
    failed = api.post(
        f"/api/deals/{deal.pk}/transition/",
        {"transition": "fail", "reason": _reason().pk, "comment": "x" * 5001},
        format="json",
    )
    company = api.post(
        "/api/companies/", {"name": "ООО Тест", "legal_address": "x" * 1001}, format="json"
    )

    for response in (edited, commented, failed, company):
        assert response.status_code == 400, response.content
    deal.refresh_from_db()
    assert (deal.comment, deal.stage, deal.comments.count()) == ("", "new", 0)
    assert not Company.objects.filter(name="ООО Тест").exists()


def test_the_pages_refuse_text_over_its_cap(client, manager):
    deal = make_deal("calculation", "new", responsible=manager)
    client.force_login(manager)

    edited = client.post(
        reverse("deals:edit", args=[deal.pk, 1]),
        {
            "services": ["packing"],
            "marketplaces": ["ozon"],
            "goods_description": "x" * 20001,
            "sku_count": "7",
            "units_per_month": "100",
        },
        headers=HTMX,
    )
    commented = client.post(
        reverse("deals:comment", args=[deal.pk]), {"text": "x" * 5001}, follow=True
    )
    failed = client.post(
        reverse("deals:move", args=[deal.pk, "fail"]),
        {"dialog": "1", "reason": _reason().pk, "comment": "x" * 5001},
        headers=HTMX,
    )
    company = client.post(
        reverse("deals:company-new"), {"name": "ООО Тест", "legal_address": "x" * 1001}
    )

    assert edited.context["form"].errors["goods_description"] == [_too_long(20000)]
    assert "не более 5000 символов" in commented.content.decode()
    assert failed.context["form"].errors["comment"] == [_too_long(5000)]
    assert company.context["form"].errors["legal_address"] == [_too_long(1000)]
    deal.refresh_from_db()
    assert (len(deal.goods_description), deal.stage, deal.comments.count()) == (22, "new", 0)
    assert not Company.objects.filter(name="ООО Тест").exists()


# --- uploads judged by their bytes ---------------------------------------------------------------

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600


def _xlsx() -> bytes:
    import io

    from openpyxl import Workbook

    buffer = io.BytesIO()
    Workbook().save(buffer)
    return buffer.getvalue()


def _upload(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("kp.pdf", b"%PDF-1.4\n% kp\n"),
        ("photo.jpg", JPEG),
        ("photo.JPEG", JPEG),
        ("scan.png", PNG),
        ("recount.xlsx", _xlsx()),
        ("recount.xls", OLE),
        ("contract.doc", OLE),
        ("recount.csv", "Артикул;Количество\nA-1;480\n".encode("cp1251")),
    ],
    ids=["pdf", "jpg", "JPEG", "png", "xlsx", "xls", "doc", "csv"],
)
def test_files_whose_bytes_are_of_their_kind_pass(name, content):
    services.validate_upload(_upload(name, content))


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("kp.pdf", EXE),
        ("photo.jpg", EXE),
        ("kp.pdf", PNG),
        ("scan.png", b"%PDF-1.4"),
        ("recount.xlsx", EXE),
        ("recount.xls", b"%PDF-1.4"),
        ("recount.csv", EXE),
        ("recount.csv", b"a;b\n\x00\x01\x02"),
    ],
    ids=["exe-pdf", "exe-jpg", "png-pdf", "pdf-png", "exe-xlsx", "pdf-xls", "exe-csv", "nul-csv"],
)
def test_files_whose_bytes_are_not_of_their_kind_are_refused(name, content):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        services.validate_upload(_upload(name, content))

    extension = "." + name.rsplit(".", 1)[1].lower()
    assert refused.value.messages == [
        f"Содержимое файла «{name}» не соответствует типу {extension}."
    ]


def test_an_empty_file_is_refused_with_a_message():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        services.validate_upload(_upload("kp.pdf", b""))

    assert refused.value.messages == ["Файл «kp.pdf» пустой."]


def test_every_service_that_takes_a_file_judges_its_bytes(manager, worker):
    from deals.exceptions import DealError
    from deals.models import DealComment, TaskComment
    from deals.services.tasks import TaskError
    from tests.api.conftest import warehouse_task

    deal = make_deal("acceptance", "to_warehouse", responsible=manager, invoice_file="")
    task = warehouse_task(deal, assignee=worker)
    message = "Содержимое файла «kp.pdf» не соответствует типу .pdf."

    with pytest.raises(exc.DealFieldError) as on_field:
        services.deal_update(
            deal=deal, actor=manager, data={"invoice_file": _upload("kp.pdf", EXE)}
        )
    with pytest.raises(DealError) as on_comment:
        services.deal_comment_add(deal=deal, author=manager, text="", file=_upload("kp.pdf", EXE))
    with pytest.raises(TaskError) as on_result:
        services.task_comment_add(
            task=task, author=worker, file=_upload("kp.pdf", EXE), is_result=True
        )

    assert on_field.value.errors == {"invoice_file": [message]}
    assert on_comment.value.message == message
    assert on_result.value.message == message
    deal.refresh_from_db()
    assert not deal.invoice_file
    assert not DealComment.objects.exists() and not TaskComment.objects.exists()


def test_the_api_judges_uploads_by_their_bytes(manager, worker):
    from deals.models import DealComment, TaskComment
    from tests.api.conftest import warehouse_task

    deal = make_deal("acceptance", "to_warehouse", responsible=manager, invoice_file="")
    task = warehouse_task(deal, assignee=worker)
    message = "Содержимое файла «kp.pdf» не соответствует типу .pdf."

    field = client_for(manager).patch(
        f"/api/deals/{deal.pk}/", {"invoice_file": _upload("kp.pdf", EXE)}, format="multipart"
    )
    comment = client_for(manager).post(
        f"/api/deals/{deal.pk}/comments/",
        {"text": "КП", "file": _upload("kp.pdf", EXE)},
        format="multipart",
    )
    result = client_for(worker).post(
        f"/api/tasks/{task.pk}/comments/",
        {"is_result": True, "file": _upload("kp.pdf", EXE)},
        format="multipart",
    )

    assert field.status_code == 400, field.content
    assert field.json()["errors"] == {"invoice_file": [message]}
    for response in (comment, result):
        assert response.status_code == 400, response.content
        assert response.json()["detail"] == message
    deal.refresh_from_db()
    assert not deal.invoice_file
    assert not DealComment.objects.exists() and not TaskComment.objects.exists()


def test_the_pages_judge_uploads_by_their_bytes_and_never_drop_an_empty_file(client, manager):
    from deals.models import DealComment

    deal = make_deal("calculation", "proposal", responsible=manager, proposal_file="")
    client.force_login(manager)

    field = client.post(
        reverse("deals:edit", args=[deal.pk, 2]),
        {"proposal_file": _upload("kp.pdf", EXE), "amount": "5000"},
        headers=HTMX,
    )
    empty = client.post(
        reverse("deals:comment", args=[deal.pk]),
        {"text": "", "file": _upload("kp.pdf", b"")},
        follow=True,
    )

    assert field.context["form"].errors["proposal_file"] == [
        "Содержимое файла «kp.pdf» не соответствует типу .pdf."
    ]
    assert "Отправленный файл пуст." in empty.content.decode()
    deal.refresh_from_db()
    assert not deal.proposal_file
    assert not DealComment.objects.exists()
