"""Real mail servers for the client's mail tests: an SMTP server (aiosmtpd) that keeps what it
receives, and Debian's dovecot serving IMAP from a Maildir the test fills (by APPEND)."""

from __future__ import annotations

import email
import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from email import policy
from pathlib import Path

import pytest
from django.core.files.base import ContentFile

from tests.browser.conftest import (  # noqa: F401  (the browser fixtures, for test_browser)
    browser_context_args,
    browser_type_launch_args,
    login,
    screenshot,
)
from tests.conftest import require_service
from tests.factories import ContactFactory, make_deal

DOVECOT = "/usr/sbin/dovecot"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes

    @property
    def message(self):
        return email.message_from_bytes(self.content, policy=policy.default)


@dataclass
class SmtpServer:
    port: int
    received: list[Received] = field(default_factory=list)
    refuse: str = ""  # an SMTP reply («550 …») to answer DATA with instead of accepting

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.refuse:
            return self.refuse
        self.received.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
        )
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp(settings):
    """An SMTP server on a free port, and the SMTP backend pointed at it."""
    from aiosmtpd.controller import Controller

    server = SmtpServer(port=free_port())
    controller = Controller(server, hostname="127.0.0.1", port=server.port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 10
    try:
        yield server
    finally:
        controller.stop()


@pytest.fixture(autouse=True)
def _mail_addresses(settings):
    settings.CLIENT_MAIL_FROM = "Фулфилмент <crm@fulfil.example>"
    settings.CLIENT_MAIL_REPLY_TO = "crm@fulfil.example"


@dataclass
class ImapServer:
    port: int
    user: str
    password: str

    def append(self, *raw_messages: bytes) -> None:
        """Deliver messages into the INBOX, as a mail server would."""
        connection = imaplib.IMAP4("127.0.0.1", self.port)
        try:
            connection.login(self.user, self.password)
            for raw in raw_messages:
                typ, data = connection.append("INBOX", None, None, raw)
                assert typ == "OK", data
        finally:
            connection.logout()


def _dovecot_config(root: Path, port: int, mail_uid: int, mail_gid: int) -> str:
    """A minimal dovecot 2.3 configuration: IMAP on the loopback, plain login without TLS, a
    passwd-file user whose Maildir is under ``root``. As root (CI) the login and internal
    processes run as Debian's ``dovenull``/``dovecot`` users (dovecot refuses root for them)
    and mail as ``dovecot`` (it refuses uid 0 for mail); otherwise all as the current user."""
    if os.geteuid() == 0:
        internal, login = "dovecot", "dovenull"
    else:
        internal = login = pwd.getpwuid(os.geteuid()).pw_name
    return f"""
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_login_user = {login}
mail_location = maildir:{root}/home/Maildir
first_valid_uid = {mail_uid}
first_valid_gid = {mail_gid}
passdb {{
  driver = passwd-file
  args = {root}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_uid} gid={mail_gid} home={root}/home
}}
service imap-login {{
  inet_listener imap {{
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
"""


@pytest.fixture
def imap(settings):
    """dovecot serving IMAP on a free port with an empty INBOX; IMAP_* settings point at it."""
    require_service(os.access(DOVECOT, os.X_OK), "dovecot (/usr/sbin/dovecot)")
    root = Path(tempfile.mkdtemp(prefix="crm-dovecot-"))
    root.chmod(0o755)  # dovecot's unprivileged processes read the passwd file
    if os.geteuid() == 0:
        account = pwd.getpwnam("dovecot")
        mail_uid, mail_gid = account.pw_uid, account.pw_gid
    else:
        mail_uid, mail_gid = os.geteuid(), os.getegid()
    (root / "home").mkdir()
    os.chown(root / "home", mail_uid, mail_gid)
    (root / "passwd").write_text("crm:{PLAIN}mail-secret::::::\n")
    (root / "passwd").chmod(0o644)
    port = free_port()
    (root / "dovecot.conf").write_text(_dovecot_config(root, port, mail_uid, mail_gid))
    process = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(root / "dovecot.conf")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as probe:
                    if probe.recv(100).startswith(b"* OK"):
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
                output = process.stdout.read().decode() if process.poll() is not None else ""
                pytest.fail(f"dovecot did not start: {output}\n{log}")
            time.sleep(0.1)
        settings.IMAP_HOST = "127.0.0.1"
        settings.IMAP_PORT = port
        settings.IMAP_SSL = False
        settings.IMAP_USER = "crm"
        settings.IMAP_PASSWORD = "mail-secret"
        settings.IMAP_FOLDER = "INBOX"
        yield ImapServer(port=port, user="crm", password="mail-secret")
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout:
            process.stdout.close()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def client_deal(manager):
    """An acceptance deal of ``manager`` whose contact has an e-mail, with a КП, a recount
    and an invoice file."""
    contact = ContactFactory(name="Ирина Клиентова", email="irina@client.example")
    deal = make_deal(
        "acceptance",
        "recount_approval",
        responsible=manager,
        contact=contact,
        proposal_file=ContentFile(b"%PDF-1.4 proposal", name="КП.pdf"),
        recount_file=ContentFile(b"SKU;qty\n1;10\n", name="Пересчет.csv"),
        invoice_file=ContentFile(b"%PDF-1.4 invoice 17", name="Счет 17.pdf"),
        invoice_number="17",
    )
    deal.contact = contact  # the pipeline requires none; this deal has one
    deal.save(update_fields=["contact"])
    return deal
