"""Deals through the API: representation, create, edit, moves, refusals, conflicts, files."""

from __future__ import annotations

from decimal import Decimal
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from deals import services
from deals.models import Deal, LossReason, StageChange
from deals.pipelines import PIPELINES
from deals.pipelines.fields import DEAL_FIELDS
from fulfillment.models import Notification
from fulfillment.roles import person_name
from tests.api.conftest import client_for
from tests.factories import CompanyFactory, ContactFactory, make_deal

pytestmark = pytest.mark.django_db


def _pdf(name: str = "kp.pdf", size: int = 100) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4" + b"0" * size, content_type="application/pdf")


@pytest.mark.parametrize("pipeline", list(PIPELINES))
def test_a_deal_shows_every_field_of_its_pipeline_under_its_code(pipeline, manager):
    deal = make_deal(pipeline, "new", responsible=manager)

    data = client_for(manager).get(f"/api/deals/{deal.pk}/").json()

    spec = PIPELINES[pipeline]
    assert (data["id"], data["pipeline"], data["stage"]) == (deal.pk, pipeline, "new")
    assert data["stage_label"] == str(spec.stage("new").label)
    assert set(spec.field_codes) <= set(data)
    assert not {code for code in DEAL_FIELDS if code not in spec.field_codes} & set(data)
    assert [m["name"] for m in data["available_transitions"]] == [
        m.name for m in spec.transitions if "new" in m.sources and m.kind != "reopen"
    ]


def test_available_transitions_name_what_is_missing(manager):
    deal = make_deal("calculation", "proposal", responsible=manager, amount=None)

    data = client_for(manager).get(f"/api/deals/{deal.pk}/").json()

    assert data["available_transitions"] == [
        {
            "name": "to_director_approval",
            "target": "director_approval",
            "label": "Согласовать КП с ГД",
            "kind": "forward",
            "missing_fields": ["amount"],
        },
        {
            "name": "fail",
            "target": "lost",
            "label": "Отказ КП",
            "kind": "fail",
            "missing_fields": [],
        },
    ]


def test_files_are_download_urls_behind_the_permission_check(manager, other_manager):
    deal = make_deal("calculation", "proposal", responsible=manager)

    url = client_for(manager).get(f"/api/deals/{deal.pk}/").json()["proposal_file"]

    assert url == f"http://testserver/api/files/{deal.proposal_file.name}"
    # Signed in by token only, as an integration is.
    download = client_for(manager).get(url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == deal.proposal_file.open("rb").read()
    assert client_for(other_manager).get(url).status_code == 404
    assert client_for(None).get(url).status_code == 401


def test_the_list_costs_the_same_queries_whatever_the_number_of_deals(
    manager, django_assert_num_queries
):
    client = client_for(manager)
    make_deal("calculation", "new", responsible=manager)

    # token with its user, the roles, the model permissions (2), the count, the page, the
    # page's responsibles, the stage deadlines' rules (``due_at``)
    with django_assert_num_queries(8):
        client.get("/api/deals/")
    for pipeline in PIPELINES:
        make_deal(pipeline, "new", responsible=manager)
    with django_assert_num_queries(8):
        response = client.get("/api/deals/")
    assert response.json()["count"] == len(PIPELINES) + 1


def test_filters_and_search(manager):
    wanted = make_deal("acceptance", "invoice", responsible=manager, title="Приемка Ромашка")
    make_deal("acceptance", "new", responsible=manager, title="Приемка Лютик")
    make_deal("calculation", "new", responsible=manager)
    client = client_for(manager)

    def ids(**query):
        return [d["id"] for d in client.get("/api/deals/", query).json()["results"]]

    assert ids(pipeline="acceptance", stage="invoice") == [wanted.pk]
    assert ids(search="Ромашка") == [wanted.pk]
    assert ids(company=wanted.company_id) == [wanted.pk]
    bad = client.get("/api/deals/", {"pipeline": "nope"})
    assert bad.status_code == 400
    assert list(bad.json()["errors"]) == ["pipeline"]


def test_deals_by_responsible_and_amount(director, manager, other_manager):
    small = make_deal("calculation", "proposal", responsible=manager, amount=Decimal("1000"))
    large = make_deal("calculation", "proposal", responsible=manager, amount=Decimal("90000"))
    theirs = make_deal("calculation", "proposal", responsible=other_manager, amount=None)

    def ids(user, **query):
        body = client_for(user).get("/api/deals/", query).json()
        return sorted(d["id"] for d in body["results"])

    assert ids(manager, responsible="me") == sorted([small.pk, large.pk])
    assert ids(director, responsible=other_manager.pk) == [theirs.pk]
    assert ids(director, amount_min="5000") == [large.pk]
    assert ids(director, amount_max="5000") == [small.pk]
    assert ids(director, amount_min="500", amount_max="100000") == sorted([small.pk, large.pk])


def test_create_goes_through_the_service_and_answers_the_deal(manager):
    company = CompanyFactory()

    response = client_for(manager).post(
        "/api/deals/",
        {
            "pipeline": "calculation",
            "title": "Просчет для Ромашки",
            "company": company.pk,
            "services": ["acceptance", "storage"],
            "sku_count": 12,
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    deal = Deal.objects.get(pk=response.json()["id"])
    assert (deal.pipeline, deal.stage, deal.responsible, deal.created_by) == (
        "calculation",
        "new",
        manager,
        manager,
    )
    assert (deal.services, deal.sku_count) == (["acceptance", "storage"], 12)
    assert StageChange.objects.filter(deal=deal, transition="create").count() == 1


def test_create_in_a_later_stage_needs_what_the_stages_before_require(manager):
    response = client_for(manager).post(
        "/api/deals/",
        {"pipeline": "acceptance", "stage": "to_warehouse", "title": "Приемка"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["missing_fields"] == [
        "company",
        "arrival_date",
        "boxes",
        "units",
        "delivery_method",
        "acceptance_type",
    ]
    assert not Deal.objects.exists()


def test_create_refuses_a_stage_of_another_pipeline(manager):
    response = client_for(manager).post(
        "/api/deals/",
        {"pipeline": "contract", "stage": "invoice", "title": "Договор"},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["stage"]


def test_patch_sets_fields_and_company_details(manager):
    deal = make_deal("contract", "new", responsible=manager)

    response = client_for(manager).patch(
        f"/api/deals/{deal.pk}/",
        {"contract_number": "Д-15", "company.signatory": "Петров Петр Петрович"},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["contract_number"] == "Д-15"
    deal.refresh_from_db()
    deal.company.refresh_from_db()
    assert (deal.contract_number, deal.company.signatory) == ("Д-15", "Петров Петр Петрович")


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (
            {"director_approved_at": "2026-01-01T10:00:00Z"},
            "Поле «согласовано ГД» заполняется автоматически, не вручную.",
        ),
        (
            {"contract_number": "Д-1"},
            "В воронке «Заявка на просчет заказа» нет поля «contract_number».",
        ),
    ],
    ids=["automation-only", "other-pipeline"],
)
def test_patch_refuses_fields_staff_do_not_fill(manager, body, detail):
    deal = make_deal("calculation", "new", responsible=manager)

    response = client_for(manager).patch(f"/api/deals/{deal.pk}/", body, format="json")

    assert response.status_code == 400
    assert response.json() == {"detail": detail}


def test_patch_field_errors_are_under_their_codes(manager):
    deal = make_deal("calculation", "new", responsible=manager)

    response = client_for(manager).patch(
        f"/api/deals/{deal.pk}/", {"sku_count": -1, "services": ["teleport"]}, format="json"
    )

    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "Проверьте выделенные поля."
    assert set(body["errors"]) == {"sku_count", "services"}


def test_a_move_answers_the_moved_deal(manager):
    deal = make_deal("calculation", "new", responsible=manager)

    response = client_for(manager).post(
        f"/api/deals/{deal.pk}/transition/", {"transition": "to_proposal"}, format="json"
    )

    assert response.status_code == 200
    assert (response.json()["stage"], response.json()["stage_label"]) == (
        "proposal",
        "Сформировать КП",
    )
    change = StageChange.objects.get(deal=deal, transition="to_proposal")
    assert (change.from_stage, change.to_stage, change.actor) == ("new", "proposal", manager)


def test_a_refused_move_names_the_missing_codes_and_saves_nothing(manager):
    deal = make_deal(
        "acceptance", "new", responsible=manager, complete=False, arrival_date=None, boxes=None
    )

    response = client_for(manager).post(
        f"/api/deals/{deal.pk}/transition/",
        {"transition": "to_to_warehouse", "fields": {"boxes": 4}},
        format="json",
    )

    assert response.status_code == 400
    body = response.json()
    assert body["missing_fields"] == ["arrival_date", "units", "delivery_method", "acceptance_type"]
    assert body["detail"] == (
        "Заполните обязательные поля: Ожидаемая дата поступления, Количество единиц, "
        "Способ доставки, Тип приемки."
    )
    deal.refresh_from_db()
    assert (deal.stage, deal.boxes) == ("new", None)


def test_a_move_fills_the_fields_it_needs_in_the_same_request(manager):
    deal = make_deal("calculation", "proposal", responsible=manager, amount=None, proposal_file="")

    response = client_for(manager).post(
        f"/api/deals/{deal.pk}/transition/",
        {
            "transition": "to_director_approval",
            "fields.amount": "150000.50",
            "fields.proposal_file": _pdf(),
        },
        format="multipart",
    )

    assert response.status_code == 200, response.content
    deal.refresh_from_db()
    assert deal.stage == "director_approval"
    assert str(deal.amount) == "150000.50"
    assert deal.proposal_file.name.endswith("/kp.pdf")
    assert (
        response.json()["proposal_file"] == f"http://testserver/api/files/{deal.proposal_file.name}"
    )


def test_failure_needs_a_reason(manager):
    deal = make_deal("calculation", "new", responsible=manager)
    client = client_for(manager)

    refused = client.post(
        f"/api/deals/{deal.pk}/transition/",
        {"transition": "fail", "comment": "Дорого"},
        format="json",
    )
    reason = LossReason.objects.filter(pipeline="").first()
    moved = client.post(
        f"/api/deals/{deal.pk}/transition/",
        {"transition": "fail", "comment": "Дорого", "reason": reason.pk},
        format="json",
    )

    assert refused.status_code == 400
    assert refused.json() == {"detail": "Выберите причину отказа и напишите комментарий."}
    assert moved.status_code == 200
    assert moved.json()["stage"] == "lost"
    assert moved.json()["failure_reason"] == reason.pk


def test_a_move_the_role_does_not_allow_is_forbidden(manager):
    deal = make_deal("calculation", "won", responsible=manager)

    response = client_for(manager).post(
        f"/api/deals/{deal.pk}/transition/",
        {"transition": "reopen", "comment": "Клиент вернулся"},
        format="json",
    )

    assert response.status_code == 403
    assert response.json() == {"detail": "У вас нет прав переводить эту сделку."}


def test_a_move_of_a_deal_someone_else_moved_meanwhile_is_a_conflict(manager):
    deal = make_deal("calculation", "new", responsible=manager)
    stale = Deal.objects.get(pk=deal.pk)
    services.deal_move(deal=deal, transition="to_proposal", actor=manager)

    # The request loads the deal as it stood before the other move committed.
    with mock.patch("deals.api.views.DealViewSet.get_object", return_value=stale):
        response = client_for(manager).post(
            f"/api/deals/{deal.pk}/transition/", {"transition": "fail"}, format="json"
        )
        response_to_proposal = client_for(manager).post(
            f"/api/deals/{deal.pk}/transition/", {"transition": "to_proposal"}, format="json"
        )

    assert response.status_code == 400  # fail still needs its reason first
    assert response_to_proposal.status_code == 409
    assert response_to_proposal.json() == {
        "detail": "Сделку уже перевели на стадию «Сформировать КП». Обновите страницу.",
        "stage": "proposal",
        "stage_label": "Сформировать КП",
    }
    assert StageChange.objects.filter(deal=deal).count() == 1


def test_an_edit_of_a_deal_moved_meanwhile_is_a_conflict(manager):
    deal = make_deal("calculation", "new", responsible=manager)
    stale = Deal.objects.get(pk=deal.pk)
    services.deal_move(deal=deal, transition="to_proposal", actor=manager)

    with mock.patch("deals.api.views.DealViewSet.get_object", return_value=stale):
        response = client_for(manager).patch(
            f"/api/deals/{deal.pk}/", {"comment": "Правка"}, format="json"
        )

    assert response.status_code == 409
    deal.refresh_from_db()
    assert (deal.stage, deal.comment) == ("proposal", "")


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            SimpleUploadedFile("virus.exe", b"MZ"),
            "Тип файла «virus.exe» не принимается (можно: .pdf, .xls, .xlsx, .csv, .doc, .docx, "
            ".jpg, .jpeg, .png, .heic).",
        ),
        (_pdf("big.pdf", size=2 * 1024 * 1024), "Файл «big.pdf» больше 1 МБ."),
    ],
    ids=["wrong-type", "too-big"],
)
def test_uploads_are_checked_with_a_clear_message(manager, settings, upload, message):
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    deal = make_deal("calculation", "proposal", responsible=manager, proposal_file="")

    response = client_for(manager).patch(
        f"/api/deals/{deal.pk}/", {"proposal_file": upload}, format="multipart"
    )

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Проверьте выделенные поля.",
        "errors": {"proposal_file": [message]},
    }
    deal.refresh_from_db()
    assert not deal.proposal_file


def test_comments_and_history_of_a_deal(manager):
    deal = make_deal("calculation", "new", responsible=manager)
    client = client_for(manager)
    client.post(f"/api/deals/{deal.pk}/transition/", {"transition": "to_proposal"}, format="json")

    created = client.post(
        f"/api/deals/{deal.pk}/comments/",
        {"text": "Клиент просит скидку", "file": _pdf("note.pdf")},
        format="multipart",
    )
    comments = client.get(f"/api/deals/{deal.pk}/comments/").json()
    history = client.get(f"/api/deals/{deal.pk}/history/").json()

    assert created.status_code == 201
    assert created.json()["file"].startswith("http://testserver/api/files/comments/")
    assert created.json()["warnings"] == []
    assert [c["text"] for c in comments["results"]] == ["Клиент просит скидку"]
    assert [(h["transition"], h["from_stage"], h["to_stage"]) for h in history["results"]] == [
        ("to_proposal", "new", "proposal")
    ]


def test_money_is_hidden_from_warehouse_staff(manager, worker, director):
    from deals.api.deal_serializers import deal_serializer_class

    deal = make_deal("acceptance", "invoice", responsible=manager)
    serializer_class = deal_serializer_class(deal.pipeline_spec)
    request = mock.Mock()

    request.user = worker
    hidden = serializer_class(deal, context={"request": request}).data
    request.user = director
    shown = serializer_class(deal, context={"request": request}).data

    money = {code for code in deal.pipeline_spec.field_codes if DEAL_FIELDS[code].money}
    assert money == {
        "proposal_file",
        "proposal_amount",
        "amount",
        "invoice_number",
        "invoice_file",
        "payment_date",
        "paid_amount",
    }
    assert not money & set(hidden)
    assert money <= set(shown)


def test_contact_without_phone_or_email_is_refused(manager):
    company = CompanyFactory()
    ContactFactory(company=company)

    response = client_for(manager).post(
        "/api/contacts/", {"company": company.pk, "name": "Без связи"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["detail"] == "Укажите телефон или e-mail контакта."


def test_a_contact_is_changed_but_stays_with_its_company(manager):
    contact = ContactFactory(phone="+7 900", email="")
    other = CompanyFactory()

    response = client_for(manager).patch(
        f"/api/contacts/{contact.pk}/",
        {"position": "Закупщик", "email": "buyer@example.com", "company": other.pk},
        format="json",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["position"], body["email"], body["company"]) == (
        "Закупщик",
        "buyer@example.com",
        contact.company_id,
    )
    contact.refresh_from_db()
    assert (contact.position, contact.email, contact.company_id) == (
        "Закупщик",
        "buyer@example.com",
        body["company"],
    )


def test_a_contact_change_that_leaves_no_phone_or_email_is_refused(manager):
    contact = ContactFactory(phone="+7 900", email="")

    response = client_for(manager).patch(
        f"/api/contacts/{contact.pk}/", {"phone": ""}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["detail"] == "Укажите телефон или e-mail контакта."
    contact.refresh_from_db()
    assert contact.phone == "+7 900"


def test_the_contract_status_of_a_company_is_not_set_by_hand(manager):
    company = CompanyFactory()

    response = client_for(manager).patch(
        f"/api/companies/{company.pk}/",
        {"has_contract": True, "contract_number": "Д-1", "signatory": "Иванов И. И."},
        format="json",
    )

    assert response.status_code == 200
    company.refresh_from_db()
    assert (company.has_contract, company.contract_number, company.signatory) == (
        False,
        "",
        "Иванов И. И.",
    )


def test_a_contact_of_another_company_is_refused(manager):
    deal = make_deal("calculation", "new", responsible=manager)
    stranger = ContactFactory()

    response = client_for(manager).patch(
        f"/api/deals/{deal.pk}/", {"contact": stranger.pk}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {"contact": ["Контактное лицо не из выбранной компании."]}
    deal.refresh_from_db()
    assert deal.contact.company_id == deal.company_id


def test_a_comment_tells_the_author_who_was_mentioned_but_cannot_open_the_deal(
    manager, other_manager
):
    deal = make_deal("calculation", "new", responsible=manager)

    created = client_for(manager).post(
        f"/api/deals/{deal.pk}/comments/",
        {"text": f"@{other_manager.username} посмотри"},
        format="json",
    )

    assert created.status_code == 201
    assert created.json()["warnings"] == [
        f"{person_name(other_manager)} не видит эту сделку — уведомление не отправлено."
    ]
    assert not Notification.objects.filter(recipient=other_manager).exists()


# --- the stage the client saw: expected_stage ----------------------------------------------


def test_a_move_from_a_stale_expected_stage_is_a_conflict_naming_the_current_stage(manager):
    deal = make_deal("calculation", "new", responsible=manager)
    services.deal_move(deal=deal, transition="to_proposal", actor=manager)

    # The client saw «new» and sends a move that is possible from the stage the deal is in now.
    response = client_for(manager).post(
        f"/api/deals/{deal.pk}/transition/",
        {"transition": "to_director_approval", "expected_stage": "new"},
        format="json",
    )

    assert response.status_code == 409
    assert response.json() == {
        "detail": "Сделку уже перевели на стадию «Сформировать КП». Обновите страницу.",
        "stage": "proposal",
        "stage_label": "Сформировать КП",
    }
    assert Deal.objects.get(pk=deal.pk).stage == "proposal"
    assert StageChange.objects.filter(deal=deal).count() == 1


def test_a_move_from_the_expected_stage_applies(manager):
    deal = make_deal("calculation", "new", responsible=manager)

    response = client_for(manager).post(
        f"/api/deals/{deal.pk}/transition/",
        {"transition": "to_proposal", "expected_stage": "new"},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["stage"] == "proposal"


def test_an_expected_stage_the_pipeline_does_not_have_is_refused(manager):
    deal = make_deal("calculation", "new", responsible=manager)

    response = client_for(manager).post(
        f"/api/deals/{deal.pk}/transition/",
        {"transition": "to_proposal", "expected_stage": "nowhere"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "expected_stage": ["В воронке «Заявка на просчет заказа» нет стадии «nowhere»."]
    }
    assert Deal.objects.get(pk=deal.pk).stage == "new"


def test_a_refused_move_leaves_no_uploaded_file_behind(manager, settings):
    deal = make_deal("calculation", "proposal", responsible=manager, proposal_file=None)
    stale = Deal.objects.get(pk=deal.pk)
    services.deal_move(
        deal=deal,
        transition="fail",
        actor=manager,
        reason=LossReason.objects.filter(pipeline="").first(),
        comment="Клиент ушел",
    )

    # The request loaded the deal before the other move committed, and sent a file with it.
    with mock.patch("deals.api.views.DealViewSet.get_object", return_value=stale):
        response = client_for(manager).post(
            f"/api/deals/{deal.pk}/transition/",
            {"transition": "to_director_approval", "fields.proposal_file": _pdf()},
            format="multipart",
        )

    assert response.status_code == 409
    assert response.json()["stage"] == "lost"
    assert [path for path in settings.MEDIA_ROOT.rglob("*") if path.is_file()] == []
