"""The portal's e-mails to clients, in Russian: the invitation with its link."""

from __future__ import annotations

from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import override

from fulfillment.notifications import absolute_url, email_subject
from portal.accounts import client_token_generator
from portal.models import ClientAccount


def password_link(user) -> str:
    """The absolute link that lets ``user`` set a password (valid for a few days)."""
    path = reverse(
        "portal:password-set",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": client_token_generator.make_token(user),
        },
    )
    return absolute_url(path)


def invitation_send(*, account_pk: int) -> bool:
    """Send the invitation of an enabled account; False when there is nothing to send (the
    access was disabled meanwhile). The link is made now, so it is fresh when it leaves."""
    account = (
        ClientAccount.objects.select_related("user", "contact__company", "invited_by")
        .filter(pk=account_pk, disabled_at__isnull=True, user__is_active=True)
        .first()
    )
    if account is None:
        return False
    with override("ru"):
        context = {
            "account": account,
            "company": account.contact.company,
            "link": password_link(account.user),
            "login": account.user.username,
            "login_url": absolute_url(reverse("portal:login")),
        }
        subject = email_subject(render_to_string("portal/email/invitation_subject.txt", context))
        body = render_to_string("portal/email/invitation.txt", context)
    send_mail(subject=subject, message=body, from_email=None, recipient_list=[account.user.email])
    return True
