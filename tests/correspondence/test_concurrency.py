"""Two workers deliver the same message at once (PostgreSQL): it is sent once; two readers
store a reply once."""

from __future__ import annotations

import asyncio
import threading

import pytest
from django.db import connection

from correspondence import services
from correspondence.models import IncomingEmail
from correspondence.parsing import parse_email
from fulfillment.models import Notification


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_deliveries_of_one_message_send_it_once(
    postgres, smtp, client_deal, manager, monkeypatch
):
    monkeypatch.setattr(services, "outgoing_enqueue", lambda ids: None)  # deliveries by hand
    email = services.email_send(deal=client_deal, actor=manager, purpose="invoice")
    in_data, release = threading.Event(), threading.Event()
    original = smtp.handle_DATA

    async def slow_data(server, session, envelope):
        # The first delivery holds the row's lock while the server takes its time.
        in_data.set()
        await asyncio.get_running_loop().run_in_executor(None, release.wait, 20)
        return await original(server, session, envelope)

    smtp.handle_DATA = slow_data
    results: list[bool] = []

    def deliver() -> None:
        try:
            results.append(services.outgoing_send(email.pk))
        finally:
            connection.close()

    first = threading.Thread(target=deliver)
    first.start()
    assert in_data.wait(20)
    second = threading.Thread(target=deliver)  # a duplicate delivery, or the sweep
    second.start()
    second.join(20)
    assert results == [False]  # it skipped the locked row instead of waiting or sending
    release.set()
    first.join(20)
    assert results == [False, True]
    assert len(smtp.received) == 1
    email.refresh_from_db()
    assert email.status == "sent" and email.attempts == 1


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_readers_store_a_reply_once(postgres, client_deal, manager):
    from correspondence import addresses

    raw = (
        f"From: a@client.example\r\nTo: {addresses.reply_address(client_deal.pk)}\r\n"
        "Subject: ok\r\nMessage-ID: <race-1@client.example>\r\n\r\nok\r\n"
    ).encode()
    barrier = threading.Barrier(2)
    results: list[object] = []

    def read() -> None:
        parsed = parse_email(raw)
        barrier.wait()
        try:
            results.append(services.incoming_store(parsed))
        finally:
            connection.close()

    threads = [threading.Thread(target=read) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(results) == 2 and sum(r is not None for r in results) == 1
    assert IncomingEmail.objects.count() == 1
    assert Notification.objects.filter(recipient=manager, event="client_email").count() == 1
