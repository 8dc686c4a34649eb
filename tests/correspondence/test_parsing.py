"""Parsing replies as mail programs write them, from hand-built raw messages: Russian
charsets, encoded-word subjects, RFC 2231 and Outlook-style file names, alternatives and
nested multiparts."""

from __future__ import annotations

import base64
import quopri

from correspondence.parsing import html_to_text, parse_email, safe_filename


def b64(text: str, charset: str) -> str:
    return base64.b64encode(text.encode(charset)).decode()


def test_windows_1251_plain_body_and_base64_subject():
    body = "Добрый день! Пересчет согласован.".encode("windows-1251")
    raw = (
        b"From: =?windows-1251?B?"
        + b64("Иван Петров", "windows-1251").encode()
        + b"?= <ivan@client.example>\r\n"
        b"To: crm+d5.0123456789ab@fulfil.example\r\n"
        b"Subject: =?windows-1251?B?" + b64("Ответ: пересчет", "windows-1251").encode() + b"?=\r\n"
        b"Message-ID: <m1@client.example>\r\n"
        b"Date: Fri, 04 Dec 2026 10:00:00 +0300\r\n"
        b"MIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=windows-1251\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n" + body + b"\r\n"
    )
    parsed = parse_email(raw)
    assert parsed.subject == "Ответ: пересчет"
    assert parsed.from_name == "Иван Петров"
    assert parsed.from_address == "ivan@client.example"
    assert parsed.body == "Добрый день! Пересчет согласован."
    assert parsed.key == "<m1@client.example>"
    assert parsed.recipients == ["crm+d5.0123456789ab@fulfil.example"]
    assert parsed.sent_at.isoformat() == "2026-12-04T10:00:00+03:00"


def test_koi8r_quoted_printable_body_and_subject():
    body = quopri.encodestring("Счет получили, оплатим в пятницу.".encode("koi8-r"))
    subject = quopri.encodestring("Счет 17 оплачен".encode("koi8-r"), header=True).decode()
    raw = (
        b"From: client@client.example\r\n"
        b"To: crm@fulfil.example\r\n"
        b"Subject: =?koi8-r?Q?" + subject.encode() + b"?=\r\n"
        b"Message-ID: <m2@client.example>\r\n"
        b'Content-Type: text/plain; charset="koi8-r"\r\n'
        b"Content-Transfer-Encoding: quoted-printable\r\n\r\n" + body + b"\r\n"
    )
    parsed = parse_email(raw)
    assert parsed.subject == "Счет 17 оплачен"
    assert parsed.body == "Счет получили, оплатим в пятницу."


def test_multipart_alternative_prefers_plain_text():
    raw = (
        b"From: a@client.example\r\nSubject: alt\r\nMessage-ID: <m3@x>\r\n"
        b'Content-Type: multipart/alternative; boundary="b1"\r\n\r\n'
        b"--b1\r\nContent-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n"
        + base64.b64encode("Простой текст".encode())
        + b"\r\n--b1\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        + "<p>HTML <b>версия</b></p>".encode()
        + b"\r\n--b1--\r\n"
    )
    parsed = parse_email(raw)
    assert parsed.body == "Простой текст"
    assert parsed.attachments == []  # the HTML twin is not a file


def test_html_only_body_is_stripped_to_text():
    html = (
        "<html><head><style>p{color:red}</style></head><body><p>Здравствуйте,</p>"
        "<p>акт&nbsp;подпишем &laquo;завтра&raquo;.<br>Спасибо</p>"
        "<script>x()</script></body></html>"
    )
    raw = (
        b"From: a@client.example\r\nSubject: html\r\nMessage-ID: <m4@x>\r\n"
        b"Content-Type: text/html; charset=windows-1251\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n" + html.encode("windows-1251")
    )
    assert parse_email(raw).body == "Здравствуйте,\n\nакт подпишем «завтра».\nСпасибо"


def test_nested_multiparts_with_rfc2231_and_outlook_file_names():
    """multipart/mixed holding multipart/related holding multipart/alternative, then two
    files: one named by RFC 2231 in windows-1251, one Outlook-style (an encoded word inside
    quotes, in both Content-Type's name and Content-Disposition's filename)."""
    outlook_name = "=?windows-1251?B?" + b64("Акт подписанный.pdf", "windows-1251") + "?="
    raw = (
        "From: =?utf-8?Q?=D0=9E=D0=9E=D0=9E?= <buh@client.example>\r\n"
        "Subject: =?utf-8?B?" + b64("Документы по сделке", "utf-8") + "?=\r\n"
        "Message-ID: <m5@client.example>\r\n"
        "In-Reply-To: <sent-1@fulfil.example>\r\n"
        "References: <sent-0@fulfil.example> <sent-1@fulfil.example>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="outer"\r\n\r\n'
        "--outer\r\n"
        'Content-Type: multipart/related; boundary="rel"\r\n\r\n'
        "--rel\r\n"
        'Content-Type: multipart/alternative; boundary="alt"\r\n\r\n'
        "--alt\r\nContent-Type: text/plain; charset=koi8-r\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n"
        + b64("Высылаем акт и реестр.", "koi8-r")
        + "\r\n"
        "--alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Высылаем</p>\r\n"
        "--alt--\r\n"
        "--rel--\r\n"
        "--outer\r\n"
        "Content-Type: application/vnd.ms-excel\r\n"
        "Content-Disposition: attachment;\r\n"
        " filename*=windows-1251''%D0%E5%E5%F1%F2%F0.xls\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n"
        + base64.b64encode(b"\xd0\xcf\x11\xe0 xls bytes").decode()
        + "\r\n"
        "--outer\r\n"
        f'Content-Type: application/pdf; name="{outlook_name}"\r\n'
        f'Content-Disposition: attachment; filename="{outlook_name}"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n"
        + base64.b64encode(b"%PDF-1.4 act").decode()
        + "\r\n--outer--\r\n"
    ).encode()
    parsed = parse_email(raw)
    assert parsed.subject == "Документы по сделке"
    assert parsed.from_name == "ООО"
    assert parsed.body == "Высылаем акт и реестр."
    assert parsed.in_reply_to == ["<sent-1@fulfil.example>"]
    assert parsed.references == ["<sent-0@fulfil.example>", "<sent-1@fulfil.example>"]
    assert [(a.name, a.content_type, a.content) for a in parsed.attachments] == [
        ("Реестр.xls", "application/vnd.ms-excel", b"\xd0\xcf\x11\xe0 xls bytes"),
        ("Акт подписанный.pdf", "application/pdf", b"%PDF-1.4 act"),
    ]


def test_rfc2231_continuations_in_utf8():
    raw = (
        b"From: a@client.example\r\nSubject: f\r\nMessage-ID: <m6@x>\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\ntext\r\n"
        b"--b\r\nContent-Type: application/octet-stream\r\n"
        b"Content-Disposition: attachment;\r\n"
        b" filename*0*=utf-8''%D0%A1%D1%87%D0%B5%D1%82;\r\n"
        b" filename*1*=%20%E2%84%96%201.pdf\r\n\r\nbytes\r\n"
        b"--b--\r\n"
    )
    (attachment,) = parse_email(raw).attachments
    assert attachment.name == "Счет № 1.pdf"
    assert attachment.content == b"bytes"


def test_message_without_id_is_keyed_by_its_hash_and_unknown_charset_survives():
    raw = (
        b"From: a@client.example\r\nSubject: no id\r\n"
        b"Content-Type: text/plain; charset=x-unknown-charset\r\n\r\n"
        + "Текст".encode("windows-1251")
    )
    parsed = parse_email(raw)
    assert parsed.key.startswith("sha256:") and len(parsed.key) == 7 + 64
    assert parse_email(raw).key == parsed.key  # the same message, the same key
    assert parsed.body == "Текст"  # not UTF-8, so read as windows-1251


def test_safe_filename_drops_paths_and_reserved_characters():
    assert safe_filename("..\\..\\etc/passwd") == "passwd"
    assert safe_filename("a<b>:c?.pdf") == "a_b_c_.pdf"
    long = "я" * 200 + ".pdf"
    assert len(safe_filename(long)) == 120 and safe_filename(long).endswith(".pdf")


def test_html_to_text_keeps_paragraphs():
    assert html_to_text("<div>Один</div><div>Два &amp; три</div>") == "Один\n\nДва & три"
