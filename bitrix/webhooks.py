"""Inbound webhooks: create one for a user (the token shown once), find the user of a call."""

from __future__ import annotations

import hashlib
import secrets

from django.urls import reverse
from django.utils import timezone

from bitrix.models import Webhook
from fulfillment.notifications import absolute_url


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def webhook_create(*, user, label: str = "") -> tuple[Webhook, str]:
    """A new webhook of ``user`` and its URL (with the token, which is not kept)."""
    token = secrets.token_urlsafe(24)
    webhook = Webhook.objects.create(user=user, token_hash=_hash(token), label=label)
    return webhook, webhook_url(user.pk, token)


def webhook_url(user_id: int, token: str) -> str:
    return absolute_url(reverse("bitrix:rest-root", args=[user_id, token]))


def webhook_for(user_id: int, token: str) -> Webhook | None:
    """The webhook a call's ``user id`` and ``token`` name, its user active, or None."""
    webhook = (
        Webhook.objects.select_related("user", "lead_responsible")
        .filter(token_hash=_hash(token), user_id=user_id, user__is_active=True)
        .first()
    )
    if webhook is None:
        return None
    now = timezone.now()
    if webhook.last_used_at is None or (now - webhook.last_used_at).total_seconds() > 60:
        Webhook.objects.filter(pk=webhook.pk).update(last_used_at=now)
    return webhook
