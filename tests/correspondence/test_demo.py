"""The demo thread: one message sent with the КП and the client's reply, once."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile

from correspondence.demo import seed_demo
from correspondence.models import IncomingEmail, OutgoingEmail
from fulfillment.models import Notification
from tests.factories import ContactFactory, make_deal


@pytest.mark.django_db
def test_seed_demo_shows_a_thread_once(manager, director):
    contact = ContactFactory(email="client1@example.com")
    deal = make_deal(
        "calculation",
        "proposal",
        responsible=manager,
        contact=contact,
        proposal_file=ContentFile(b"%PDF kp", name="kp.pdf"),
    )
    deal.contact = contact
    deal.save(update_fields=["contact"])
    users = {"manager": manager, "director": director}
    seed_demo(users, [contact.company])
    seed_demo(users, [contact.company])
    sent = OutgoingEmail.objects.get()
    assert (sent.deal, sent.status, sent.to) == (deal, "sent", "client1@example.com")
    assert sent.subject.startswith("Коммерческое предложение")
    reply = IncomingEmail.objects.get()
    assert (reply.deal, reply.matched_by, reply.in_reply_to) == (deal, "address", sent)
    assert reply.subject == f"Re: {sent.subject}"
    assert reply.attachments.get().name == "Реквизиты.txt"
    assert Notification.objects.filter(recipient=manager, event="client_email").count() == 1
