"""The recount of an acceptance («Пересчет»): the client's shipment list as expected lines,
counting on the phone, finishing with the recount file and the discrepancy act, and the
client's answer (agree / dispute).

The services here are the only writers of ``RecountLine`` and its friends; the manager's
card panel, the phone page, the REST API and the client portal (``portal``) all call them.

Counting is a stream of ops, each under an id the phone made (a UUID): an op is a *delta*
(«counted +1», «defective +3»; a typed number becomes the difference from what the phone
shows), applied once whatever the number of times it is sent (the id is unique). Deltas, not
absolute values, because two phones counting the same SKU each add what they counted; an
absolute «counted = 12» from one phone would wipe the other's taps.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, F, Max, Q, Sum, Value
from django.db.models.fields.files import FieldFile
from django.db.models.functions import Greatest
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from deals import exceptions as deal_exc
from deals.guards import can_move_deal
from deals.models import Deal, Task
from deals.pipelines import get_pipeline
from deals.services import deal_lock, deal_move, task_comment_add, validate_upload
from deals.services.tasks import NOT_YOUR_TASK, TASK_CLOSED, TaskError, can_work_on_task
from fulfillment.exceptions import ApplicationError, PermissionDeniedError
from fulfillment.roles import AnyUser
from warehouse.models import RecountEvent, RecountLine, RecountOp, RecountPhoto

MAX_LINES = 5000
MAX_DELTA = 100_000
MAX_OPS_PER_SYNC = 500
SHOWN_ERRORS = 30

NOT_ACCEPTANCE = _("A shipment list belongs to a goods acceptance request.")
DEAL_CLOSED = _("The shipment list can no longer change: the goods are past the warehouse.")
COUNTING_STARTED = _("Counting has started: the shipment list can no longer be replaced.")
LIST_ERRORS = _("The shipment list was not loaded, fix these rows:")
LIST_EMPTY = _("The shipment list has no goods rows.")
LIST_NO_HEADER = _(
    "No header row found: the list needs columns «Артикул» or «Баркод» and «Количество»."
)
LIST_TOO_LONG = _("The shipment list has more than %(limit)s rows.")
LIST_UNREADABLE = _("The file cannot be read as XLSX or CSV.")
LIST_TYPE = _("Upload the shipment list as an XLSX or CSV file.")
ROW_ERROR = _("Row %(row)s: %(error)s")
ROW_NO_CODE = _("neither article nor barcode")
ROW_BAD_QUANTITY = _("quantity «%(value)s» is not a whole number above zero")
ROW_NO_QUANTITY = _("no quantity")
ROW_REPEATS = _("repeats row %(row)s")
MORE_ERRORS = _("…and %(count)s more.")
LINE_EXISTS = _("The list already has this SKU.")
NOT_IN_RECOUNT_APPROVAL = _("The recount is agreed in the stage «%(stage)s».")
NO_LINES = _("This acceptance has no line-by-line recount.")
DISPUTE_EMPTY = _("Choose the lines you dispute and say what is wrong with each.")
DISPUTE_FOREIGN = _("Line %(line)s is not a line of this recount.")
DISPUTE_COMMENT_TOO_LONG = _("A comment on a line is at most %(limit)s characters.")
NOT_AN_ACCEPTANCE_TASK = _("This task has no recount.")
BAD_OP = _("A change could not be understood.")
OPS_TOO_MANY = _("Too many changes at once.")
UNKNOWN_LINE = _("The line is not in this recount.")
NEW_LINE_NEEDS_CODE = _("A new SKU needs a barcode or an article.")
NOTHING_COUNTED = _("Nothing is counted yet.")
PHOTO_NOT_IMAGE = _("A damage photo is a JPEG, PNG or HEIC picture.")
DISPUTE_MOVE_COMMENT = _("The client disputes the recount: %(lines)s")

# Header names of the shipment list, as marketplaces and clients write them (compared in
# lower case, «ё» as «е», punctuation and extra spaces dropped).
COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    "article": (
        "артикул",
        "артикул продавца",
        "артикул поставщика",
        "артикул товара",
        "vendorcode",
        "vendor code",
        "offer_id",
        "offer id",
        "article",
        "sku",
    ),
    "barcode": ("баркод", "штрихкод", "штрих код", "barcode", "шк", "ean", "баркод товара"),
    "name": ("наименование", "название", "name", "товар", "наименование товара", "предмет"),
    "quantity": (
        "количество",
        "кол во",
        "количество шт",
        "кол во шт",
        "quantity",
        "qty",
        "шт",
        "количество товара",
    ),
}
_HEADER_SCAN_ROWS = 10


class ShipmentListError(ApplicationError):
    """The shipment list was refused; ``extra["rows"]`` lists ``{"row": n, "error": text}``
    for every bad row (all of them, at once), and nothing was loaded."""


class RecountError(ApplicationError):
    """A recount action was refused; nothing was saved."""


# --- the shipment list ---------------------------------------------------------------------


def _normalise(header: object) -> str:
    """«Кол-во, шт.» → «кол во шт»: lower case, «ё» as «е», punctuation as spaces."""
    text = str(header or "").lower().replace("ё", "е")
    text = "".join(char if char.isalnum() or char == "_" else " " for char in text)
    return " ".join(text.split())


_ALIASES = {
    _normalise(alias): column for column, aliases in COLUMN_NAMES.items() for alias in aliases
}


def _header_map(row: list[object]) -> dict[str, int] | None:
    """Which column holds what, when this row is the header; None when it is not."""
    found: dict[str, int] = {}
    for index, cell in enumerate(row):
        column = _ALIASES.get(_normalise(cell))
        if column and column not in found:
            found[column] = index
    if "quantity" in found and ("article" in found or "barcode" in found):
        return found
    return None


def _read_xlsx(content: bytes) -> list[list[object]]:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def _decode(content: bytes) -> str:
    """UTF-8 (with or without a BOM), else windows-1251 — what Excel in Russia saves."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1251")


def _read_csv(content: bytes) -> list[list[object]]:
    text = _decode(content)
    first = next((line for line in text.splitlines() if line.strip()), "")
    # The separator the header line uses most: «;» from Excel in Russia, «,» elsewhere.
    delimiter = max(";,\t", key=first.count)
    return [list(row) for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a barcode Excel stored as a number
    return str(value).strip()


def _quantity(value: object) -> int | None:
    """A whole number above zero, as a spreadsheet or a CSV writes it («12», 12.0, «1 200»)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if isinstance(value, float):
        return int(value) if value.is_integer() and value > 0 else None
    text = str(value).replace("\xa0", "").replace(" ", "").replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if number.is_integer() and number > 0 else None


@dataclass(frozen=True)
class ParsedLine:
    row: int
    article: str
    barcode: str
    name: str
    expected: int


def shipment_list_parse(*, content: bytes, filename: str) -> list[ParsedLine]:
    """The goods rows of a shipment list (XLSX or CSV), or ``ShipmentListError`` naming every
    bad row. Rows before the header (a title, a date) and empty rows are skipped."""
    suffix = PurePath(filename).suffix.lower()
    try:
        if suffix == ".xlsx" or content[:2] == b"PK":
            rows = _read_xlsx(content)
        elif suffix in (".csv", ".txt"):
            rows = _read_csv(content)
        else:
            raise ShipmentListError(gettext(LIST_TYPE))
    except ShipmentListError:
        raise
    except Exception as error:  # a broken ZIP, a CSV that is not text: the user's file
        raise ShipmentListError(gettext(LIST_UNREADABLE)) from error

    header, start = None, 0
    for index, row in enumerate(rows[:_HEADER_SCAN_ROWS]):
        header = _header_map(row)
        if header:
            start = index + 1
            break
    if not header:
        raise ShipmentListError(gettext(LIST_NO_HEADER))

    def cell(row: list[object], column: str) -> object:
        index = header.get(column)
        return row[index] if index is not None and index < len(row) else None

    lines: list[ParsedLine] = []
    errors: list[dict[str, Any]] = []
    seen: dict[tuple[str, str], int] = {}
    for index, row in enumerate(rows[start:], start=start + 1):
        if not any(_cell_text(value) for value in row):
            continue
        article, barcode = _cell_text(cell(row, "article")), _cell_text(cell(row, "barcode"))
        name, raw = _cell_text(cell(row, "name")), cell(row, "quantity")
        problems = []
        if not article and not barcode:
            problems.append(gettext(ROW_NO_CODE))
        quantity = _quantity(raw) if _cell_text(raw) else None
        if not _cell_text(raw):
            problems.append(gettext(ROW_NO_QUANTITY))
        elif quantity is None:
            problems.append(gettext(ROW_BAD_QUANTITY) % {"value": _cell_text(raw)})
        key = ("b", barcode) if barcode else ("a", article)
        if (article or barcode) and key in seen:
            problems.append(gettext(ROW_REPEATS) % {"row": seen[key]})
        elif article or barcode:
            seen[key] = index
        if problems:
            errors.append({"row": index, "error": "; ".join(problems)})
            continue
        lines.append(
            ParsedLine(index, article[:100], barcode[:64], name[:255], quantity)  # type: ignore[arg-type]
        )
    if errors:
        shown = [gettext(ROW_ERROR) % e for e in errors[:SHOWN_ERRORS]]
        if len(errors) > SHOWN_ERRORS:
            shown.append(gettext(MORE_ERRORS) % {"count": len(errors) - SHOWN_ERRORS})
        raise ShipmentListError("\n".join([gettext(LIST_ERRORS), *shown]), extra={"rows": errors})
    if not lines:
        raise ShipmentListError(gettext(LIST_EMPTY))
    if len(lines) > MAX_LINES:
        raise ShipmentListError(gettext(LIST_TOO_LONG) % {"limit": MAX_LINES})
    return lines


def counting_started(deal: Deal) -> bool:
    """A phone has sent a change, or a count is already there."""
    return (
        RecountOp.objects.filter(deal=deal).exists()
        or RecountLine.objects.filter(deal=deal)
        .filter(Q(counted__gt=0) | Q(defective__gt=0))
        .exists()
    )


def _check_may_edit(deal: Deal, actor: AnyUser, check_permission: bool) -> None:
    if check_permission and not can_move_deal(deal, actor):
        raise PermissionDeniedError(gettext(deal_exc.NOT_ALLOWED))


def shipment_list_load(*, deal: Deal, upload, actor: AnyUser, check_permission: bool = True) -> int:
    """Load the client's shipment list (XLSX or CSV) as the acceptance's expected lines,
    replacing an earlier list; refused once counting has started. Every bad row is reported
    at once (``ShipmentListError``) and nothing is loaded. Returns the number of lines.

    ``check_permission=False``: the caller (the client portal) checked the actor itself."""
    if deal.pipeline != "acceptance":
        raise RecountError(gettext(NOT_ACCEPTANCE))
    _check_may_edit(deal, actor, check_permission)
    name = getattr(upload, "name", "") or "list"
    if PurePath(name).suffix.lower() not in (".xlsx", ".csv"):
        raise ShipmentListError(gettext(LIST_TYPE))
    try:
        validate_upload(upload)
    except ValidationError as error:
        raise ShipmentListError(" ".join(error.messages)) from error
    upload.seek(0)
    content = upload.read()
    parsed = shipment_list_parse(content=content, filename=name)
    with transaction.atomic():
        deal = deal_lock(deal)
        if not deal.is_open:
            raise RecountError(gettext(DEAL_CLOSED))
        if counting_started(deal):
            raise RecountError(gettext(COUNTING_STARTED))
        RecountLine.objects.filter(deal=deal).delete()
        RecountLine.objects.bulk_create(
            RecountLine(
                deal=deal,
                position=position,
                article=line.article,
                barcode=line.barcode,
                name=line.name,
                expected=line.expected,
            )
            for position, line in enumerate(parsed, start=1)
        )
        RecountEvent.objects.create(
            deal=deal,
            kind=RecountEvent.Kind.LIST_LOADED,
            actor=actor,
            lines=len(parsed),
            expected=sum(line.expected for line in parsed),
        )
    return len(parsed)


def recount_line_add(
    *,
    deal: Deal,
    actor: AnyUser,
    article: str = "",
    barcode: str = "",
    name: str = "",
    expected: int,
    check_permission: bool = True,
) -> RecountLine:
    """A line of the shipment list typed by hand (a list without a file, or a SKU the file
    forgot); allowed while the acceptance is open and not yet past the warehouse."""
    if deal.pipeline != "acceptance":
        raise RecountError(gettext(NOT_ACCEPTANCE))
    _check_may_edit(deal, actor, check_permission)
    article, barcode, name = (
        (article or "").strip()[:100],
        (barcode or "").strip()[:64],
        (name or "").strip()[:255],
    )
    problems = []
    if not article and not barcode:
        problems.append(gettext(ROW_NO_CODE))
    quantity = _quantity(expected) if expected not in (None, "") else None
    if quantity is None:
        problems.append(gettext(ROW_BAD_QUANTITY) % {"value": expected})
    if problems:
        raise ShipmentListError("; ".join(problems).capitalize() + ".")
    with transaction.atomic():
        deal = deal_lock(deal)
        if not deal.is_open or deal.stage not in ("new", "to_warehouse"):
            raise RecountError(gettext(DEAL_CLOSED))
        same = Q(barcode=barcode) if barcode else Q(article=article, barcode="")
        if RecountLine.objects.filter(same, deal=deal).exists():
            raise ShipmentListError(gettext(LINE_EXISTS))
        position = (
            RecountLine.objects.filter(deal=deal).aggregate(p=Max("position"))["p"] or 0
        ) + 1
        return RecountLine.objects.create(
            deal=deal,
            position=position,
            article=article,
            barcode=barcode,
            name=name,
            expected=quantity,
        )


# --- reading --------------------------------------------------------------------------------


def recount_lines(*, deal: Deal) -> list[RecountLine]:
    """The lines of the deal's recount: disputed first, then the list's order; photos
    prefetched."""
    return list(RecountLine.objects.filter(deal=deal).prefetch_related("photos"))


@dataclass(frozen=True)
class RecountTotals:
    lines: int
    expected: int
    counted: int
    defective: int
    accepted: int
    differing: int


def recount_totals(lines: Iterable[RecountLine]) -> RecountTotals:
    lines = list(lines)
    return RecountTotals(
        lines=len(lines),
        expected=sum(line.expected for line in lines),
        counted=sum(line.counted for line in lines),
        defective=sum(line.defective for line in lines),
        accepted=sum(line.accepted for line in lines),
        differing=sum(1 for line in lines if line.differs),
    )


def accepted_units_of(deal: Deal) -> int:
    """Accepted units: for each line, counted minus defective (never below zero) — the
    damaged goods are counted but not taken into storage as sellable units."""
    return line_totals_query(deal)["accepted"]


def recount_documents(*, deal: Deal) -> dict[str, Any]:
    """The latest finished recount's files: ``{"recount_file": FieldFile | None,
    "act_file": FieldFile | None, "finished_at": datetime | None}``."""
    event = (
        RecountEvent.objects.filter(deal=deal, kind=RecountEvent.Kind.FINISHED)
        .order_by("-created_at", "-pk")
        .first()
    )
    if event is None:
        return {"recount_file": None, "act_file": None, "finished_at": None}
    return {
        "recount_file": event.recount_file or None,
        "act_file": event.act_file or None,
        "finished_at": event.created_at,
    }


# --- the client's answer ----------------------------------------------------------------------


def _check_recount_approval(deal: Deal) -> None:
    if deal.pipeline != "acceptance" or deal.stage != "recount_approval":
        stage = get_pipeline("acceptance").stage("recount_approval").label
        raise RecountError(gettext(NOT_IN_RECOUNT_APPROVAL) % {"stage": stage})


def recount_agree(*, deal: Deal, actor: AnyUser, check_permission: bool = True) -> Deal:
    """The client agrees the recount: «Пересчет согласован» and the accepted units (computed
    from the lines) are set and the deal moves on to the invoice, through ``deal_move``."""
    deal = deal.as_pipeline()
    _check_recount_approval(deal)
    if not RecountLine.objects.filter(deal=deal).exists():
        raise RecountError(gettext(NO_LINES))
    deal_move(
        deal=deal,
        transition="to_invoice",
        actor=actor,
        data={"recount_agreed": True, "accepted_units": accepted_units_of(deal)},
        check_permission=check_permission,
    )
    return deal


def recount_dispute(
    *, deal: Deal, actor: AnyUser, disputes: Mapping[int, str], check_permission: bool = True
) -> Deal:
    """The client disputes lines: each gets the client's comment and goes on top of the
    recount, and the deal returns to «Передать заявку на склад» with the comment, so the
    automation gives the warehouse a new task. Earlier disputes are replaced."""
    deal = deal.as_pipeline()
    _check_recount_approval(deal)
    limit = RecountLine._meta.get_field("dispute_comment").max_length
    cleaned: dict[int, str] = {}
    for key, comment in (disputes or {}).items():
        comment = (comment or "").strip()
        if not comment:
            continue
        if len(comment) > limit:
            raise RecountError(gettext(DISPUTE_COMMENT_TOO_LONG) % {"limit": limit})
        try:
            cleaned[int(key)] = comment
        except (TypeError, ValueError):
            raise RecountError(gettext(DISPUTE_FOREIGN) % {"line": key}) from None
    if not cleaned:
        raise RecountError(gettext(DISPUTE_EMPTY))
    lines = {line.pk: line for line in RecountLine.objects.filter(deal=deal, pk__in=cleaned)}
    for key in cleaned:
        if key not in lines:
            raise RecountError(gettext(DISPUTE_FOREIGN) % {"line": key})
    summary = "; ".join(
        f"{lines[key].article or lines[key].barcode or lines[key].name}: {comment}"
        for key, comment in cleaned.items()
    )
    move_comment = (gettext(DISPUTE_MOVE_COMMENT) % {"lines": summary})[:2000]
    now = timezone.now()
    with transaction.atomic():
        RecountLine.objects.filter(deal=deal).exclude(pk__in=cleaned).update(
            dispute_comment="", disputed_at=None
        )
        for key, comment in cleaned.items():
            RecountLine.objects.filter(pk=key).update(dispute_comment=comment, disputed_at=now)
        deal_move(
            deal=deal,
            transition="return_to_to_warehouse",
            actor=actor,
            comment=move_comment,
            check_permission=check_permission,
        )
    return deal


# --- counting on the phone -----------------------------------------------------------------


def recount_task_check(task: Task, worker: AnyUser) -> None:
    """The phone's actions: the acceptance's open warehouse task, by whoever may work on it."""
    if task.kind != Task.Kind.WAREHOUSE or task.deal.pipeline != "acceptance":
        raise RecountError(gettext(NOT_AN_ACCEPTANCE_TASK))
    if not can_work_on_task(task, worker):
        raise PermissionDeniedError(gettext(NOT_YOUR_TASK))
    if not task.is_open:
        raise TaskError(gettext(TASK_CLOSED))


def line_row(line: RecountLine) -> list[Any]:
    """A line as the phone keeps it: a compact array (1,000 lines stay small)."""
    return [
        line.pk,
        line.article,
        line.barcode,
        line.name,
        line.expected,
        line.counted,
        line.defective,
        1 if line.unexpected else 0,
        line.dispute_comment,
        len(line.photos.all()),  # prefetched by the callers
    ]


def recount_version(deal: Deal) -> int:
    """The last applied op of the deal: a phone asks for the lines changed since."""
    return RecountOp.objects.filter(deal=deal).aggregate(v=Max("pk"))["v"] or 0


@dataclass
class SyncResult:
    applied: list[str]
    rejected: list[dict[str, str]]
    refs: dict[str, int]
    lines: list[list[Any]]
    version: int


def _parse_op(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ValueError
    op = {"op": str(uuid.UUID(str(raw.get("op")))), "kind": raw.get("kind")}
    if op["kind"] == RecountOp.Kind.ADD:
        field = raw.get("field")
        delta = raw.get("delta")
        if field not in ("counted", "defective") or type(delta) is not int:
            raise ValueError
        if not delta or abs(delta) > MAX_DELTA:
            raise ValueError
        if raw.get("ref"):
            op["ref"] = str(uuid.UUID(str(raw["ref"])))
        elif type(raw.get("line")) is int:
            op["line"] = raw["line"]
        else:
            raise ValueError
        op.update(field=field, delta=delta)
    elif op["kind"] == RecountOp.Kind.NEW_LINE:
        op.update(
            barcode=str(raw.get("barcode") or "").strip()[:64],
            article=str(raw.get("article") or "").strip()[:100],
            name=str(raw.get("name") or "").strip()[:255],
        )
    else:
        raise ValueError
    return op


def recount_sync(*, task: Task, worker: AnyUser, ops: list[Any], since: int = 0) -> SyncResult:
    """Apply the phone's queued ops, each once: an op whose id is already known is skipped
    (it was applied when first sent) and acknowledged again. Answers the current values of
    the lines the ops touched and of those changed since ``since`` (another phone's work).

    An op that cannot apply (an unknown line, a malformed op) is rejected with the reason and
    dropped by the phone: a bad op never blocks the queue behind it. The deal's row is locked
    for the batch, so two phones' batches (or one batch sent twice at once) apply one after
    the other, and the second finds the first's op ids; the unique op id is the backstop.
    Queries: a few per batch and one UPDATE per op."""
    if not isinstance(ops, list) or len(ops) > MAX_OPS_PER_SYNC:
        raise RecountError(gettext(OPS_TOO_MANY))
    applied: list[str] = []
    rejected: list[dict[str, str]] = []
    refs: dict[str, int] = {}
    touched: set[int] = set()
    parsed: list[dict[str, Any]] = []
    for raw in ops:
        try:
            parsed.append(_parse_op(raw))
        except (ValueError, TypeError, AttributeError):
            op_id = str(raw.get("op", "")) if isinstance(raw, dict) else ""
            rejected.append({"op": op_id, "error": gettext(BAD_OP)})
    with transaction.atomic():
        deal_lock(task.deal_id)
        task = Task.objects.select_related("deal").get(pk=task.pk)
        recount_task_check(task, worker)
        deal = task.deal
        known = {
            str(row.op_id): row
            for row in RecountOp.objects.filter(op_id__in=[op["op"] for op in parsed]).only(
                "op_id", "deal_id", "line_id", "kind"
            )
        }
        line_ids = set(
            RecountLine.objects.filter(
                deal=deal, pk__in=[op["line"] for op in parsed if "line" in op]
            ).values_list("pk", flat=True)
        )
        new_rows: list[RecountOp] = []
        for op in parsed:
            seen = known.get(op["op"])
            if seen is not None:
                if seen.deal_id != deal.pk:
                    rejected.append({"op": op["op"], "error": gettext(BAD_OP)})
                    continue
                applied.append(op["op"])  # a resend: applied the first time
                if seen.line_id:
                    touched.add(seen.line_id)
                    if seen.kind == RecountOp.Kind.NEW_LINE:
                        refs[op["op"]] = seen.line_id
                continue
            try:
                row = _apply_op(deal, worker, op, refs, line_ids, known)
            except RecountError as error:
                rejected.append({"op": op["op"], "error": error.message})
                continue
            known[op["op"]] = row  # the same id twice in one batch applies once
            new_rows.append(row)
            applied.append(op["op"])
            touched.add(row.line_id)
        RecountOp.objects.bulk_create(new_rows)
        changed = RecountLine.objects.filter(deal=deal).filter(
            Q(pk__in=touched) | Q(ops__pk__gt=since)
        )
        lines = [line_row(line) for line in changed.distinct().prefetch_related("photos")]
        version = recount_version(deal)
    return SyncResult(applied, rejected, refs, lines, version)


def _apply_op(
    deal: Deal,
    worker: AnyUser,
    op: dict[str, Any],
    refs: dict[str, int],
    line_ids: set[int],
    known: dict[str, RecountOp],
) -> RecountOp:
    """One new op's effect; returns its row, saved with the batch's others."""
    if op["kind"] == RecountOp.Kind.NEW_LINE:
        line = _new_line(deal, op)
        refs[op["op"]] = line.pk
        line_ids.add(line.pk)
        return RecountOp(op_id=op["op"], deal=deal, line=line, kind=op["kind"], actor=worker)
    if "ref" in op:
        line_id = refs.get(op["ref"])
        if line_id is None and op["ref"] in known and known[op["ref"]].deal_id == deal.pk:
            line_id = known[op["ref"]].line_id
        if line_id is None:
            line_id = (
                RecountOp.objects.filter(op_id=op["ref"], deal=deal)
                .values_list("line_id", flat=True)
                .first()
            )
    else:
        line_id = op["line"] if op["line"] in line_ids else None
    if not line_id:
        raise RecountError(gettext(UNKNOWN_LINE))
    field = op["field"]
    RecountLine.objects.filter(pk=line_id).update(**{field: Greatest(F(field) + op["delta"], 0)})
    return RecountOp(
        op_id=op["op"],
        deal=deal,
        line_id=line_id,
        kind=op["kind"],
        field=field,
        delta=op["delta"],
        actor=worker,
    )


def _new_line(deal: Deal, op: dict[str, Any]) -> RecountLine:
    """An SKU the list did not have; one scanned on two phones is one line."""
    if not op["barcode"] and not op["article"]:
        raise RecountError(gettext(NEW_LINE_NEEDS_CODE))
    same = Q(barcode=op["barcode"]) if op["barcode"] else Q(article=op["article"], barcode="")
    existing = RecountLine.objects.filter(same, deal=deal).first()
    if existing is not None:
        return existing
    position = (RecountLine.objects.filter(deal=deal).aggregate(p=Max("position"))["p"] or 0) + 1
    return RecountLine.objects.create(
        deal=deal,
        position=position,
        article=op["article"],
        barcode=op["barcode"],
        name=op["name"],
        unexpected=True,
    )


def recount_photo_add(*, task: Task, worker: AnyUser, line_id: int, upload) -> RecountPhoto:
    """A photo of damaged goods of one line (JPEG, PNG or HEIC, checked like every upload)."""
    recount_task_check(task, worker)
    line = RecountLine.objects.filter(pk=line_id, deal_id=task.deal_id).first()
    if line is None:
        raise RecountError(gettext(UNKNOWN_LINE))
    if PurePath(getattr(upload, "name", "")).suffix.lower() not in (
        ".jpg",
        ".jpeg",
        ".png",
        ".heic",
    ):
        raise RecountError(gettext(PHOTO_NOT_IMAGE))
    try:
        validate_upload(upload)
    except ValidationError as error:
        raise RecountError(" ".join(error.messages)) from error
    with transaction.atomic():
        return RecountPhoto.objects.create(line=line, file=upload, uploaded_by=worker)


# --- finishing ------------------------------------------------------------------------------


def recount_finish(*, task: Task, worker: AnyUser) -> Task:
    """«Завершить пересчет»: the recount file (XLSX) becomes the task's result, the
    discrepancy act (PDF) is made where counts differ or goods are damaged, and the task is
    completed through ``warehouse.services`` (which copies the recount file to the deal)."""
    from warehouse import recount_documents as documents
    from warehouse.services import warehouse_task_complete

    task = Task.objects.select_related("deal", "deal__company").get(pk=task.pk)
    recount_task_check(task, worker)
    deal = task.deal
    lines = recount_lines(deal=deal)
    if not lines or not any(line.counted or line.defective for line in lines):
        raise RecountError(gettext(NOTHING_COUNTED))
    totals = recount_totals(lines)
    with translation.override("ru"):
        workbook = documents.recount_xlsx(deal=deal, lines=lines, totals=totals)
        act = (
            documents.discrepancy_act_pdf(deal=deal, lines=lines, totals=totals, worker=worker)
            if totals.differing
            else None
        )
        act_text = gettext("Discrepancy act") if act is not None else ""
        result_text = gettext(
            "Recount: %(counted)s counted, %(defective)s defective of %(expected)s expected."
        ) % {
            "counted": totals.counted,
            "defective": totals.defective,
            "expected": totals.expected,
        }
    stamp = timezone.localtime().strftime("%Y-%m-%d")
    stored: list[FieldFile] = []
    try:
        with transaction.atomic():
            deal_lock(deal)  # the deal first, then its task: the order of every path
            event = RecountEvent(
                deal=deal,
                task=task,
                kind=RecountEvent.Kind.FINISHED,
                actor=worker,
                lines=totals.lines,
                expected=totals.expected,
                counted=totals.counted,
                defective=totals.defective,
            )
            if act is not None:
                # The act is a comment of the task too: the worker sees what was recorded.
                act_comment = task_comment_add(
                    task=task,
                    author=worker,
                    text=act_text,
                    file=ContentFile(act, name=f"act-{deal.pk}-{stamp}.pdf"),
                )
                stored.append(act_comment.file)
                event.act_file.name = act_comment.file.name
            comment = task_comment_add(
                task=task,
                author=worker,
                text=result_text,
                file=ContentFile(workbook, name=f"recount-{deal.pk}-{stamp}.xlsx"),
                is_result=True,
            )
            stored.append(comment.file)
            event.recount_file.name = comment.file.name
            event.save()
            task.refresh_from_db()
            warehouse_task_complete(task=task, worker=worker)
    except BaseException:
        for file in stored:  # the stored files of a refused finish do not stay behind
            if file and file.name:
                file.storage.delete(file.name)
        raise
    task.refresh_from_db()
    return task


# --- reading for the pages ------------------------------------------------------------------


def line_totals_query(deal: Deal) -> dict[str, int]:
    """Totals computed by the database (the card panel loads no lines)."""
    # Named apart from the columns: an aggregate may not share a column's name.
    row = RecountLine.objects.filter(deal=deal).aggregate(
        total_lines=Count("pk"),
        total_expected=Sum("expected"),
        total_counted=Sum("counted"),
        total_defective=Sum("defective"),
        total_accepted=Sum(Greatest(F("counted") - F("defective"), Value(0))),
    )
    return {key.removeprefix("total_"): value or 0 for key, value in row.items()}
