"""Import of Bitrix24's exports: companies, then contacts, then deals, each row imported whole
or rejected with its reason, through the same services as every other path.

Matching makes a re-run change nothing: a record imported before is found by its Bitrix24 ID;
otherwise a company by INN, then by its exact title; a contact by phone (``8 (916) 123-45-67``
is ``+79161234567``) or e-mail; a person («Ответственный») by full name or e-mail among the
users. Deals are matched by their Bitrix24 ID only; a deal exported as several product lines
(repeated once per line) is one deal whose amount is the sum of its lines.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bitrix.exports import Export, Kind, Row, column_key
from bitrix.mapping import Mapping
from deals import services
from deals.exceptions import DealFieldError
from deals.models import Company, Contact, Deal
from deals.pipelines import get_pipeline
from deals.pipelines.fields import field_label
from deals.services.imports import deal_import
from fulfillment.exceptions import ApplicationError
from fulfillment.roles import AnyUser, person_name

KINDS: tuple[Kind, ...] = ("company", "contact", "deal")
CHUNK = 500  # records per transaction of a real run
OUTCOMES = ("created", "updated", "unchanged", "rejected")
KIND_LABELS = {"company": _("Companies"), "contact": _("Contacts"), "deal": _("Deals")}
OUTCOME_LABELS = {
    "created": _("created"),
    "updated": _("updated"),
    "unchanged": _("unchanged"),
    "rejected": _("rejected"),
}
COMPANY_FIELDS = (
    "inn",
    "kpp",
    "ogrn",
    "legal_name",
    "legal_address",
    "bik",
    "bank_account",
    "signatory",
    "phone",
    "email",
)
CONTACT_FIELDS = ("name", "position", "phone", "email")

NO_TITLE = _("No title.")
NO_ID = _("No Bitrix24 ID: without it a deal could not be found again on a re-run.")
BAD_ID = _("The ID «%(value)s» is not a number.")
BAD_NUMBER = _("«%(value)s» in «%(column)s» is not a number.")
BAD_DATE = _("«%(value)s» in «%(column)s» is not a date.")
UNKNOWN_PIPELINE = _(
    "Unknown pipeline «%(name)s»: name it in the mapping file (one of our five pipelines)."
)
NO_PIPELINE = _("No pipeline: add the column or set default_pipeline in the mapping file.")
UNKNOWN_STAGE = _(
    "The pipeline «%(pipeline)s» has no stage «%(name)s»: name it in the mapping file."
)
UNKNOWN_PERSON = _("No user «%(name)s» (by full name or e-mail).")
DEFAULT_PERSON = _("Line %(line)s of «%(file)s»: no user «%(name)s»; %(user)s is responsible.")
NO_COMPANY = _("The contact has no company: in the CRM every contact belongs to a company.")
NO_REACH = _("The contact has neither a phone nor an e-mail.")
DUPLICATE = _(
    "Line %(line)s of «%(file)s» is the same %(record)s as line %(first)s of «%(first_file)s» "
    "(%(by)s): left as that line imported it."
)
COMPANY_MADE = _("Line %(line)s of «%(file)s»: the company «%(name)s» was not in the CRM; added.")


def normalize_phone(phone: str) -> str:
    """One form of a Russian phone number: ``8 (916) 123-45-67`` → ``+79161234567``."""
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) == 11 and digits[0] == "8":
        digits = "7" + digits[1:]
    elif len(digits) == 10:
        digits = "7" + digits
    return "+" + digits if digits else ""


def _words(name: str) -> frozenset[str]:
    return frozenset(name.lower().replace("ё", "е").split())


def _title(name: str) -> str:
    return " ".join(name.split()).lower().replace("ё", "е")


def parse_number(value: str) -> Decimal:
    """A number as exported: ``1 500 000,50``, ``1500000.50``."""
    text = re.sub(r"[\s\u00a0₽]|руб\.?|RUB", "", value or "")
    if "," in text and "." in text:
        text = text.replace(",", "")
    number = Decimal(text.replace(",", "."))
    if not number.is_finite():
        raise InvalidOperation
    return number


def parse_datetime(value: str) -> datetime.datetime:
    value = value.strip()
    for pattern in ("%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y"):
        try:
            return timezone.make_aware(datetime.datetime.strptime(value, pattern))
        except ValueError:
            continue
    parsed = datetime.datetime.fromisoformat(value)
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


class Rejection(Exception):
    """A row that is not imported, and why (in the user's language)."""


@dataclass
class Rejected:
    file: str
    line: int
    kind: Kind
    reason: str
    raw: dict[str, str]


@dataclass
class Report:
    counts: dict[str, Counter] = field(default_factory=lambda: {k: Counter() for k in KINDS})
    rejected: list[Rejected] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    dry_run: bool = False

    def count(self, kind: Kind, outcome: str) -> None:
        self.counts[kind][outcome] += 1

    def summary(self) -> list[str]:
        """One line per kind: «Сделки: создано 10, обновлено 0, без изменений 2, отклонено 1»."""
        return [
            f"{KIND_LABELS[kind]}: "
            + ", ".join(f"{OUTCOME_LABELS[o]} {self.counts[kind][o]}" for o in OUTCOMES)
            for kind in KINDS
        ]

    def as_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "counts": {kind: {o: self.counts[kind][o] for o in OUTCOMES} for kind in KINDS},
            "summary": self.summary(),
            "warnings": self.warnings,
            "rejected": [
                {"file": r.file, "line": r.line, "kind": r.kind, "reason": r.reason}
                for r in self.rejected
            ],
        }

    def rejected_csv(self) -> str:
        """The rejected rows with their reasons, as a CSV to open in Excel (``;``, BOM)."""
        out = io.StringIO()
        out.write("\ufeff")
        writer = csv.writer(out, delimiter=";")
        writer.writerow(
            [
                gettext("File"),
                gettext("Line"),
                gettext("Record"),
                gettext("Reason"),
                gettext("Data"),
            ]
        )
        for r in self.rejected:
            data = " | ".join(f"{k}: {v}" for k, v in r.raw.items() if v)
            writer.writerow([r.file, r.line, str(KIND_LABELS[r.kind]), r.reason, data])
        return out.getvalue()


def _messages(error: Exception) -> str:
    if isinstance(error, DealFieldError) and error.errors:
        return "; ".join(f"{_deal_label(code)}: {' '.join(m)}" for code, m in error.errors.items())
    if isinstance(error, ValidationError):
        if hasattr(error, "error_dict"):
            return "; ".join(
                f"{_label(name)}: {' '.join(messages)}"
                for name, messages in error.message_dict.items()
            )
        return " ".join(error.messages)
    if isinstance(error, ApplicationError):
        return error.message
    return str(error)


def _deal_label(code: str) -> str:
    try:
        return field_label(code)
    except FieldDoesNotExist:  # not a field's code
        return code


def _label(name: str) -> str:
    try:
        return str(Company._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:  # a non-field key, e.g. "__all__"
        return name


class Importer:
    """One import run: ``run(exports)`` returns its ``Report``. ``actor`` is the administrator
    the changes are recorded as made by; ``default_responsible`` takes the deals and companies
    of people who are not users (else such a row is rejected); ``progress(done, total)`` is
    told after each record."""

    def __init__(
        self,
        *,
        actor: AnyUser | None,
        mapping: Mapping,
        default_responsible: AnyUser | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        self.actor = actor
        self.mapping = mapping
        self.default_responsible = default_responsible
        self.progress = progress
        self.report = Report()
        self._added: list[tuple[dict, Any]] = []
        # The records this run has imported, with the line that did: a later line matching one
        # (a duplicate in the export) is not applied over it.
        self._imported: dict[tuple[str, int], tuple[int, str]] = {}
        self._load_people()
        self._load_companies()
        self._load_contacts()
        self.deal_ids = set(
            Deal.objects.filter(bitrix24_id__isnull=False).values_list("bitrix24_id", flat=True)
        )

    # --- lookups, loaded once per run ----------------------------------------------------

    def _load_people(self) -> None:
        self.people: dict[Any, Any] = {}
        for user in get_user_model().objects.filter(is_active=True):
            if user.email:
                self.people[user.email.lower()] = user
            self.people[_words(person_name(user))] = user
            self.people[_words(f"{user.first_name} {user.last_name}")] = user
            self.people[user.get_username().lower()] = user

    def _load_companies(self) -> None:
        self.companies_by_id: dict[int, Company] = {}
        self.companies_by_inn: dict[str, Company] = {}
        self.companies_by_title: dict[str, Company] = {}
        for company in Company.objects.all():
            self._remember_company(company)

    def _remember(self, lookup: dict, key: Any, record: Any) -> None:
        """Add to a lookup, noting it so that a rejected row's additions can be taken back."""
        if key not in lookup:
            lookup[key] = record
            self._added.append((lookup, key))

    def _remember_company(self, company: Company) -> None:
        if company.bitrix24_id:
            self._remember(self.companies_by_id, company.bitrix24_id, company)
        if company.inn:
            self._remember(self.companies_by_inn, company.inn, company)
        self._remember(self.companies_by_title, _title(company.name), company)

    def _load_contacts(self) -> None:
        self.contacts_by_id: dict[int, Contact] = {}
        self.contacts_by_reach: dict[str, Contact] = {}
        self.contacts_by_name: dict[tuple[int, frozenset], Contact] = {}
        for contact in Contact.objects.all():
            self._remember_contact(contact)

    def _remember_contact(self, contact: Contact) -> None:
        if contact.bitrix24_id:
            self._remember(self.contacts_by_id, contact.bitrix24_id, contact)
        if contact.phone:
            self._remember(self.contacts_by_reach, normalize_phone(contact.phone), contact)
        if contact.email:
            self._remember(self.contacts_by_reach, contact.email.lower(), contact)
        self._remember(self.contacts_by_name, (contact.company_id, _words(contact.name)), contact)

    def person(self, name: str, row: Row, file: str) -> Any:
        """The user named (full name in either order, e-mail or login), else the default
        responsible with a warning, else the row is rejected."""
        key = name.strip()
        user = self.people.get(key.lower()) or self.people.get(_words(key))
        if user is not None:
            return user
        if self.default_responsible is not None:
            self.report.warnings.append(
                gettext(DEFAULT_PERSON)
                % {
                    "line": row.line,
                    "file": file,
                    "name": key,
                    "user": person_name(self.default_responsible),
                }
            )
            return self.default_responsible
        raise Rejection(gettext(UNKNOWN_PERSON) % {"name": key})

    # --- the run ---------------------------------------------------------------------------

    def run(self, exports: Iterable[Export], *, dry_run: bool = False) -> Report:
        """Import the exports, companies first, then contacts, then deals. A dry run does
        everything in a transaction it rolls back: its report is exactly what a real run
        would do, and nothing is written."""
        exports = list(exports)
        self.report.dry_run = dry_run
        work: list[tuple[Kind, str, list[Row]]] = []
        for kind in KINDS:
            for export in exports:
                if export.kind != kind:
                    continue
                groups = _deal_groups(export.rows) if kind == "deal" else [[r] for r in export.rows]
                work += [(kind, export.name, rows) for rows in groups]
        total = len(work)
        if self.progress is not None:
            self.progress(0, total)
        if dry_run:
            with transaction.atomic():
                self._import(work, 0, total)
                transaction.set_rollback(True)
        else:
            # Committed in chunks: a long import shows its progress and keeps what it did if
            # the process dies; each row is still whole or not there (its own savepoint).
            for start in range(0, total, CHUNK):
                with transaction.atomic():
                    self._import(work[start : start + CHUNK], start, total)
        return self.report

    def _import(self, work: list[tuple[Kind, str, list[Row]]], done: int, total: int) -> None:
        for kind, file, rows in work:
            self._added = []
            try:
                with transaction.atomic():
                    outcome = getattr(self, f"_{kind}")(rows, file)
            except (Rejection, ValidationError, ApplicationError, ValueError) as error:
                reason = _messages(error)
                self.report.count(kind, "rejected")
                self.report.rejected.append(Rejected(file, rows[0].line, kind, reason, rows[0].raw))
                for lookup, key in self._added:  # what the rolled-back row added
                    lookup.pop(key, None)
            else:
                self.report.count(kind, outcome)
            done += 1
            if self.progress is not None:
                self.progress(done, total)

    def _first_time(self, record, row: Row, file: str, by: str) -> bool:
        """Whether this run meets ``record`` for the first time; a duplicate is reported."""
        key = (record._meta.model_name, record.pk)
        if key in self._imported:
            first_line, first_file = self._imported[key]
            self.report.warnings.append(
                gettext(DUPLICATE)
                % {
                    "line": row.line,
                    "file": file,
                    "record": record._meta.verbose_name,
                    "first": first_line,
                    "first_file": first_file,
                    "by": by,
                }
            )
            return False
        self._imported[key] = (row.line, file)
        return True

    # --- companies -------------------------------------------------------------------------

    def _company(self, rows: list[Row], file: str) -> str:
        values = rows[0].values
        title = values.get("title", "")
        if not title:
            raise Rejection(gettext(NO_TITLE))
        bitrix24_id = _id(values)
        fields = {"name": title, **{n: values[n] for n in COMPANY_FIELDS if values.get(n)}}
        if "phone" in fields:
            fields["phone"] = fields["phone"].split(",")[0].strip()
        if "email" in fields:
            fields["email"] = fields["email"].split(",")[0].strip()
        matches = (
            ("ID", self.companies_by_id.get(bitrix24_id) if bitrix24_id else None),
            (gettext("INN"), self.companies_by_inn.get(fields["inn"]) if "inn" in fields else None),
            (gettext("title"), self.companies_by_title.get(_title(title))),
        )
        by, company = next(((by, c) for by, c in matches if c is not None), ("", None))
        if company is None:
            company = services.company_create(**fields, bitrix24_id=bitrix24_id)
            self._remember_company(company)
            self._first_time(company, rows[0], file, "")
            return "created"
        if not self._first_time(company, rows[0], file, by):
            return "unchanged"
        changed = {n: v for n, v in fields.items() if str(getattr(company, n) or "") != v}
        if bitrix24_id and company.bitrix24_id is None:
            changed["bitrix24_id"] = bitrix24_id
        if not changed:
            return "unchanged"
        services.company_update(company=company, data=changed, actor=self.actor)
        self._remember_company(company)
        return "updated"

    def company_by_title(self, title: str, row: Row, file: str) -> Company | None:
        """The company a deal or contact names, added by its title when the CRM lacks it."""
        if not title:
            return None
        company = self.companies_by_title.get(_title(title))
        if company is None:
            company = services.company_create(name=title)
            self._remember_company(company)
            self.report.count("company", "created")
            self.report.warnings.append(
                gettext(COMPANY_MADE) % {"line": row.line, "file": file, "name": title}
            )
        return company

    # --- contacts --------------------------------------------------------------------------

    def _contact(self, rows: list[Row], file: str) -> str:
        row = rows[0]
        values = row.values
        name = " ".join(
            values[k] for k in ("first_name", "second_name", "last_name") if values.get(k)
        )
        if not name:
            raise Rejection(gettext(NO_TITLE))
        phone = values.get("phone", "").split(",")[0].strip()
        email = values.get("email", "").split(",")[0].strip()
        if not phone and not email:
            raise Rejection(gettext(NO_REACH))
        bitrix24_id = _id(values)
        matches = (
            ("ID", self.contacts_by_id.get(bitrix24_id) if bitrix24_id else None),
            (
                gettext("phone"),
                self.contacts_by_reach.get(normalize_phone(phone)) if phone else None,
            ),
            ("e-mail", self.contacts_by_reach.get(email.lower()) if email else None),
        )
        by, contact = next(((by, c) for by, c in matches if c is not None), ("", None))
        fields = {"name": name, "position": values.get("position", ""), "phone": phone}
        fields["email"] = email
        if contact is None:
            company = self.company_by_title(values.get("company", ""), row, file)
            if company is None:
                raise Rejection(gettext(NO_COMPANY))
            contact = services.contact_create(company=company, bitrix24_id=bitrix24_id, **fields)
            self._remember_contact(contact)
            self._first_time(contact, row, file, "")
            return "created"
        if not self._first_time(contact, row, file, by):
            return "unchanged"
        changed = {
            n: v
            for n, v in fields.items()
            if v
            and str(getattr(contact, n) or "") != v
            and not (n == "phone" and normalize_phone(contact.phone) == normalize_phone(v))
        }
        if bitrix24_id and contact.bitrix24_id is None:
            Contact.objects.filter(pk=contact.pk).update(bitrix24_id=bitrix24_id)
            contact.bitrix24_id = bitrix24_id
            self._remember_contact(contact)
        if not changed:
            return "unchanged"
        services.contact_update(contact=contact, data=changed, actor=self.actor)
        self._remember_contact(contact)
        return "updated"

    # --- deals -----------------------------------------------------------------------------

    def _deal(self, rows: list[Row], file: str) -> str:
        row = rows[0]
        values = row.values
        bitrix24_id = _id(values)
        if bitrix24_id is None:
            raise Rejection(gettext(NO_ID))
        title = values.get("title", "")
        if not title:
            raise Rejection(gettext(NO_TITLE))
        pipeline_name = values.get("pipeline", "")
        pipeline = self.mapping.pipeline(pipeline_name)
        if pipeline is None:
            if not pipeline_name:
                raise Rejection(gettext(NO_PIPELINE))
            raise Rejection(gettext(UNKNOWN_PIPELINE) % {"name": pipeline_name})
        stage = self.mapping.stage(pipeline, values.get("stage", ""))
        if stage is None:
            raise Rejection(
                gettext(UNKNOWN_STAGE)
                % {"pipeline": pipeline_name or pipeline, "name": values.get("stage", "")}
            )
        company = self.company_by_title(values.get("company", ""), row, file)
        contact = None
        if values.get("contact") and company is not None:
            contact = self.contacts_by_name.get((company.pk, _words(values["contact"])))
        data: dict[str, Any] = {
            "title": title,
            "company": company,
            "contact": contact,
            "responsible": self.person(values.get("responsible", ""), row, file),
            "amount": _amount(rows),
        }
        if "comment" in values:
            data["comment"] = values["comment"]
        # What our pipeline does not have (a contract deal's amount) is not carried.
        codes = get_pipeline(pipeline).field_codes
        data = {code: value for code, value in data.items() if code in codes or code == "title"}
        created = values.get("created")
        try:
            created_at = parse_datetime(created) if created else None
        except ValueError:
            raise Rejection(
                gettext(BAD_DATE) % {"value": created, "column": _column(row, "created")}
            ) from None
        _deal, outcome = deal_import(
            bitrix24_id=bitrix24_id,
            pipeline=pipeline,
            stage=stage,
            actor=self.actor,
            data=data,
            created_at=created_at,
            loss_reason=values.get("loss_reason", ""),
            new=bitrix24_id not in self.deal_ids,
        )
        self.deal_ids.add(bitrix24_id)  # only reached when the row is imported
        return outcome


def _id(values: dict[str, str]) -> int | None:
    value = values.get("id", "").strip()
    if not value:
        return None
    if not value.isdigit():
        raise Rejection(gettext(BAD_ID) % {"value": value})
    return int(value)


def _column(row: Row, key: str) -> str:
    return next((title for title in row.raw if column_key(title) == key), key)


def _number(row: Row, key: str) -> Decimal:
    value = row.values.get(key, "")
    try:
        return parse_number(value)
    except (InvalidOperation, ValueError):
        raise Rejection(
            gettext(BAD_NUMBER) % {"value": value, "column": _column(row, key)}
        ) from None


def _amount(rows: list[Row]) -> Decimal | None:
    """The deal's amount: the sum of its product lines where it has them, else «Сумма»."""
    lines = [r for r in rows if r.values.get("price")]
    if lines:
        total = Decimal(0)
        for line in lines:
            quantity = _number(line, "quantity") if line.values.get("quantity") else Decimal(1)
            total += _number(line, "price") * quantity
        return total.quantize(Decimal("0.01"))
    if rows[0].values.get("amount"):
        return _number(rows[0], "amount")
    return None


def _deal_groups(rows: list[Row]) -> list[list[Row]]:
    """Rows of one deal together (an export with products repeats the deal per line), in the
    order of their first line; rows without an ID stay alone (and are rejected for it)."""
    groups: dict[str, list[Row]] = defaultdict(list)
    alone: list[list[Row]] = []
    order: list[Any] = []
    for row in rows:
        key = row.values.get("id", "").strip()
        if not key:
            alone.append([row])
            order.append(alone[-1])
            continue
        if key not in groups:
            order.append(key)
        groups[key].append(row)
    return [groups[item] if isinstance(item, str) else item for item in order]
