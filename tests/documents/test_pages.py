"""The card's documents panel, its POST-only buttons and the download of a document."""

from decimal import Decimal

import pytest
from django.urls import reverse

from documents.models import Document, OurCompany
from documents.services import document_generate


def _url(deal, kind):
    return reverse("documents:generate", args=[deal.pk, kind])


def test_the_card_shows_the_button_of_the_stage(ready, acceptance_deal, manager, client):
    client.force_login(manager)
    page = client.get(reverse("deals:detail", args=[acceptance_deal.pk])).content.decode()
    assert "Выставить счет" in page
    assert _url(acceptance_deal, "invoice") in page
    assert "Сформировать КП" not in page.split('id="documents-title"')[1]


def test_invoice_button_makes_the_invoice_and_says_so(ready, acceptance_deal, manager, client):
    client.force_login(manager)
    response = client.post(
        _url(acceptance_deal, "invoice"), {"expected_stage": "invoice"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("deals:detail", args=[acceptance_deal.pk])
    page = response.content.decode()
    assert "Счет на оплату № 1 готов." in page
    document = Document.objects.get()
    # On the panel and the timeline, with who made it and a download link.
    assert page.count(document.file.url) >= 2
    assert "сформировал(а) документ «счет на оплату» № 1" in page
    acceptance_deal.refresh_from_db()
    assert acceptance_deal.invoice_number == "1"


def test_refusal_is_a_message_on_the_card_and_nothing_is_saved(
    ready, acceptance_deal, manager, client
):
    OurCompany.objects.all().delete()
    client.force_login(manager)
    response = client.post(_url(acceptance_deal, "invoice"), follow=True)
    assert "Реквизиты нашей компании не заданы" in response.content.decode()
    assert not Document.objects.exists()


def test_wrong_stage_is_a_message(ready, acceptance_deal, manager, client):
    client.force_login(manager)
    response = client.post(_url(acceptance_deal, "proposal"), follow=True)
    assert "не формируется в воронке" in response.content.decode()
    assert not Document.objects.exists()


def test_a_stale_page_is_told_the_deal_moved(ready, acceptance_deal, manager, client):
    client.force_login(manager)
    response = client.post(
        _url(acceptance_deal, "invoice"), {"expected_stage": "recount_approval"}, follow=True
    )
    assert "Сделку уже перевели" in response.content.decode()
    assert not Document.objects.exists()


def test_get_is_not_allowed(ready, acceptance_deal, manager, client):
    client.force_login(manager)
    assert client.get(_url(acceptance_deal, "invoice")).status_code == 405


@pytest.mark.parametrize(("who", "status"), [("other_manager", 404), ("worker", 403)])
def test_others_may_not_press_it(request, who, status, ready, acceptance_deal, client):
    client.force_login(request.getfixturevalue(who))
    assert client.post(_url(acceptance_deal, "invoice")).status_code == status
    assert not Document.objects.exists()


def test_the_director_may(ready, acceptance_deal, director, client):
    client.force_login(director)
    client.post(_url(acceptance_deal, "invoice"))
    assert Document.objects.get().created_by == director


@pytest.mark.parametrize(
    ("who", "status"),
    [("manager", 200), ("director", 200), ("other_manager", 404), ("worker", 404)],
)
def test_the_file_downloads_for_whoever_sees_the_deal_and_money(
    request, who, status, ready, acceptance_deal, manager, client
):
    document = document_generate(deal=acceptance_deal, kind="invoice", actor=manager)
    client.force_login(request.getfixturevalue(who))
    response = client.get(document.file.url)
    assert response.status_code == status
    if status == 200:
        assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_warehouse_staff_never_see_the_panel(ready, acceptance_deal, manager, worker, rf):
    from documents.views import documents_panel

    document_generate(deal=acceptance_deal, kind="invoice", actor=manager)
    request = rf.get("/")
    request.user = worker
    assert documents_panel(request, acceptance_deal) is None
    request.user = manager
    panel = documents_panel(request, acceptance_deal)
    assert [d.amount for d in panel["documents"]] == [Decimal("1562.50")]
