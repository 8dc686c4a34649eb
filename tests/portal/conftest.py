"""Fixtures of the portal's tests: a client (a contact person with an enabled account) of a
company that already works with a manager, and a company of someone else."""

from __future__ import annotations

import pytest
from django.utils import timezone

from fulfillment.roles import Role
from portal.models import ClientAccount
from tests.factories import ContactFactory, UserFactory, make_deal

CLIENT_PASSWORD = "Клиент-пароль-1"
MIDDLEWARE = "portal.middleware.ClientAreaMiddleware"


def make_client(contact, *, invited_by=None, email: str | None = None):
    """A contact person's enabled, activated client account (as after the invitation)."""
    email = email or f"client{contact.pk}@example.com"
    user = UserFactory(username=email, email=email)
    user.set_password(CLIENT_PASSWORD)
    user.save()
    return ClientAccount.objects.create(
        user=user, contact=contact, invited_by=invited_by, activated_at=timezone.now()
    )


@pytest.fixture
def contact(db):
    return ContactFactory(email="anna@client.example")


@pytest.fixture
def company(contact):
    return contact.company


@pytest.fixture
def account(contact, manager):
    return make_client(contact, invited_by=manager)


@pytest.fixture
def client_user(account):
    return account.user


@pytest.fixture
def own_deal(company, contact, manager):
    """An acceptance of the client's company, its manager responsible."""
    return make_deal("acceptance", company=company, contact=contact, responsible=manager)


@pytest.fixture
def other_deal(db):
    """An acceptance of another company."""
    return make_deal("acceptance", responsible=UserFactory(role=Role.MANAGER))


@pytest.fixture
def client_session(client, client_user):
    client.force_login(client_user)
    return client


@pytest.fixture
def without_client_middleware(settings):
    """MIDDLEWARE without the portal's: what the views refuse on their own."""
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != MIDDLEWARE]
