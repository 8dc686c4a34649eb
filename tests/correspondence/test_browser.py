"""In Chromium: the manager opens «Отправить клиенту» on the deal card, edits the prefilled
invoice e-mail and sends it; the timeline shows it sent (console backend, eager Celery, as
the embedded default). Screenshots go to test-artifacts/ for people to look at."""

from __future__ import annotations

import pytest

from correspondence.models import IncomingEmail, OutgoingEmail
from tests.factories import ensure_reference_data

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_manager_sends_the_invoice_from_the_card(
    page, live_server, login, screenshot, settings, client_deal, manager
):
    ensure_reference_data()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    IncomingEmail.objects.create(
        key="<earlier@client.example>",
        deal=client_deal,
        matched_by="address",
        from_name="Ирина Клиентова",
        from_address="irina@client.example",
        subject="Re: Данные пересчета",
        body="Количество верное, согласовываем.",
    )
    login(manager)
    page.goto(f"{live_server.url}/deals/{client_deal.pk}/")
    panel = page.locator("section[aria-labelledby=client-mail-title]")
    assert panel.is_visible()
    screenshot("correspondence-card-panel")
    panel.locator("a[href$='purpose=invoice']").click()
    page.wait_for_load_state()
    assert page.locator("#id_subject").input_value().startswith("Счет на оплату № 17")
    page.fill("#id_subject", "Счет № 17 на оплату приемки")
    screenshot("correspondence-compose")
    page.get_by_role("button", name="Отправить").click()
    page.wait_for_load_state()
    assert "поставлено в очередь" in page.content()
    email = OutgoingEmail.objects.get()
    assert email.status == "sent" and email.subject == "Счет № 17 на оплату приемки"
    timeline = page.locator("#timeline")
    assert "Счет № 17 на оплату приемки" in timeline.inner_text()
    assert "Количество верное, согласовываем." in timeline.inner_text()
    page.locator("#timeline").scroll_into_view_if_needed()
    screenshot("correspondence-timeline")


def test_administrator_attaches_an_unmatched_reply(
    page, live_server, login, screenshot, client_deal, administrator
):
    ensure_reference_data()
    email = IncomingEmail.objects.create(
        key="<lost@client.example>",
        from_name="Бухгалтерия клиента",
        from_address="buh@client.example",
        to="crm@fulfil.example",
        subject="Акт подписан",
        body="Подписанный акт во вложении.",
    )
    login(administrator)
    page.goto(f"{live_server.url}/mail/unmatched/")
    assert "Акт подписан" in page.content()
    page.fill(f"#deal-{email.pk}", str(client_deal.pk))
    screenshot("correspondence-unmatched")
    page.get_by_role("button", name="Привязать к сделке").click()
    page.wait_for_load_state()
    assert f"Письмо привязано к сделке №{client_deal.pk}." in page.content()
    assert "Непривязанных писем нет." in page.content()
    email.refresh_from_db()
    assert email.deal_id == client_deal.pk
