"""Integrations written for Bitrix24's REST API, run unchanged against the CRM's webhook over
HTTP: the PyPI clients fast-bitrix24, bitrix24-rest and Bitrix24's own b24pysdk (which speaks
only HTTPS: it calls through a TLS front), as an existing script would call them."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import sys
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from b24pysdk import BitrixWebhook, Client
from b24pysdk.errors import BitrixAPIBadRequest
from django.urls import reverse
from fast_bitrix24 import Bitrix

from bitrix.webhooks import webhook_create
from deals.models import Deal, Task
from tests.bitrix.tls import https_front
from tests.factories import CompanyFactory, make_deal

pytestmark = pytest.mark.django_db(transaction=True)


def _bitrix24_rest():
    """The bitrix24-rest client. Its package is called ``bitrix24``, so it is loaded from its
    files under another name, unchanged."""
    if "bitrix24_rest_client" in sys.modules:
        return sys.modules["bitrix24_rest_client"]
    init = importlib.metadata.distribution("bitrix24-rest").locate_file("bitrix24/__init__.py")
    spec = importlib.util.spec_from_file_location(
        "bitrix24_rest_client", init, submodule_search_locations=[str(init.parent)]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def url(live_server, manager):
    _webhook, address = webhook_create(user=manager)
    path = reverse("bitrix:rest-root", args=address.rstrip("/").rsplit("/", 2)[1:])
    return live_server.url + path


def test_fast_bitrix24_lists_every_page_adds_updates_and_reads_deals(url, manager):
    for _ in range(120):
        make_deal("calculation", "new", responsible=manager)
    company = CompanyFactory(name="Ромашка")
    bitrix = Bitrix(url, verbose=False, respect_velocity_policy=False)

    deals = bitrix.get_all("crm.deal.list", params={"select": ["*", "UF_*"]})
    new_id = bitrix.call(
        "crm.deal.add", {"fields": {"TITLE": "Из скрипта", "COMPANY_ID": company.pk}}
    )
    bitrix.call("crm.deal.update", {"id": new_id, "fields": {"OPPORTUNITY": 4200}})
    got = bitrix.get_by_ID("crm.deal.get", [new_id])  # one ID: the record itself
    categories = bitrix.get_all("crm.category.list", {"entityTypeId": 2})

    assert len(deals) == 120 and len({d["ID"] for d in deals}) == 120
    assert "UF_CRM_SKU_COUNT" in deals[0]
    assert Deal.objects.get(pk=new_id).amount == Decimal("4200")
    assert (got["TITLE"], got["OPPORTUNITY"], got["COMPANY_ID"]) == (
        "Из скрипта",
        "4200.00",
        str(company.pk),
    )
    # The client unwraps Bitrix24's one-key wrapper ``{"categories": […]}``.
    assert [c["name"] for c in categories][:2] == [
        "Заявка на просчет заказа",
        "Заявка на приемку товара",
    ]


def test_fast_bitrix24_sees_why_a_move_is_refused(url, manager):
    deal = make_deal("calculation", "new", responsible=manager, complete=False)
    bitrix = Bitrix(url, verbose=False, respect_velocity_policy=False)

    with pytest.raises(Exception, match="Заполните обязательные поля") as refused:
        bitrix.call("crm.deal.update", {"id": deal.pk, "fields": {"STAGE_ID": "PROPOSAL"}})

    assert "Количество SKU" in str(refused.value)
    assert Deal.objects.get(pk=deal.pk).stage == "new"


def test_bitrix24_rest_pages_by_total_and_calls_with_php_keys(url, manager):
    for _ in range(75):
        make_deal("calculation", "new", responsible=manager)
    client = _bitrix24_rest().Bitrix24(url)

    deals = client.callMethod("crm.deal.list", filter={"CATEGORY_ID": 0}, select=["ID", "TITLE"])
    new_id = client.callMethod("crm.deal.add", fields={"TITLE": "Через bitrix24-rest"})
    me = client.callMethod("user.current")

    assert len(deals) == 75 and set(deals[0]) == {"ID", "TITLE"}
    assert Deal.objects.get(pk=new_id).title == "Через bitrix24-rest"
    assert me["ID"] == str(manager.pk)


def test_bitrix24_rest_raises_bitrix24_s_error(url):
    module = _bitrix24_rest()

    # The client reads only the status of a refusal, which Bitrix24 (and the CRM) send 4xx.
    with pytest.raises(module.BitrixError, match="HTTP error: 400"):
        module.Bitrix24(url).callMethod("crm.deal.get", id=999999)


@pytest.fixture
def sdk(live_server, manager, monkeypatch):
    """b24pysdk's client of the manager's webhook, as ``https://{domain}/rest/{token}/``."""
    _webhook, address = webhook_create(user=manager)
    token = "/".join(address.rstrip("/").rsplit("/", 2)[1:])
    server = urlsplit(live_server.url)
    with https_front((server.hostname, server.port)) as (domain, authority):
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", authority)
        yield Client(BitrixWebhook(domain=domain, webhook_token=token))


def test_b24pysdk_pages_adds_deals_and_gives_tasks(sdk, manager):
    for _ in range(60):
        make_deal("calculation", "new", responsible=manager)

    first = sdk.crm.deal.list(select=["ID", "TITLE"])
    first_page = (first.response.total, first.response.next, len(first.result))  # lazy: call now
    every = sdk.crm.deal.list(select=["ID"]).as_list().result
    new_id = sdk.crm.deal.add(fields={"TITLE": "Через b24pysdk"}).result
    given = sdk.tasks.task.add(
        fields={"TITLE": "Позвонить", "UF_CRM_TASK": [f"D_{new_id}"], "RESPONSIBLE_ID": manager.pk}
    ).result
    me = sdk.user.current().result

    assert first_page == (60, 50, 50)
    assert len(every) == 60
    assert Deal.objects.get(pk=new_id).title == "Через b24pysdk"
    task = Task.objects.get(pk=given["task"]["id"])
    assert (task.deal_id, task.assignee, task.kind) == (new_id, manager, Task.Kind.ASSIGNMENT)
    assert me["ID"] == str(manager.pk)


def test_b24pysdk_raises_the_refusal_bitrix24_would(sdk, manager):
    deal = make_deal("calculation", "new", responsible=manager, complete=False)

    with pytest.raises(BitrixAPIBadRequest) as refused:
        _ = sdk.crm.deal.update(bitrix_id=deal.pk, fields={"STAGE_ID": "PROPOSAL"}).result

    assert "Количество SKU" in refused.value.error_description
    assert Deal.objects.get(pk=deal.pk).stage == "new"
