"""Clients of the API for every role, authenticated with their token as integrations are."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient


def token_for(user) -> str:
    token, _created = Token.objects.get_or_create(user=user)
    return token.key


def client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
    return client


@pytest.fixture
def api():
    """``api(user)``: a client signed in as ``user`` (``None``: anonymous)."""
    return client_for


def stage_entry(deal, stage: str):
    """The history row of the deal entering ``stage`` (what the automation hangs a task on)."""
    from deals.models import StageChange

    return StageChange.objects.create(
        deal=deal, transition=f"to_{stage}", from_stage="", to_stage=stage
    )


def approval_task(deal):
    """The director's approval task of a КП, as entering «Согласовать КП с ГД» creates it."""
    from deals.models import Task
    from deals.services import task_create

    task, _created = task_create(
        deal=deal,
        change=stage_entry(deal, "director_approval"),
        kind=Task.Kind.APPROVAL,
        title=f"Согласовать КП: {deal.title}",
    )
    return task


def warehouse_task(deal, assignee=None):
    """The warehouse task of a deal entering «Направить заявку на склад»."""
    from warehouse.services import warehouse_task_create

    task, _created = warehouse_task_create(deal=deal, change=stage_entry(deal, "to_warehouse"))
    if assignee is not None:
        task.assignee = assignee
        task.save(update_fields=["assignee"])
    return task
