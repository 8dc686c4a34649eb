"""``/api/deals/{id}/emails/``: send with the template's or the caller's text, list with
statuses; the replies; who may call it."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from correspondence.models import IncomingAttachment, IncomingEmail, OutgoingEmail
from tests.factories import ContactFactory


@pytest.fixture
def api(manager):
    client = APIClient()
    client.force_authenticate(manager)
    return client


def url(deal, tail=""):
    return f"/api/deals/{deal.pk}/emails/{tail}"


@pytest.mark.django_db
def test_send_with_the_template_and_list_with_status(
    api, client_deal, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(url(client_deal), {"purpose": "recount"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "queued"  # as it was written; sent right after commit
    assert body["to"] == "irina@client.example"
    assert body["subject"].startswith("Данные пересчета на согласование")
    assert body["attachment"].startswith("http://testserver/api/files/deals/acceptance/")
    assert body["reply_to"].startswith(f"crm+d{client_deal.pk}.")
    (sent,) = mailoutbox
    assert sent.subject == body["subject"]
    listed = api.get(url(client_deal)).json()
    assert listed["count"] == 1
    assert listed["results"][0]["status"] == "sent"
    assert listed["results"][0]["status_label"] == "отправлено"


@pytest.mark.django_db
def test_send_with_own_subject_text_and_contact(api, client_deal):
    colleague = ContactFactory(company=client_deal.company, email="buh@client.example")
    response = api.post(
        url(client_deal),
        {"purpose": "invoice", "contact": colleague.pk, "subject": "Счет", "body": "Оплатите."},
        format="json",
    )
    assert response.status_code == 201
    email = OutgoingEmail.objects.get()
    assert (email.to, email.subject, email.body) == ("buh@client.example", "Счет", "Оплатите.")


@pytest.mark.django_db
def test_refusals(api, client_deal, other_manager, worker):
    assert api.post(url(client_deal), {"purpose": "act"}, format="json").json() == {
        "detail": "Акт выполненных работ по сделке еще не сформирован."
    }
    assert api.post(url(client_deal), {"purpose": "letter"}, format="json").status_code == 400
    stranger = ContactFactory(email="x@other.example")
    response = api.post(
        url(client_deal), {"purpose": "invoice", "contact": stranger.pk}, format="json"
    )
    assert response.status_code == 400
    assert "контактное лицо" in str(response.json())
    other = APIClient()
    other.force_authenticate(other_manager)
    assert other.get(url(client_deal)).status_code == 404
    assert other.post(url(client_deal), {"purpose": "invoice"}, format="json").status_code == 404
    other.force_authenticate(worker)
    assert other.get(url(client_deal)).status_code == 403
    assert not OutgoingEmail.objects.exists()
    assert APIClient().get(url(client_deal)).status_code in (401, 403)


@pytest.mark.django_db
def test_replies_list(api, client_deal):
    from django.core.files.base import ContentFile

    email = IncomingEmail.objects.create(
        key="<r@x>", deal=client_deal, matched_by="address", subject="Ответ", body="Да"
    )
    attachment = IncomingAttachment(email=email, name="скан.pdf", size=3)
    attachment.file.save("скан.pdf", ContentFile(b"pdf"), save=True)
    IncomingEmail.objects.create(key="<u@x>", subject="Чужое")
    listed = api.get(url(client_deal, "replies/")).json()
    assert listed["count"] == 1
    (reply,) = listed["results"]
    assert (reply["subject"], reply["body"], reply["matched_by"]) == ("Ответ", "Да", "address")
    assert reply["attachments"][0]["name"] == "скан.pdf"
    assert api.get(reply["attachments"][0]["file"]).status_code == 200
