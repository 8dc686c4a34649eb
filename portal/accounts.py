"""Client accounts: staff invite a company's contact person by e-mail, the client sets a
password from the link, staff may disable the access.

The link is Django's password-reset token (``ClientTokenGenerator``: its own salt, so a staff
reset link never opens the portal's form and back); it stops working once the password is set
or after ``PASSWORD_RESET_TIMEOUT`` (three days by default). The e-mail leaves on commit, from
a Celery task, never inside the transaction.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from deals.models import Contact, Deal
from deals.selectors import deal_visible_to
from fulfillment.exceptions import ApplicationError, PermissionDeniedError
from fulfillment.roles import AnyUser, is_sales, sees_all_deals, user_roles
from portal.models import ClientAccount

NOT_ALLOWED_TO_INVITE = _("You may not give portal access to this company's contacts.")
BAD_EMAIL = _("Enter a valid email address.")  # Django's own message
EMAIL_TAKEN = _("The address %(email)s is already used by another sign-in.")
STAFF_ADDRESS = _("The address %(email)s belongs to an employee; a client needs their own.")


class ClientTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "portal.accounts.ClientTokenGenerator"


client_token_generator = ClientTokenGenerator()


def client_account_of(user: AnyUser) -> ClientAccount | None:
    """The user's enabled client account (cached on the user object), or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    if not hasattr(user, "_portal_account"):
        account = (
            ClientAccount.objects.select_related("contact__company")
            .filter(user=user, disabled_at__isnull=True)
            .first()
        )
        user._portal_account = account
    return user._portal_account


def is_client(user: AnyUser) -> bool:
    return client_account_of(user) is not None


def may_manage_access(actor: AnyUser, contact: Contact) -> bool:
    """Sales staff of the company: the director and admins for every company, a manager for
    a company they hold a deal of (they see the contact on that deal's card)."""
    if not is_sales(actor):
        return False
    if sees_all_deals(actor):
        return True
    return deal_visible_to(actor, Deal.objects.filter(company_id=contact.company_id)).exists()


def client_invite(*, contact: Contact, email: str, actor: AnyUser) -> ClientAccount:
    """Invite (or invite again) a contact person to the portal: their sign-in is the e-mail,
    their password is set from the link the e-mail carries. Inviting a disabled account
    turns it on again; an account that already has a password keeps it until the client sets
    a new one from the link. Refused for another company's contact, an address already used
    by another sign-in, and an employee's address (a client is never a staff user)."""
    if not may_manage_access(actor, contact):
        raise PermissionDeniedError(gettext(NOT_ALLOWED_TO_INVITE))
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ApplicationError(gettext(BAD_EMAIL), extra={"field": "email"}) from None
    user_model = get_user_model()
    with transaction.atomic():
        account = (
            ClientAccount.objects.select_for_update()
            .select_related("user")
            .filter(contact=contact)
            .first()
        )
        others = user_model.objects.filter(username__iexact=email)
        if account is not None:
            others = others.exclude(pk=account.user_id)
        other = others.first()
        if other is not None:
            message = STAFF_ADDRESS if user_roles(other) or other.is_staff else EMAIL_TAKEN
            raise ApplicationError(gettext(message) % {"email": email}, extra={"field": "email"})
        if account is None:
            user = user_model(username=email, email=email, first_name=contact.name[:150])
            user.set_unusable_password()
            user.save()
            account = ClientAccount.objects.create(user=user, contact=contact, invited_by=actor)
        else:
            user = account.user
            user.username = user.email = email
            user.is_active = True
            user.save(update_fields=["username", "email", "is_active"])
            account.invited_by, account.invited_at, account.disabled_at = (
                actor,
                timezone.now(),
                None,
            )
            account.save(update_fields=["invited_by", "invited_at", "disabled_at"])
        transaction.on_commit(lambda pk=account.pk: _send_invitation(pk))
    return account


def _send_invitation(account_pk: int) -> None:
    from portal.tasks import send_invitation

    send_invitation.delay(account_pk)


def client_access_disable(*, account: ClientAccount, actor: AnyUser) -> ClientAccount:
    """Turn the portal off for this contact: the sign-in is refused and a running session
    ends at its next request (the user is inactive)."""
    if not may_manage_access(actor, account.contact):
        raise PermissionDeniedError(gettext(NOT_ALLOWED_TO_INVITE))
    with transaction.atomic():
        account.disabled_at = timezone.now()
        account.save(update_fields=["disabled_at"])
        account.user.is_active = False
        account.user.save(update_fields=["is_active"])
    return account


def client_account_activated(*, user: AnyUser) -> None:
    """The client set a password from the link: the account is in use from now."""
    ClientAccount.objects.filter(user=user, activated_at__isnull=True).update(
        activated_at=timezone.now()
    )


def company_contacts_access(*, company_id: int) -> list[Contact]:
    """The company's contact persons, each with ``portal`` (its account or None): one query
    (the account and its user joined), whatever the number of contacts."""
    contacts = list(
        Contact.objects.filter(company_id=company_id)
        .select_related("client_account__user")
        .order_by("name", "pk")
    )
    for contact in contacts:
        contact.portal = getattr(contact, "client_account", None)
    return contacts
