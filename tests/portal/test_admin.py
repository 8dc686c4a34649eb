"""Administrators keep client accounts in the admin: a list, and «invite again» / «disable»
through the portal's services; nobody adds or deletes an account there."""

from __future__ import annotations

import pytest
from django.core import mail

from portal.models import ClientAccount

pytestmark = pytest.mark.django_db


def test_an_administrator_lists_disables_and_reinvites(
    client, administrator, account, own_deal, django_capture_on_commit_callbacks
):
    client.force_login(administrator)
    listing = client.get("/admin/portal/clientaccount/")
    assert listing.status_code == 200
    assert account.contact.name in listing.content.decode()
    assert client.get("/admin/portal/clientaccount/add/").status_code == 403

    client.post(
        "/admin/portal/clientaccount/",
        {"action": "disable", "_selected_action": [account.pk]},
    )
    account.refresh_from_db()
    assert account.disabled_at is not None and not account.user.is_active

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/admin/portal/clientaccount/",
            {"action": "invite_again", "_selected_action": [account.pk]},
        )
    account = ClientAccount.objects.get(pk=account.pk)
    assert account.disabled_at is None and account.user.is_active
    assert mail.outbox[0].to == [account.user.email]


def test_a_manager_has_no_portal_admin(client, manager, account):
    client.force_login(manager)
    assert client.get("/admin/portal/clientaccount/").status_code in (302, 403)
