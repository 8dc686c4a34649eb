"""Warehouse tasks made the way production makes them: a deal moved to «Направить заявку на
склад» and the automation run on commit."""

from __future__ import annotations

import socket

import pytest
from django.core.files.base import ContentFile

from deals.models import Task
from deals.services import deal_move
from tests.factories import make_deal


@pytest.fixture
def make_task(django_capture_on_commit_callbacks):
    """``make_task(pipeline="acceptance", responsible=None, **deal_fields)`` → the new task."""

    def make(pipeline: str = "acceptance", *, responsible=None, **fields) -> Task:
        deal = make_deal(pipeline, "new", responsible=responsible, **fields)
        with django_capture_on_commit_callbacks(execute=True):
            deal_move(deal=deal, transition="to_to_warehouse", actor=deal.responsible)
        return Task.objects.select_related("deal").get(deal=deal, kind=Task.Kind.WAREHOUSE)

    return make


@pytest.fixture
def task(make_task, manager) -> Task:
    return make_task(responsible=manager)


def recount_file(
    name: str = "пересчет.xlsx", content: bytes = b"PK\x03\x04 recount"
) -> ContentFile:
    return ContentFile(content, name=name)


# The test machine's DNS: push-service hosts resolve to a public address, one rebound host to
# loopback, so the checks run offline and the same way everywhere.
DNS = {
    "fcm.googleapis.com": "142.250.74.10",
    "updates.push.services.mozilla.com": "34.107.221.82",
    "rebound.notify.windows.com": "127.0.0.1",
}


@pytest.fixture(autouse=True)
def dns(monkeypatch):
    def getaddrinfo(host, port, *args, **kwargs):
        if host not in DNS:
            raise socket.gaierror("unknown host")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (DNS[host], port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
