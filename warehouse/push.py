"""Web Push: the phone notifications channel (VAPID, ``pywebpush``).

Enabled only when the VAPID keys are configured (``WEBPUSH_ENABLED``); the embedded default
runs without them and the pages then offer no «allow notifications» button. The channel gets
the ids of committed notifications and hands them to Celery, so the request never waits for
a push service; the task sends each notification to every browser its recipient allowed.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import socket
from collections.abc import Sequence
from urllib.parse import urlsplit

import pywebpush
from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from fulfillment.exceptions import ApplicationError
from fulfillment.models import Notification
from warehouse.models import PushSubscription

logger = logging.getLogger(__name__)

# A push service answering these means the browser unsubscribed: forget the endpoint.
GONE = (404, 410)
TTL_SECONDS = 24 * 3600  # a phone that is off for a shift still gets the news next morning


BAD_ENDPOINT = _("This is not the address of a browser push service.")


def _host_allowed(host: str) -> bool:
    """``WEBPUSH_ALLOWED_HOSTS``: exact hosts, or ``*.domain`` for any subdomain of it."""
    for pattern in settings.WEBPUSH_ALLOWED_HOSTS:
        pattern = pattern.lower()
        if pattern.startswith("*."):
            if host.endswith(pattern[1:]):
                return True
        elif host == pattern:
            return True
    return False


def _address_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def push_endpoint_check(endpoint: str, *, resolve: bool = True) -> None:
    """Refuse an endpoint that is not a real push service (server-side request forgery).

    Only ``https://`` on a host of ``WEBPUSH_ALLOWED_HOSTS`` on the default port; a literal IP
    is never a push service; with ``resolve`` every address the host resolves to must be
    public (no loopback, private, link-local or reserved one). Checked when a browser
    registers and again before each send, since DNS may change in between.
    """
    try:
        parts = urlsplit(endpoint)
        host = (parts.hostname or "").lower().rstrip(".")
        port = parts.port
    except ValueError:
        raise ApplicationError(gettext(BAD_ENDPOINT)) from None
    if parts.scheme != "https" or not host or port not in (None, 443) or parts.username:
        raise ApplicationError(gettext(BAD_ENDPOINT))
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    else:
        raise ApplicationError(gettext(BAD_ENDPOINT))
    if not _host_allowed(host):
        raise ApplicationError(gettext(BAD_ENDPOINT))
    if not resolve:
        return
    try:
        infos = socket.getaddrinfo(host, 443, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        raise ApplicationError(gettext(BAD_ENDPOINT)) from None
    if not infos or not all(_address_public(info[4][0]) for info in infos):
        raise ApplicationError(gettext(BAD_ENDPOINT))


def push_enabled() -> bool:
    return bool(getattr(settings, "WEBPUSH_ENABLED", False))


def push_channel(ids: Sequence[int]) -> None:
    """The notification channel: deliver in the background."""
    from warehouse.tasks import send_push_notifications

    send_push_notifications.delay(list(ids))


def push_channel_register() -> bool:
    """Register the channel with the notifications when Web Push is configured."""
    if not push_enabled():
        return False
    from fulfillment.notifications import register_channel

    register_channel("webpush", push_channel)
    return True


def push_payload(notification: Notification) -> str:
    """What the service worker shows: title, text and the page a tap opens."""
    return json.dumps(
        {
            "title": str(settings.WEBPUSH_TITLE),
            "body": notification.text,
            "url": notification.url or "/notifications/",
            "tag": f"notification-{notification.pk}",
        },
        ensure_ascii=False,
    )


def notifications_push(ids: Sequence[int]) -> int:
    """Send these notifications to their recipients' browsers; returns the pushes sent.

    A subscription the push service reports gone is deleted; other failures are logged and
    do not stop the rest.
    """
    if not push_enabled():
        return 0
    notifications = Notification.objects.filter(pk__in=ids).order_by("pk")
    subscriptions: dict[int, list[PushSubscription]] = {}
    for subscription in PushSubscription.objects.filter(
        user__in={n.recipient_id for n in notifications}
    ):
        subscriptions.setdefault(subscription.user_id, []).append(subscription)
    sent = 0
    for notification in notifications:
        payload = push_payload(notification)
        for subscription in subscriptions.get(notification.recipient_id, []):
            sent += _push_one(subscription, payload)
    return sent


def _push_one(subscription: PushSubscription, payload: str) -> int:
    try:
        push_endpoint_check(subscription.endpoint)
    except ApplicationError:
        logger.warning("Web Push endpoint of subscription %s refused", subscription.pk)
        return 0
    try:
        pywebpush.webpush(
            subscription_info=subscription.as_subscription_info(),
            data=payload,
            vapid_private_key=settings.WEBPUSH_VAPID_PRIVATE_KEY,
            vapid_claims={"sub": settings.WEBPUSH_VAPID_SUBJECT},
            ttl=TTL_SECONDS,
            timeout=10,
        )
    except pywebpush.WebPushException as error:
        if error.status_code in GONE:
            PushSubscription.objects.filter(pk=subscription.pk).delete()
        else:
            logger.warning("Web Push to subscription %s failed: %s", subscription.pk, error)
        return 0
    return 1
