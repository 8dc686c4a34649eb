"""Reading the replies mailbox over IMAP (the standard library's ``imaplib``).

**Decision: UIDs, not the \\Seen flag.** The folder is opened read-only and messages fetched
with ``BODY.PEEK[]``, so the CRM never changes a flag: a person reading the same mailbox in a
mail program neither sees messages marked read by the CRM nor hides a message from it by
opening it first. ``MailboxState`` keeps the folder's UIDVALIDITY and the highest UID stored;
each round reads the UIDs above it. A changed UIDVALIDITY (the folder was rebuilt) starts
over from the first message, and ``IncomingEmail.key`` (unique) keeps anything stored already
from coming in twice — as it does when two workers read at once.

A message that cannot be stored stops the round there (the UID is not passed) and the error is
kept on ``MailboxState`` for the admin: the next round tries it again rather than losing it.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import re

from django.conf import settings
from django.utils import timezone

from correspondence import services
from correspondence.models import MailboxState
from correspondence.parsing import parse_email

logger = logging.getLogger(__name__)

BATCH = 100  # messages per round; the next minute's round reads on
TIMEOUT_SECONDS = 30
_UIDVALIDITY = re.compile(rb"UIDVALIDITY (\d+)")


def _connect() -> imaplib.IMAP4:
    if settings.IMAP_SSL:
        return imaplib.IMAP4_SSL(settings.IMAP_HOST, settings.IMAP_PORT, timeout=TIMEOUT_SECONDS)
    return imaplib.IMAP4(settings.IMAP_HOST, settings.IMAP_PORT, timeout=TIMEOUT_SECONDS)


def _mailbox_name() -> str:
    return f"{settings.IMAP_USER}@{settings.IMAP_HOST}:{settings.IMAP_PORT}/{settings.IMAP_FOLDER}"


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _uidvalidity(connection: imaplib.IMAP4) -> int:
    _typ, data = connection.response("UIDVALIDITY")
    if data and data[0]:
        return int(data[0])
    _typ, data = connection.status(_quoted(settings.IMAP_FOLDER), "(UIDVALIDITY)")
    found = _UIDVALIDITY.search(data[0] or b"")
    return int(found.group(1)) if found else 0


def _raw(data: list) -> bytes | None:
    """The message bytes of a ``UID FETCH … (BODY.PEEK[])`` answer."""
    for item in data:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
            return item[1]
    return None


def mailbox_read(*, batch: int = BATCH) -> int:
    """Read the new messages of ``IMAP_FOLDER`` and store each once; returns how many were
    stored now. Does nothing without ``IMAP_HOST``."""
    if not settings.IMAP_HOST:
        return 0
    state, _created = MailboxState.objects.get_or_create(mailbox=_mailbox_name()[:255])
    stored = 0
    try:
        connection = _connect()
    except OSError as error:
        _record(state, f"{type(error).__name__}: {error}")
        raise
    try:
        connection.login(settings.IMAP_USER, settings.IMAP_PASSWORD)
        typ, _data = connection.select(_quoted(settings.IMAP_FOLDER), readonly=True)
        if typ != "OK":
            raise imaplib.IMAP4.error(f"SELECT {settings.IMAP_FOLDER}: {typ}")
        uidvalidity = _uidvalidity(connection)
        last_uid = state.last_uid if state.uidvalidity == uidvalidity else 0
        if state.uidvalidity != uidvalidity:
            MailboxState.objects.filter(pk=state.pk).update(uidvalidity=uidvalidity, last_uid=0)
        _typ, data = connection.uid("SEARCH", None, f"UID {last_uid + 1}:*")
        # «n:*» always includes the last message, even below n: keep only the new ones.
        uids = sorted(int(uid) for uid in (data[0] or b"").split() if int(uid) > last_uid)
        for uid in uids[:batch]:
            _typ, fetched = connection.uid("FETCH", str(uid), "(BODY.PEEK[])")
            raw = _raw(fetched)
            if raw is not None and services.incoming_store(parse_email(raw)) is not None:
                stored += 1
            # Only forward, whichever of two concurrent readers gets here last.
            MailboxState.objects.filter(pk=state.pk, last_uid__lt=uid).update(last_uid=uid)
        _record(state, "")
    except Exception as error:
        _record(state, f"{type(error).__name__}: {error}")
        raise
    finally:
        with contextlib.suppress(Exception):  # the connection is gone already
            connection.logout()
    return stored


def _record(state: MailboxState, error: str) -> None:
    MailboxState.objects.filter(pk=state.pk).update(
        checked_at=timezone.now(), last_error=error[:2000]
    )
    if error:
        logger.warning("Mailbox %s not read: %s", state.mailbox, error)
