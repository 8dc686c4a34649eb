"""Client accounts: invited from the deal card by e-mail (sent on commit, in Russian, with a
link to set a password), invited again, disabled; the portal's sign-in is for clients only and
counts failures like the staff's."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from fulfillment.exceptions import ApplicationError, PermissionDeniedError
from fulfillment.roles import Role
from portal.accounts import client_access_disable, client_invite
from portal.models import ClientAccount
from tests.factories import ContactFactory, UserFactory
from tests.portal.conftest import CLIENT_PASSWORD

pytestmark = pytest.mark.django_db

LINK = re.compile(r"http://testserver(/client/password/set/[^/\s]+/[^/\s]+/)")


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "http://testserver"


def invited_link() -> str:
    assert len(mail.outbox) == 1
    found = LINK.search(mail.outbox[0].body)
    assert found, mail.outbox[0].body
    return found.group(1)


def test_an_invitation_is_mailed_on_commit_in_russian_with_a_link(
    manager, own_deal, contact, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        account = client_invite(contact=contact, email="Anna@Client.Example ", actor=manager)
    assert mail.outbox == []  # nothing leaves inside the transaction
    for callback in callbacks:
        callback()

    assert account.user.username == account.user.email == "anna@client.example"
    assert not account.user.has_usable_password()
    assert not account.user.groups.exists()  # a client holds no staff role
    message = mail.outbox[0]
    assert message.to == ["anna@client.example"]
    assert contact.company.name in message.subject
    assert "Установите пароль по этой ссылке" in message.body
    assert "anna@client.example" in message.body
    invited_link()


def test_the_link_sets_the_password_signs_in_and_then_no_longer_works(
    client, manager, own_deal, contact, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client_invite(contact=contact, email="anna@client.example", actor=manager)
    link = invited_link()

    form = client.get(link, follow=True)
    assert form.status_code == 200
    set_url = form.redirect_chain[-1][0]
    response = client.post(
        set_url, {"new_password1": CLIENT_PASSWORD, "new_password2": CLIENT_PASSWORD}
    )

    assert response.status_code == 302 and response["Location"] == reverse("portal:home")
    assert client.get(reverse("portal:home")).status_code == 200  # signed in
    account = ClientAccount.objects.get(contact=contact)
    assert account.activated_at is not None
    assert account.user.check_password(CLIENT_PASSWORD)
    client.logout()
    again = client.get(link, follow=True)
    assert "Ссылка больше не действует" in again.content.decode()


def test_inviting_again_resends_and_keeps_one_account(
    manager, own_deal, contact, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = client_invite(contact=contact, email="anna@client.example", actor=manager)
        second = client_invite(contact=contact, email="anna@client.example", actor=manager)
    assert first.pk == second.pk
    assert ClientAccount.objects.count() == 1
    assert len(mail.outbox) == 2


def test_a_disabled_client_cannot_sign_in_and_an_invitation_turns_access_on_again(
    client, manager, own_deal, account, django_capture_on_commit_callbacks
):
    client_access_disable(account=account, actor=manager)
    login = {"username": account.user.username, "password": CLIENT_PASSWORD}
    assert client.post(reverse("portal:login"), login).status_code == 200  # the form again
    assert "_auth_user_id" not in client.session

    with django_capture_on_commit_callbacks(execute=True):
        client_invite(contact=account.contact, email=account.user.email, actor=manager)
    account.refresh_from_db()
    assert account.disabled_at is None and account.user.is_active
    assert client.post(reverse("portal:login"), login).status_code == 302


def test_a_running_session_ends_when_access_is_disabled(client, manager, own_deal, account):
    client.force_login(account.user)
    assert client.get(reverse("portal:home")).status_code == 200
    client_access_disable(account=account, actor=manager)
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302 and response["Location"].startswith("/client/login/")


def test_a_manager_invites_only_contacts_of_companies_they_work_with(contact, other_manager):
    with pytest.raises(PermissionDeniedError):
        client_invite(contact=contact, email="anna@client.example", actor=other_manager)
    assert not ClientAccount.objects.exists()


def test_the_director_and_administrators_invite_any_company_and_a_worker_none(
    contact, director, administrator, worker
):
    client_invite(contact=contact, email="anna@client.example", actor=director)
    other = ContactFactory()
    client_invite(contact=other, email="boris@client.example", actor=administrator)
    assert ClientAccount.objects.count() == 2
    with pytest.raises(PermissionDeniedError):
        client_invite(contact=ContactFactory(), email="x@client.example", actor=worker)


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("not-an-address", "Введите правильный адрес электронной почты."),
        ("boss@example.com", "принадлежит сотруднику"),
        ("taken@client.example", "уже используется"),
    ],
)
def test_bad_or_taken_addresses_are_refused(manager, own_deal, contact, email, message):
    UserFactory(username="boss@example.com", role=Role.MANAGER)
    UserFactory(username="taken@client.example")
    with pytest.raises(ApplicationError) as refused:
        client_invite(contact=contact, email=email, actor=manager)
    assert message in refused.value.message
    assert not ClientAccount.objects.exists()


def test_the_portal_sign_in_refuses_staff_with_a_russian_message(client, manager):
    response = client.post(
        reverse("portal:login"), {"username": manager.username, "password": "secret-pass-1"}
    )
    assert response.status_code == 200
    assert "Это вход для клиентов" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_portal_sign_in_has_the_same_attempt_limit(client, settings, account):
    settings.AXES_FAILURE_LIMIT = 3
    wrong = {"username": account.user.username, "password": "неверно"}
    for _ in range(2):
        assert client.post(reverse("portal:login"), wrong).status_code == 200
    assert client.post(reverse("portal:login"), wrong).status_code == 429
    right = {"username": account.user.username, "password": CLIENT_PASSWORD}
    refused = client.post(reverse("portal:login"), right)
    assert refused.status_code == 429
    assert "Слишком много неудачных попыток входа" in refused.content.decode()


def test_a_client_signs_in_and_lands_on_the_portal(client, account):
    response = client.post(
        reverse("portal:login"),
        {"username": account.user.username, "password": CLIENT_PASSWORD},
    )
    assert response.status_code == 302 and response["Location"] == reverse("portal:home")


def test_password_reset_mails_clients_only(client, manager, account, settings):
    settings.SITE_URL = "http://testserver"
    client.post(reverse("portal:password-reset"), {"email": manager.email})
    assert mail.outbox == []  # an employee's address gets no portal link
    response = client.post(reverse("portal:password-reset"), {"email": account.user.email})
    assert response.status_code == 302
    assert mail.outbox[0].to == [account.user.email]
    assert "/client/password/set/" in mail.outbox[0].body


def test_a_staff_reset_link_does_not_open_the_portal_form(client, account):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    uid = urlsafe_base64_encode(force_bytes(account.user.pk))
    token = default_token_generator.make_token(account.user)
    response = client.get(
        reverse("portal:password-set", kwargs={"uidb64": uid, "token": token}), follow=True
    )
    assert "Ссылка больше не действует" in response.content.decode()
