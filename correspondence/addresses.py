"""The per-deal reply address: ``CLIENT_MAIL_REPLY_TO`` plus-addressed with the deal's id and
a short HMAC of it (``crm+d12.3f9a0c1b7e2d@example.com``). A reply to it names its deal; the
HMAC (keyed by ``SECRET_KEY``) means nobody can put mail on a deal by guessing its number."""

from __future__ import annotations

import re
from email.utils import make_msgid, parseaddr

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

_SALT = "correspondence.reply-address"
_SIGNATURE_LENGTH = 12


def _mailbox() -> tuple[str, str]:
    """The reply mailbox's local part (without any ``+tag``) and domain."""
    _name, address = parseaddr(settings.CLIENT_MAIL_REPLY_TO)
    local, _at, domain = address.rpartition("@")
    return local.split("+", 1)[0], domain


def _signature(deal_id: int) -> str:
    return salted_hmac(_SALT, f"d{deal_id}").hexdigest()[:_SIGNATURE_LENGTH]


def reply_address(deal_id: int) -> str:
    local, domain = _mailbox()
    return f"{local}+d{deal_id}.{_signature(deal_id)}@{domain}"


def deal_id_from_address(address: str) -> int | None:
    """The deal a reply address names, when it is ours and its signature is right."""
    local, domain = _mailbox()
    match = re.fullmatch(
        rf"{re.escape(local)}\+d(\d{{1,18}})\.([0-9a-f]{{{_SIGNATURE_LENGTH}}})@{re.escape(domain)}",
        address.strip().lower(),
        flags=re.IGNORECASE,
    )
    if match is None:
        return None
    deal_id = int(match.group(1))
    return deal_id if constant_time_compare(match.group(2), _signature(deal_id)) else None


def new_message_id(deal_id: int) -> str:
    """A Message-ID for a message of the deal, on the sending address's domain."""
    _name, address = parseaddr(settings.CLIENT_MAIL_FROM)
    domain = address.rpartition("@")[2] or "localhost"
    return make_msgid(idstring=f"d{deal_id}", domain=domain)
