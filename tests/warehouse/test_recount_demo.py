"""The recount's demo data: an acceptance with 20 lines and its warehouse task, once."""

from __future__ import annotations

import pytest

from deals.models import Deal, Task
from fulfillment.roles import Role
from tests.factories import CompanyFactory, UserFactory
from warehouse.demo import DEMO_TITLE, seed_recount_demo
from warehouse.models import RecountLine

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_list_and_a_task_and_runs_once(django_capture_on_commit_callbacks):
    users = {"manager": UserFactory(role=Role.MANAGER)}
    companies = [CompanyFactory()]
    with django_capture_on_commit_callbacks(execute=True):
        seed_recount_demo(users, companies)
    seed_recount_demo(users, companies)
    deal = Deal.objects.get(title=DEMO_TITLE)
    assert deal.stage == "to_warehouse"
    assert RecountLine.objects.filter(deal=deal).count() == 20
    # (1+2+3+4+5) × 12 × 4 rounds: 720 units expected.
    assert sum(RecountLine.objects.filter(deal=deal).values_list("expected", flat=True)) == 720
    assert Task.objects.filter(deal=deal, kind=Task.Kind.WAREHOUSE).count() == 1
