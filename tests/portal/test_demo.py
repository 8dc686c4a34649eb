"""The demo's client sign-in: ``client`` with the demo password, for the first demo company's
contact person, made once."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fulfillment.demo import DEMO_PASSWORD
from portal.demo import seed_demo
from portal.models import ClientAccount
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def test_the_demo_client_signs_in_to_the_first_companys_portal(client, manager):
    first, second = ContactFactory(), ContactFactory()
    companies = [first.company, second.company]

    seed_demo({"manager": manager}, companies)
    seed_demo({"manager": manager}, companies)  # idempotent

    account = ClientAccount.objects.get()
    assert account.contact == first and account.user.username == "client"
    assert not account.user.groups.exists()
    response = client.post(
        reverse("portal:login"), {"username": "client", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == reverse("portal:home")
