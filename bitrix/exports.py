"""Bitrix24's export files read into rows: the CSV export (``;``-separated, quoted, a trailing
``;``, UTF-8 with or without BOM or windows-1251) and the "Excel" export (an HTML table saved
as ``.xls``). Column titles are localized (Russian or English); each is matched to what it
means (``COLUMNS``), and the kind of file — deals, companies, contacts — is told by them."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Literal

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

Kind = Literal["deal", "company", "contact"]

# Column titles (lower case, «ё» as «е») by what they mean; Russian and English portals.
COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("id",),
    "title": (
        "название сделки",
        "название компании",
        "название",
        "deal name",
        "deal title",
        "company name",
        "company title",
        "title",
    ),
    "pipeline": ("направление", "воронка", "направление сделки", "pipeline", "deal pipeline"),
    "stage": ("стадия сделки", "стадия", "stage", "deal stage"),
    "amount": ("сумма", "amount", "opportunity", "income", "deal amount"),
    "currency": ("валюта", "currency"),
    "company": ("компания", "company"),
    "contact": ("контакт", "contact"),
    "responsible": ("ответственный", "responsible", "responsible person", "assigned to"),
    "created": ("дата создания", "created", "date created", "created on"),
    "comment": ("комментарий", "комментарии", "comment", "comments"),
    "loss_reason": ("причина отказа", "причина провала", "причина проигрыша", "loss reason"),
    "product": ("товар", "product"),
    "price": ("цена", "price"),
    "quantity": ("количество", "quantity"),
    "first_name": ("имя", "first name", "name"),
    "last_name": ("фамилия", "last name"),
    "second_name": ("отчество", "second name", "middle name"),
    "position": ("должность", "position", "post"),
    "inn": ("инн", "inn", "tin"),
    "kpp": ("кпп", "kpp"),
    "ogrn": ("огрн", "огрнип", "ogrn"),
    "legal_name": (
        "полное наименование",
        "наименование организации",
        "сокращенное наименование",
        "legal name",
        "company full name",
    ),
    "legal_address": ("юридический адрес", "адрес регистрации", "legal address"),
    "bik": ("бик", "бик банка", "bik"),
    "bank_account": ("расчетный счет", "р/с", "bank account", "account number"),
    "signatory": ("руководитель", "директор", "генеральный директор", "signatory"),
}
# Columns with one per type («Телефон рабочий», «E-mail частный»): the first filled one counts.
MULTI_PREFIXES = {
    "phone": ("телефон", "phone", "мобильный телефон", "рабочий телефон"),
    "email": ("e-mail", "email", "электронная почта", "рабочий e-mail", "частный e-mail"),
}
# «Реквизит: ИНН», «Реквизит (Россия): ИНН», «Банковский реквизит: БИК» name the detail after
# the colon.
_REQUISITE = re.compile(r"^(банковск\w* )?реквизит\w*( \([^)]*\))?:\s*", re.IGNORECASE)
_TITLES = {title: key for key, titles in COLUMNS.items() for title in titles}


UNKNOWN_KIND = _(
    "«%(name)s»: the column titles do not tell what was exported (deals, companies or "
    "contacts). Export from Bitrix24 with the column titles in the first line."
)


class ExportError(ValueError):
    """The file is not a Bitrix24 export this import can read."""


@dataclass
class Row:
    line: int  # the file's line (CSV) or table row (HTML), the header being 1
    values: dict[str, str]  # by meaning (``COLUMNS`` keys, ``phone``, ``email``)
    raw: dict[str, str]  # as exported, by column title


@dataclass
class Export:
    name: str
    kind: Kind
    encoding: str
    rows: list[Row] = field(default_factory=list)


def normalize_title(title: str) -> str:
    title = " ".join(title.replace("\ufeff", "").split()).lower().replace("ё", "е")
    return _REQUISITE.sub("", title)


def column_key(title: str) -> str | None:
    """What a column title means, or None for a column the import does not read."""
    title = normalize_title(title)
    if title in _TITLES:
        return _TITLES[title]
    for key, prefixes in MULTI_PREFIXES.items():
        if any(
            title == p or title.startswith(p + " ") or title.endswith(" " + p) for p in prefixes
        ):
            return key
    return None


def decode(data: bytes) -> tuple[str, str]:
    """The text of an export and its encoding: UTF-8 (with or without BOM), else windows-1251."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1251"), "windows-1251"


class _TableParser(HTMLParser):
    """The cells of the first table of an HTML document, row by row."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None
        self._tables = 0
        self._done = False

    def handle_starttag(self, tag: str, attrs) -> None:
        if self._done:
            return
        if tag == "table":
            self._tables += 1
        elif tag == "tr" and self._tables:
            self.rows.append([])
        elif tag in ("td", "th") and self.rows:
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if self._done:
            return
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table":
            self._done = True

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _html_rows(text: str) -> list[list[str]]:
    parser = _TableParser()
    parser.feed(text)
    parser.close()
    return [row for row in parser.rows if row]


def _csv_rows(text: str) -> list[list[str]]:
    return [row for row in csv.reader(io.StringIO(text), delimiter=";", quotechar='"') if row]


def _kind(keys: set[str]) -> Kind | None:
    if "stage" in keys:
        return "deal"
    if {"first_name", "last_name"} & keys:
        return "contact"
    if "title" in keys:
        return "company"
    return None


def read_export(data: bytes, name: str) -> Export:
    """Read one export file (its bytes and name) into rows keyed by meaning."""
    text, encoding = decode(data)
    head = text.lstrip()[:1000].lower()
    is_html = head.startswith("<") and ("<table" in text.lower() or "<html" in head)
    if is_html:
        charset = re.search(r"charset=[\"']?([\w-]+)", text[:2000], re.IGNORECASE)
        if (
            charset
            and charset.group(1).lower() in ("windows-1251", "cp1251")
            and encoding != ("windows-1251")
        ):
            text, encoding = data.decode("cp1251"), "windows-1251"
        table = _html_rows(text)
    else:
        table = _csv_rows(text)
    if not table:
        raise ExportError(gettext("«%(name)s»: the file is empty.") % {"name": name})
    header = table[0]
    while header and not header[-1].strip():  # the trailing «;» of every line
        header = header[:-1]
    keys = [column_key(title) for title in header]
    kind = _kind({k for k in keys if k})
    if kind is None:
        raise ExportError(gettext(UNKNOWN_KIND) % {"name": name})
    if kind == "contact":
        # In a contact export «Компания» is the company; «Название» does not occur.
        keys = ["company" if k == "title" else k for k in keys]
    export = Export(name=name, kind=kind, encoding=encoding)
    for number, cells in enumerate(table[1:], start=2):
        cells = [c.strip() for c in cells[: len(header)]]
        if not any(cells):
            continue
        raw = dict(zip(header, cells, strict=False))
        values: dict[str, str] = {}
        for key, cell in zip(keys, cells, strict=False):
            if key and cell and not values.get(key):
                values[key] = cell
        export.rows.append(Row(line=number, values=values, raw=raw))
    return export
