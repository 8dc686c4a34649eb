"""Reading a raw e-mail as the client's mail program wrote it: the standard library's
``email`` package with ``policy.default`` decodes headers (encoded words, quoted-printable or
base64, in any charset Python knows: windows-1251, KOI8-R), RFC 2231 parameters and the
bodies' transfer encodings. What is left here: choosing the text (text/plain first, else the
HTML stripped of its tags), collecting the attachments of nested multiparts, and the repairs
real mail needs (a charset Python does not know, an Outlook file name left as an encoded
word inside quotes)."""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr, parsedate_to_datetime
from html.parser import HTMLParser
from pathlib import PurePath

from django.utils import timezone

MAX_BODY_CHARS = 100_000  # a reply's text on the timeline; longer is cut (the raw stays out)
_MSGID = re.compile(r"<[^<>\s]+>")
_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


@dataclass
class Attachment:
    name: str
    content_type: str
    content: bytes


@dataclass
class ParsedEmail:
    message_id: str
    key: str
    from_name: str
    from_address: str
    recipients: list[str]  # To, Cc, Delivered-To, X-Original-To: every address it came to
    to_display: str
    subject: str
    body: str
    sent_at: datetime | None
    in_reply_to: list[str]
    references: list[str]
    attachments: list[Attachment] = field(default_factory=list)


def parse_email(raw: bytes) -> ParsedEmail:
    """The parts of a raw message the CRM keeps."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    message_id = _first_id(_header(message, "Message-ID"))
    body_part = _body_part(message)
    name, address = parseaddr(_header(message, "From"))
    headers = [_header(message, "To"), _header(message, "Cc")]
    for header in ("Delivered-To", "X-Original-To", "Envelope-To"):
        headers += [str(value) for value in message.get_all(header, [])]
    recipients = [address.lower() for _name, address in getaddresses(headers) if address]
    return ParsedEmail(
        message_id=message_id,
        key=message_id[:255] if message_id else "sha256:" + hashlib.sha256(raw).hexdigest(),
        from_name=_one_line(name)[:255],
        from_address=address[:255],
        recipients=list(dict.fromkeys(recipients)),
        to_display=_one_line(_header(message, "To")),
        subject=_one_line(_header(message, "Subject"))[:255],
        body=(_text_of(body_part) if body_part is not None else "")[:MAX_BODY_CHARS],
        sent_at=_date(_header(message, "Date")),
        in_reply_to=_MSGID.findall(_header(message, "In-Reply-To")),
        references=_MSGID.findall(_header(message, "References")),
        attachments=_attachments(message, body_part),
    )


def _header(message: EmailMessage, name: str) -> str:
    """A header as text; a header the parser cannot make sense of is decoded by hand rather
    than losing the message."""
    try:
        value = message.get(name)
    except Exception:  # a malformed header: fall back to its raw words
        value = None
        for key, raw in message.raw_items():
            if key.lower() == name.lower():
                value = _decode_words(raw)
                break
    return "" if value is None else str(value)


def _decode_words(value: str) -> str:
    try:
        return str(make_header(decode_header(value)))
    except Exception:
        return value


def _one_line(value: str) -> str:
    return " ".join(value.split())


def _first_id(value: str) -> str:
    found = _MSGID.findall(value)
    return found[0] if found else value.strip()


def _date(value: str) -> datetime | None:
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment is None:
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.utc)
    return moment


def _body_part(message: EmailMessage) -> EmailMessage | None:
    """The part people read: text/plain if there is one, else the HTML (nested
    multipart/alternative and multipart/related inside multipart/mixed are searched)."""
    try:
        return message.get_body(preferencelist=("plain", "html"))
    except Exception:
        return None


def _text_of(part: EmailMessage) -> str:
    text = _decoded_text(part)
    if part.get_content_subtype() == "html":
        text = html_to_text(text)
    return text.replace("\r\n", "\n").strip()


def _decoded_text(part: EmailMessage) -> str:
    """The part's text in its declared charset; an unknown or lying charset is read as
    UTF-8, then windows-1251, with undecodable bytes replaced rather than failing."""
    try:
        return part.get_content()
    except (LookupError, UnicodeDecodeError, AssertionError):
        payload = part.get_payload(decode=True) or b""
        for charset in ("utf-8", "windows-1251"):
            try:
                return payload.decode(charset)
            except UnicodeDecodeError:
                continue
        return payload.decode("utf-8", errors="replace")


class _TextExtractor(HTMLParser):
    """HTML to the text a person reads: scripts and styles dropped, blocks on new lines."""

    _BLOCKS = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "blockquote", "table"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in ("script", "style", "head"):
            self._skip += 1
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head") and self._skip:
            self._skip -= 1
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    extractor = _TextExtractor()
    extractor.feed(markup)
    extractor.close()
    text = html.unescape("".join(extractor.parts))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _attachments(message: EmailMessage, body_part: EmailMessage | None) -> list[Attachment]:
    """Every leaf part that is a file, at any depth, except the text chosen as the body and
    the other renderings of it (multipart/alternative's HTML twin)."""
    found = []
    for part in message.walk():
        if part.is_multipart() or part is body_part:
            continue
        disposition = part.get_content_disposition()
        filename = _filename(part)
        if not filename and disposition != "attachment":
            continue  # the body's other rendering, or an inline part with no name
        content = part.get_payload(decode=True) or b""
        name = safe_filename(filename) or f"attachment-{len(found) + 1}"
        found.append(Attachment(name=name, content_type=part.get_content_type(), content=content))
    return found


def _filename(part: EmailMessage) -> str:
    """The file name from Content-Disposition's ``filename`` or Content-Type's ``name``:
    RFC 2231 (``filename*=windows-1251''…``) is decoded by the policy; an encoded word left
    inside quotes (Outlook: ``name="=?windows-1251?B?…?="``) is decoded here."""
    try:
        name = part.get_filename() or part.get_param("name", header="content-type") or ""
    except Exception:
        name = ""
    if isinstance(name, tuple):  # an RFC 2231 value the policy left undecoded
        charset, _language, value = name
        try:
            name = value.encode("latin-1").decode(charset or "utf-8")
        except (LookupError, UnicodeError):
            name = value
    name = str(name)
    if "=?" in name:
        name = _decode_words(name)
    return name


def safe_filename(name: str) -> str:
    """A file name safe to store: the last path component, no control or reserved
    characters, at most 120 characters with its extension kept."""
    name = _UNSAFE_NAME.sub("_", PurePath(name.replace("\\", "/")).name).strip(" .")
    if len(name) > 120:
        stem, dot, extension = name.rpartition(".")
        name = (stem[: 120 - len(extension) - 1] + dot + extension) if dot else name[:120]
    return name
