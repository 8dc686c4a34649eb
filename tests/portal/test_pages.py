"""The client's pages: only their company's requests, client stage names, dates, no internal
fields and no money but their own invoices and acts, downloads checked by company; the staff's
deal card shows the «Кабинет клиента» panel and the clients' actions on the timeline."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from documents.models import Document
from fulfillment.files import user_may_download
from portal.models import ClientAction
from tests.factories import make_deal

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_the_list_shows_the_companys_requests_with_client_stage_names(
    client_session, own_deal, other_deal, company, manager
):
    shipment = make_deal(
        "shipment",
        "awaiting_payment",
        company=company,
        responsible=manager,
        amount=Decimal("777.00"),
    )
    contract = make_deal("contract", company=company, responsible=manager)

    page = text_of(client_session.get(reverse("portal:home")))

    assert f"№&nbsp;{own_deal.pk}" in page and f"№&nbsp;{shipment.pk}" in page
    assert f"№&nbsp;{other_deal.pk}" not in page
    assert f"№&nbsp;{contract.pk}" not in page  # our paperwork, not their request
    assert "Ожидает оплаты" in page and "Заявка получена" in page
    assert "Ожидаем оплату по счету" not in page  # the staff's stage name
    assert "777" not in page  # no money on the list
    assert own_deal.title not in page  # the staff's title is internal


def test_the_list_filters_by_kind(client_session, own_deal, company, manager):
    shipment = make_deal("shipment", company=company, responsible=manager)
    page = text_of(client_session.get(reverse("portal:home") + "?kind=shipment"))
    assert f"№&nbsp;{shipment.pk}" in page and f"№&nbsp;{own_deal.pk}" not in page


def test_a_request_page_shows_its_stage_dates_and_facts_but_nothing_internal(
    client_session, own_deal
):
    own_deal.__class__.objects.filter(pk=own_deal.pk).update(
        comment="Внутренняя заметка менеджера", proposal_amount=Decimal("99999.00")
    )
    page = text_of(client_session.get(reverse("portal:request", args=[own_deal.pk])))
    assert "Заявка получена" in page
    assert own_deal.arrival_date.strftime("%d.%m.%Y") in page
    assert "Внутренняя заметка" not in page
    assert "99999" not in page and "99 999" not in page
    assert own_deal.responsible.last_name not in page
    assert "Загрузить список" in page  # an acceptance in «new» takes the shipment list


def test_another_companys_request_is_404(client_session, other_deal):
    assert client_session.get(reverse("portal:request", args=[other_deal.pk])).status_code == 404
    for name in ("portal:recount-agree", "portal:recount-dispute", "portal:list-upload"):
        assert client_session.post(reverse(name, args=[other_deal.pk])).status_code == 404


def _invoice(deal, number="15", amount="12500.00") -> Document:
    return Document.objects.create(
        deal=deal,
        kind=Document.Kind.INVOICE,
        number=number,
        amount=Decimal(amount),
        file=ContentFile(b"%PDF-1.4 invoice", name="invoice.pdf"),
    )


def test_own_invoices_and_acts_are_listed_with_their_amount_and_downloadable(
    client_session, own_deal, client_user
):
    invoice = _invoice(own_deal)
    proposal = Document.objects.create(
        deal=own_deal,
        kind=Document.Kind.PROPOSAL,
        number="КП-1",
        amount=Decimal("5000.00"),
        file=ContentFile(b"%PDF-1.4 kp", name="kp.pdf"),
    )
    page = text_of(client_session.get(reverse("portal:request", args=[own_deal.pk])))
    assert "№ 15" in page and "12 500,00 ₽" in page
    assert "КП-1" not in page  # only invoices and acts

    url = reverse("portal:document", args=[own_deal.pk, invoice.pk])
    response = client_session.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 invoice"
    assert (
        client_session.get(reverse("portal:document", args=[own_deal.pk, proposal.pk])).status_code
        == 404
    )
    # /files/ asks the portal too: their own invoice yes, the КП no.
    assert user_may_download(client_user, invoice.file.name)
    assert not user_may_download(client_user, proposal.file.name)


def test_another_companys_files_are_never_reachable(client_session, other_deal, client_user):
    invoice = _invoice(other_deal)
    assert (
        client_session.get(reverse("portal:document", args=[other_deal.pk, invoice.pk])).status_code
        == 404
    )
    assert not user_may_download(client_user, invoice.file.name)
    assert (
        client_session.get(reverse("portal:deal-file", args=[other_deal.pk, "invoice"])).status_code
        == 404
    )


def test_the_deal_invoice_file_is_offered_and_served(client_session, own_deal, client_user):
    own_deal.__class__.objects.filter(pk=own_deal.pk)  # keep the proxy
    own_deal.invoice_file.save("schet.pdf", ContentFile(b"%PDF-1.4 schet"))
    page = text_of(client_session.get(reverse("portal:request", args=[own_deal.pk])))
    assert reverse("portal:deal-file", args=[own_deal.pk, "invoice"]) in page
    response = client_session.get(reverse("portal:deal-file", args=[own_deal.pk, "invoice"]))
    assert b"".join(response.streaming_content) == b"%PDF-1.4 schet"
    assert (
        client_session.get(reverse("portal:deal-file", args=[own_deal.pk, "proposal"])).status_code
        == 404
    )


def test_staff_opening_the_portal_get_a_friendly_403_with_no_client_data(client, manager, own_deal):
    client.force_login(manager)
    for url in (reverse("portal:home"), reverse("portal:request", args=[own_deal.pk])):
        response = client.get(url)
        assert response.status_code == 403
        assert "Это кабинет клиентов" in response.content.decode()
        assert f"№&nbsp;{own_deal.pk}" not in response.content.decode()


def test_signed_out_visitors_go_to_the_portal_sign_in(client, own_deal):
    response = client.get(reverse("portal:request", args=[own_deal.pk]))
    assert response.status_code == 302
    assert response["Location"] == f"/client/login/?next=/client/requests/{own_deal.pk}/"


def test_the_deal_card_shows_portal_access_and_invites(
    client, manager, own_deal, contact, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "http://testserver"
    client.force_login(manager)
    card = text_of(client.get(reverse("deals:detail", args=[own_deal.pk])))
    assert "Кабинет клиента" in card and "нет доступа" in card and "Пригласить" in card

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("portal:staff-invite", args=[contact.pk]),
            {"email": "anna@client.example", "deal": own_deal.pk},
        )
    assert response.status_code == 302
    assert response["Location"] == reverse("deals:detail", args=[own_deal.pk]) + "#portal-access"
    card = text_of(client.get(reverse("deals:detail", args=[own_deal.pk])))
    assert "пароль еще не установлен" in card and "Пригласить снова" in card

    client.post(reverse("portal:staff-disable", args=[contact.pk]), {"deal": own_deal.pk})
    card = text_of(client.get(reverse("deals:detail", args=[own_deal.pk])))
    assert "доступ отключен" in card


def test_a_client_cannot_use_the_staff_invite(client_session, contact, own_deal):
    response = client_session.post(
        reverse("portal:staff-invite", args=[contact.pk]), {"email": "evil@example.com"}
    )
    assert response.status_code == 403


def test_client_actions_are_on_the_deal_timeline(client, manager, own_deal, client_user):
    ClientAction.objects.create(
        deal=own_deal, actor=client_user, kind=ClientAction.Kind.LINES_DISPUTED, details="A-1: мало"
    )
    client.force_login(manager)
    card = text_of(client.get(reverse("deals:detail", args=[own_deal.pk])))
    assert (
        "клиент, в кабинете" in card and "оспорил строки пересчета" in card and "A-1: мало" in card
    )


def _queries(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_list_costs_the_same_queries_for_few_and_many_requests(
    client_session, company, manager
):
    make_deal("acceptance", company=company, responsible=manager)
    few = _queries(client_session, reverse("portal:home"))
    for _ in range(12):
        make_deal("shipment", company=company, responsible=manager)
    assert _queries(client_session, reverse("portal:home")) == few
