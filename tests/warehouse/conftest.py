"""Warehouse tasks made the way production makes them: a deal moved to «Направить заявку на
склад» and the automation run on commit."""

from __future__ import annotations

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
