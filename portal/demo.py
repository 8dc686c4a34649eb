"""Demo data of the portal: a client sign-in for the first demo company's contact person, so
a new user can try /client/ at once (login ``client``, the demo password)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils import timezone

from deals.models import Company
from portal.models import ClientAccount

CLIENT_LOGIN = "client"


def seed_demo(users: dict, companies: list[Company]) -> None:
    """Idempotent: nothing happens when the login or the contact's account exists."""
    from fulfillment.demo import DEMO_PASSWORD

    if not companies:
        return
    contact = companies[0].contacts.order_by("pk").first()
    user_model = get_user_model()
    if contact is None or user_model.objects.filter(username=CLIENT_LOGIN).exists():
        return
    if ClientAccount.objects.filter(contact=contact).exists():
        return
    user = user_model.objects.create_user(
        username=CLIENT_LOGIN,
        password=DEMO_PASSWORD,
        email=contact.email or "client@example.com",
        first_name=contact.name[:150],
    )
    ClientAccount.objects.create(
        user=user,
        contact=contact,
        invited_by=users.get("manager"),
        activated_at=timezone.now(),
    )
