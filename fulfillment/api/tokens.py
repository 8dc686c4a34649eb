"""API token lifetime: expiry (``API_TOKEN_TTL_HOURS``) and revocation on a password change.

Kept apart from the views: DRF's settings import the authentication class while
``rest_framework.views`` is loading.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

TOKEN_EXPIRED = _("The token has expired: request a new one.")


def token_expired(token: Token) -> bool:
    """Whether the token is older than ``API_TOKEN_TTL_HOURS`` (0: tokens never expire)."""
    hours = settings.API_TOKEN_TTL_HOURS
    return bool(hours) and token.created <= timezone.now() - timedelta(hours=hours)


class ExpiringTokenAuthentication(TokenAuthentication):
    """``Authorization: Token …`` that refuses (and deletes) a token past its lifetime."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Token]:
        user, token = super().authenticate_credentials(key)
        if token_expired(token):
            token.delete()
            raise exceptions.AuthenticationFailed(TOKEN_EXPIRED)
        return user, token


@receiver(pre_save, sender=get_user_model(), dispatch_uid="api-token-revoke-on-password")
def tokens_revoke_on_password_change(sender: type, instance: Any, **kwargs: Any) -> None:
    """A new password signs the user's API tokens out.

    ``set_password`` leaves the raw password in ``_password`` until the save (Django's own
    hook for ``password_changed``); a hash upgrade on login clears it first, so it keeps them.
    """
    if instance.pk and getattr(instance, "_password", None) is not None:
        Token.objects.filter(user_id=instance.pk).delete()
