"""«Отправить клиенту» on the deal card: the panel, the prefilled form, editing and sending;
the timeline with each message's status; the admin."""

from __future__ import annotations

from email.header import decode_header, make_header
from email.utils import parseaddr

import pytest
from django.contrib.messages import get_messages
from django.template.loader import render_to_string
from django.urls import reverse

from correspondence.models import IncomingEmail, OutgoingEmail
from deals.card import card_panels
from deals.page_selectors import deal_timeline


def compose_url(deal, purpose="invoice"):
    return reverse("correspondence:compose", args=[deal.pk]) + f"?purpose={purpose}"


@pytest.mark.django_db
def test_panel_offers_the_purposes_whose_file_the_deal_has(
    rf, client_deal, manager, worker, other_manager
):
    request = rf.get("/")
    request.user = manager
    (panel,) = [
        p for p in card_panels(request, client_deal) if p.template == "correspondence/_panel.html"
    ]
    html = render_to_string(panel.template, {"panel": panel.context})
    assert "Отправить клиенту" in html
    assert compose_url(client_deal, "proposal") in html
    assert compose_url(client_deal, "recount") in html
    assert compose_url(client_deal, "invoice") in html
    assert compose_url(client_deal, "act") not in html and "файла еще нет" in html
    for outsider in (worker, other_manager):
        request.user = outsider
        assert all(
            p.template != "correspondence/_panel.html" for p in card_panels(request, client_deal)
        )


@pytest.mark.django_db
def test_compose_prefills_then_sends_what_the_user_edited(
    client, client_deal, manager, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    page = client.get(compose_url(client_deal)).content.decode()
    assert "Счет на оплату № 17" in page
    assert "Здравствуйте, Ирина Клиентова!" in page
    assert "Счет_17.pdf" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            compose_url(client_deal),
            {
                "contact": client_deal.contact_id,
                "subject": "Счет № 17 (исправленный)",
                "body": "Ирина, добрый день! Счет во вложении.",
            },
        )
    assert response.status_code == 302
    assert response["Location"] == reverse("deals:detail", args=[client_deal.pk]) + "#timeline"
    (sent,) = mailoutbox
    assert sent.subject == "Счет № 17 (исправленный)"
    assert sent.body == "Ирина, добрый день! Счет во вложении."
    # The contact's name with the address, encoded for the header.
    assert [parseaddr(str(make_header(decode_header(to)))) for to in sent.to] == [
        ("Ирина Клиентова", "irina@client.example")
    ]
    email = OutgoingEmail.objects.get()
    assert email.status == OutgoingEmail.Status.SENT and email.created_by == manager


@pytest.mark.django_db
def test_compose_refusals(client, client_deal, manager, worker, other_manager):
    client.force_login(manager)
    response = client.get(compose_url(client_deal, "act"))
    assert response["Location"] == reverse("deals:detail", args=[client_deal.pk])
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Акт выполненных работ по сделке еще не сформирован."
    ]
    response = client.post(
        compose_url(client_deal), {"contact": client_deal.contact_id, "subject": "", "body": "x"}
    )
    assert response.status_code == 200 and not OutgoingEmail.objects.exists()
    client.force_login(worker)
    assert client.get(compose_url(client_deal)).status_code == 403
    client.force_login(other_manager)
    assert client.get(compose_url(client_deal)).status_code == 404


@pytest.mark.django_db
def test_timeline_shows_each_status(client_deal, manager):
    base = {
        "deal": client_deal,
        "purpose": "invoice",
        "to": "irina@client.example",
        "body": "текст",
        "reply_to": "crm@fulfil.example",
        "created_by": manager,
    }
    OutgoingEmail.objects.create(subject="В очереди", message_id="<q@x>", **base)
    OutgoingEmail.objects.create(
        subject="Ушло",
        message_id="<s@x>",
        status="sent",
        sent_at="2026-12-04T10:00:00+03:00",
        **base,
    )
    OutgoingEmail.objects.create(
        subject="Не ушло",
        message_id="<f@x>",
        status="failed",
        attempts=1,
        last_error="Почтовый сервер недоступен: [Errno 111] Connection refused",
        **base,
    )
    html = render_to_string(
        "deals/_timeline.html", {"timeline": deal_timeline(deal=client_deal, user=manager)}
    )
    assert "В очереди" in html and "в очереди" in html
    assert "Ушло" in html and "отправлено 04.12.2026 10:00" in html
    assert "не отправлено" in html
    assert "Почтовый сервер недоступен: [Errno 111] Connection refused" in html
    assert "Отправка будет повторена." in html


@pytest.mark.django_db
def test_admin_lists_read_only_and_attaches_unmatched(client, administrator, client_deal):
    email = IncomingEmail.objects.create(key="<u@x>", subject="Без сделки", from_address="a@b.c")
    client.force_login(administrator)
    changelist = reverse("admin:correspondence_incomingemail_changelist")
    assert "Без сделки" in client.get(changelist).content.decode()
    assert client.get(reverse("admin:correspondence_outgoingemail_changelist")).status_code == 200
    assert client.get(reverse("admin:correspondence_incomingemail_add")).status_code == 403
    client.post(
        changelist,
        {"action": "attach_to_deal", "_selected_action": [email.pk], "deal": client_deal.pk},
    )
    email.refresh_from_db()
    assert email.deal_id == client_deal.pk and email.attached_by == administrator


@pytest.mark.django_db
def test_deal_card_shows_the_panel_and_the_thread(client, client_deal, manager):
    OutgoingEmail.objects.create(
        deal=client_deal,
        purpose="invoice",
        to="irina@client.example",
        subject="Счет на оплату № 17",
        body="Во вложении — счет.",
        reply_to="crm@fulfil.example",
        message_id="<card@x>",
        status="sent",
        sent_at="2026-12-04T10:00:00+03:00",
        created_by=manager,
    )
    IncomingEmail.objects.create(
        key="<card-reply@x>",
        deal=client_deal,
        matched_by="thread",
        from_name="Ирина Клиентова",
        from_address="irina@client.example",
        subject="Re: Счет на оплату № 17",
        body="Оплатим завтра.",
    )
    client.force_login(manager)
    page = client.get(reverse("deals:detail", args=[client_deal.pk])).content.decode()
    assert "Отправить клиенту" in page and compose_url(client_deal) in page
    assert 'class="entry entry-email-out"' in page and 'class="entry entry-email-in"' in page
    assert "Оплатим завтра." in page and "отправлено 04.12.2026 10:00" in page
