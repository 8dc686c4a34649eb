"""The Bitrix24-compatible webhook: the protocol (encodings, envelope, paging, errors, batch)
and the methods, acting with the webhook's user's permissions."""

from __future__ import annotations

import json
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.urls import reverse

from bitrix.models import Webhook
from bitrix.webhooks import webhook_create
from deals.models import Company, Contact, Deal, DealComment, StageChange
from tests.factories import CompanyFactory, ContactFactory, make_deal

pytestmark = pytest.mark.django_db


@pytest.fixture
def hook(manager):
    _webhook, url = webhook_create(user=manager)
    return url.removeprefix("http://127.0.0.1:8000")


def _json(response):
    assert response["Content-Type"] == "application/json", response.content
    return json.loads(response.content)


def test_the_command_prints_a_url_and_keeps_only_the_token_s_hash(manager, capsys):
    call_command("bitrix24_webhook", manager.username)

    url = capsys.readouterr().out.strip()
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert url.startswith(f"http://127.0.0.1:8000/rest/{manager.pk}/")
    assert not Webhook.objects.filter(token_hash=token).exists()
    assert Webhook.objects.get().user == manager


def test_a_wrong_token_is_refused_as_bitrix24_refuses_it(client, manager):
    response = client.get(f"/rest/{manager.pk}/wrong/user.current")

    assert response.status_code == 401
    assert _json(response)["error"] == "NO_AUTH_FOUND"


def test_every_encoding_and_any_case_of_names(client, hook, manager):
    deal = make_deal("calculation", "new", responsible=manager)
    answers = [
        client.get(f"{hook}crm.deal.get?ID={deal.pk}"),
        client.get(f"{hook}CRM.DEAL.GET.json?id={deal.pk}"),
        client.post(f"{hook}crm.deal.get", {"Id": deal.pk}),
        client.post(f"{hook}crm.deal.get", {"id": str(deal.pk)}, content_type="application/json"),
        client.post(f"{hook}crm.deal.get", {"id": deal.pk, "__order": "x"}),  # unknown: ignored
    ]

    for response in answers:
        body = _json(response)
        assert response.status_code == 200
        assert body["result"]["ID"] == str(deal.pk)
        assert set(body["time"]) == {
            "start",
            "finish",
            "duration",
            "processing",
            "date_start",
            "date_finish",
        }


def test_a_deal_reads_as_bitrix24_writes_it(client, hook, manager):
    deal = make_deal("acceptance", "to_warehouse", responsible=manager, amount=Decimal("1500"))

    record = _json(client.get(f"{hook}crm.deal.get?id={deal.pk}"))["result"]

    assert record["ID"] == str(deal.pk)
    assert record["CATEGORY_ID"] == "1"
    assert record["STAGE_ID"] == "C1:TO_WAREHOUSE"
    assert record["STAGE_SEMANTIC_ID"] == "P"
    assert record["OPPORTUNITY"] == "1500.00"
    assert record["ASSIGNED_BY_ID"] == str(manager.pk)
    assert record["COMPANY_ID"] == str(deal.company_id)
    assert record["UF_CRM_BOXES"] == str(deal.boxes)
    assert record["DATE_CREATE"].endswith("+03:00")


def test_a_form_post_with_php_keys_adds_a_deal(client, hook, manager):
    company = CompanyFactory()
    contact = ContactFactory(company=company)

    response = client.post(
        f"{hook}crm.deal.add",
        {
            "fields[TITLE]": "С сайта",
            "fields[COMPANY_ID]": company.pk,
            "fields[CONTACT_IDS][]": [contact.pk],
            "fields[OPPORTUNITY]": "2500",
            "fields[UF_CRM_MARKETPLACES][]": ["ozon", "wildberries"],
            "fields[UNKNOWN_FIELD]": "x",
        },
    )

    deal = Deal.objects.get(pk=_json(response)["result"])
    assert (deal.pipeline, deal.stage, deal.title) == ("calculation", "new", "С сайта")
    assert (deal.company, deal.contact, deal.responsible) == (company, contact, manager)
    assert deal.marketplaces == ["ozon", "wildberries"]
    assert deal.amount == Decimal("2500")


def test_lists_page_by_50_with_an_exact_total_and_next_only_when_there_is_more(
    client, hook, manager
):
    for _ in range(120):
        make_deal("calculation", "new", responsible=manager)

    pages = [_json(client.get(f"{hook}crm.deal.list?start={s}")) for s in (0, 50, 100)]
    quick = _json(client.get(f"{hook}crm.deal.list?start=-1"))

    assert [len(p["result"]) for p in pages] == [50, 50, 20]
    assert [p["total"] for p in pages] == [120, 120, 120]
    assert [p.get("next") for p in pages] == [50, 100, None]
    assert len(quick["result"]) == 50 and "total" not in quick and "next" not in quick
    ids = [int(r["ID"]) for p in pages for r in p["result"]]
    assert ids == sorted(ids) and len(set(ids)) == 120


def test_filters_select_and_order(client, hook, manager):
    small = make_deal("calculation", "new", responsible=manager, amount=Decimal("100"))
    big = make_deal("calculation", "proposal", responsible=manager, amount=Decimal("9000"))
    make_deal("acceptance", "new", responsible=manager, amount=Decimal("5000"))

    def ids(query: str) -> list[str]:
        return [r["ID"] for r in _json(client.get(f"{hook}crm.deal.list?{query}"))["result"]]

    assert ids(f"{quote('filter[>=OPPORTUNITY]')}=1000&filter[CATEGORY_ID]=0") == [str(big.pk)]
    assert ids("filter[STAGE_ID]=NEW&filter[CATEGORY_ID]=0") == [str(small.pk)]
    assert ids(f"filter[@ID][]={small.pk}&filter[@ID][]={big.pk}&order[OPPORTUNITY]=DESC") == [
        str(big.pk),
        str(small.pk),
    ]
    assert ids("filter[%TITLE]=calcul&filter[!STAGE_ID]=NEW") == [str(big.pk)]
    record = _json(client.get(f"{hook}crm.deal.list?select[]=TITLE&filter[ID]={big.pk}"))
    assert set(record["result"][0]) == {"ID", "TITLE"}
    no_user_fields = _json(client.get(f"{hook}crm.deal.list?select[]=*&filter[ID]={big.pk}"))
    assert not [k for k in no_user_fields["result"][0] if k.startswith("UF_")]


def test_a_manager_s_webhook_sees_and_changes_only_their_deals(client, hook, other_manager):
    others = make_deal("calculation", "new", responsible=other_manager)

    listed = _json(client.get(f"{hook}crm.deal.list"))
    got = client.get(f"{hook}crm.deal.get?id={others.pk}")
    update = client.post(f"{hook}crm.deal.update", {"id": others.pk, "fields[TITLE]": "x"})

    assert listed["total"] == 0
    assert (got.status_code, _json(got)) == (400, {"error": "", "error_description": "Not found"})
    assert update.status_code == 400
    assert Deal.objects.get(pk=others.pk).title != "x"


def test_a_stage_change_is_a_guarded_move_with_its_history(client, hook, manager):
    deal = make_deal("calculation", "new", responsible=manager, complete=False)

    refused = client.post(f"{hook}crm.deal.update", {"id": deal.pk, "fields[STAGE_ID]": "PROPOSAL"})

    assert refused.status_code == 400
    assert _json(refused)["error_description"].startswith("Заполните обязательные поля: ")
    assert "Количество SKU" in _json(refused)["error_description"]
    deal = make_deal("calculation", "new", responsible=manager)
    moved = client.post(
        f"{hook}crm.deal.update",
        {"id": deal.pk, "fields[STAGE_ID]": "PROPOSAL", "fields[UF_CRM_SKU_COUNT]": "12"},
    )
    assert _json(moved)["result"] is True
    deal.refresh_from_db()
    assert (deal.stage, deal.sku_count) == ("proposal", 12)
    change = StageChange.objects.filter(deal=deal).get()
    assert (change.transition, change.actor) == ("to_proposal", manager)


def test_errors_are_json_with_bitrix24_s_codes_and_statuses(client, hook):
    unknown = client.get(f"{hook}crm.nothing.here")
    bad_id = client.get(f"{hook}crm.deal.get?id=abc")

    assert (unknown.status_code, _json(unknown)["error"]) == (404, "ERROR_METHOD_NOT_FOUND")
    assert (bad_id.status_code, _json(bad_id)["error_description"]) == (
        400,
        "ID is not defined or invalid",
    )


def test_batch_runs_commands_with_references_and_reports_each_error(client, hook, manager):
    company = CompanyFactory(name="Ромашка")
    cmd = {
        "new": f"crm.deal.add?{quote('fields[TITLE]')}=Batch&fields%5BCOMPANY_ID%5D={company.pk}",
        "got": "crm.deal.get?id=$result[new]",
        "listed": "crm.deal.list?filter[ID]=$result[new]&select[]=TITLE",
        "title": "crm.deal.list?filter[TITLE]=$result[listed][0][TITLE]",
        "broken": "crm.deal.get?id=0",
    }

    body = _json(
        client.post(f"{hook}batch", {"halt": 0, "cmd": cmd}, content_type="application/json")
    )

    result = body["result"]
    new = result["result"]["new"]
    assert result["result"]["got"]["TITLE"] == "Batch"
    assert result["result"]["title"][0]["ID"] == str(new)
    assert result["result_total"]["listed"] == 1
    assert result["result_error"] == {
        "broken": {"error": "", "error_description": "ID is not defined or invalid"}
    }
    assert set(result["result_time"]) == set(cmd)
    assert result["result_next"] == []


def test_batch_halts_at_the_first_error_when_asked(client, hook):
    cmd = {"a": "crm.deal.get?id=0", "b": "user.current"}

    body = _json(
        client.get(f"{hook}batch", {"halt": "1", **{f"cmd[{k}]": v for k, v in cmd.items()}})
    )

    assert list(body["result"]["result_error"]) == ["a"]
    assert body["result"]["result"] == []


def test_pipelines_stages_companies_contacts_comments_and_the_user(client, hook, manager):
    deal = make_deal("calculation", "new", responsible=manager)
    categories = _json(client.get(f"{hook}crm.category.list?entityTypeId=2"))["result"]
    stages = _json(client.get(f"{hook}crm.status.list?filter[ENTITY_ID]=DEAL_STAGE_1"))["result"]
    company = _json(
        client.post(
            f"{hook}crm.company.add",
            {"fields": {"TITLE": "Лютик", "PHONE": [{"VALUE": "+7 900 1", "VALUE_TYPE": "WORK"}]}},
            content_type="application/json",
        )
    )["result"]
    contact = _json(
        client.post(
            f"{hook}crm.contact.add",
            {
                "fields[NAME]": "Анна",
                "fields[LAST_NAME]": "Смирнова",
                "fields[COMPANY_ID]": company,
                "fields[EMAIL][0][VALUE]": "anna@example.ru",
            },
        )
    )["result"]
    comment = _json(
        client.post(
            f"{hook}crm.timeline.comment.add",
            {
                "fields[ENTITY_ID]": deal.pk,
                "fields[ENTITY_TYPE]": "deal",
                "fields[COMMENT]": "Звонил",
            },
        )
    )["result"]
    me = _json(client.get(f"{hook}user.current"))["result"]

    assert categories["categories"][0] == {
        "id": 0,
        "name": "Заявка на просчет заказа",
        "sort": 100,
        "entityTypeId": 2,
        "isDefault": "Y",
    }
    assert [s["STATUS_ID"] for s in stages][:2] == ["C1:NEW", "C1:TO_WAREHOUSE"]
    assert [s["SEMANTICS"] for s in stages][-2:] == ["S", "F"]
    assert Company.objects.get(pk=company).phone == "+7 900 1"
    assert Contact.objects.get(pk=contact).name == "Анна Смирнова"
    assert DealComment.objects.get(pk=comment).text == "Звонил"
    assert me["ID"] == str(manager.pk)
    fields = _json(client.get(f"{hook}crm.deal.fields"))["result"]
    assert fields["UF_CRM_SKU_COUNT"]["title"] == "Количество SKU"
    assert fields["ID"]["isReadOnly"] is True


def test_an_administrator_creates_a_webhook_in_the_admin_and_revokes_it(
    client, administrator, manager
):
    client.force_login(administrator)

    response = client.post(
        reverse("admin:bitrix_webhook_add"), {"user": manager.pk, "label": "Сайт"}, follow=True
    )

    (message,) = [str(m) for m in response.context["messages"] if "/rest/" in str(m)]
    url = message.rsplit(" ", 1)[1].removeprefix("http://127.0.0.1:8000")
    assert url.startswith(f"/rest/{manager.pk}/")
    assert _json(client.get(f"{url}user.current"))["result"]["ID"] == str(manager.pk)
    webhook = Webhook.objects.get()
    client.post(reverse("admin:bitrix_webhook_delete", args=[webhook.pk]), {"post": "yes"})
    assert client.get(f"{url}user.current").status_code == 401


def test_only_administrators_manage_webhooks(client, manager):
    manager.is_staff = True
    manager.save()
    client.force_login(manager)

    assert client.get(reverse("admin:bitrix_webhook_changelist")).status_code == 403


def test_a_website_request_opens_a_calculation_request_for_the_webhook_s_responsible(
    client, manager, other_manager
):
    webhook, url = webhook_create(user=manager)
    Webhook.objects.filter(pk=webhook.pk).update(lead_responsible=other_manager)
    hook = url.removeprefix("http://127.0.0.1:8000")
    company = CompanyFactory(name="ООО «Ромашка»")
    known = ContactFactory(company=company, phone="+7 916 123-45-67")
    form = {
        "fields[TITLE]": "Заявка с сайта",
        "fields[NAME]": "Иван",
        "fields[LAST_NAME]": "Петров",
        "fields[COMPANY_TITLE]": "ооо «ромашка»",
        "fields[PHONE][0][VALUE]": "8 (916) 123-45-67",
        "fields[COMMENTS]": "Нужен просчет на 300 SKU",
    }

    first = _json(client.post(f"{hook}crm.lead.add", form))["result"]
    second = _json(
        client.post(
            f"{hook}crm.lead.add",
            {"fields[NAME]": "Анна", "fields[EMAIL][0][VALUE]": "anna@example.ru"},
        )
    )["result"]

    deal = Deal.objects.get(pk=first)
    assert (deal.pipeline, deal.stage, deal.title) == ("calculation", "new", "Заявка с сайта")
    assert (deal.company, deal.contact, deal.responsible) == (company, known, other_manager)
    assert deal.comment == "Нужен просчет на 300 SKU"
    new = Deal.objects.get(pk=second)
    assert (new.company.name, new.contact.email, new.title) == (
        "Анна",
        "anna@example.ru",
        "Заявка с сайта: Анна",
    )


def test_a_website_request_without_a_client_is_refused(client, hook):
    response = client.post(f"{hook}crm.lead.add", {"fields[TITLE]": "Пусто"})

    assert response.status_code == 400
    assert "нужен клиент" in _json(response)["error_description"]


def test_a_json_body_too_deep_or_not_json_is_a_400_with_the_reason(client, hook):
    deep = "[" * 100 + "]" * 100
    too_deep = client.post(f"{hook}user.current", deep, content_type="application/json")
    broken = client.post(f"{hook}user.current", "{nope", content_type="application/json")

    assert too_deep.status_code == 400 and _json(too_deep)["error"] == "INVALID_REQUEST"
    assert broken.status_code == 400 and _json(broken)["error"] == "INVALID_REQUEST"


def test_closed_and_stage_filters_with_any_prefix(client, hook, manager):
    open_deal = make_deal("calculation", "new", responsible=manager)
    won = make_deal("calculation", "won", responsible=manager)
    Deal.objects.filter(pk=won.pk).update(closed_at=won.created_at)

    def ids(query: str) -> list[str]:
        return [r["ID"] for r in _json(client.get(f"{hook}crm.deal.list?{query}"))["result"]]

    assert ids("filter[CLOSED]=Y") == [str(won.pk)]
    assert ids("filter[CLOSED]=N") == [str(open_deal.pk)]
    assert ids("filter[@STAGE_ID][]=NEW&filter[@STAGE_ID][]=WON") == [
        str(open_deal.pk),
        str(won.pk),
    ]
    assert ids("filter[!STAGE_ID]=WON") == [str(open_deal.pk)]
