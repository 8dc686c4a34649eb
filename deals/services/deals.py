"""Writes to companies, contacts and deals. Views, the admin, the API and Celery call these;
none of them changes a deal's stage or fields another way.

Each service validates first and writes in one ``transaction.atomic()``: a refusal raises a
``DealError`` and leaves the database as it was.

One lock order, on every path that writes a deal and its tasks: **the deal first**
(``deal_lock``), then its tasks, then their work sessions. A move, the director's decision and
a warehouse task's completion all take the deal's row before any task's, so two of them on
one deal wait for each other instead of deadlocking.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

import filetype
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.files.base import File
from django.db import models, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from deals import automation
from deals import exceptions as exc
from deals.guards import RequiredFields, can_move_deal, can_reopen_deal, missing_to_stand_in
from deals.models import PIPELINE_MODELS, Company, Contact, Deal, LossReason, StageChange
from deals.pipelines import Pipeline, Requirement, get_pipeline
from deals.pipelines.base import Transition
from deals.pipelines.fields import (
    DEAL_FIELDS,
    creation_blocker,
    model_field,
    requirement_label,
    requirement_labels,
)
from deals.services import audit
from deals.staff import NOT_RESPONSIBLE, may_be_responsible
from deals.validators import check_text
from fulfillment.exceptions import PermissionDeniedError
from fulfillment.roles import AnyUser, acting_person, person_name

# Office 97 files are OLE compound files; filetype tells .doc from .xls by heuristics that miss
# files other tools write, so the compound file's own signature («ole») is enough for them.
_OFFICE_97 = ("doc", "xls", "ole")
_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OFFICE_XML = ("docx", "xlsx", "zip")  # a ZIP whose first entry is not the usual one
# Each accepted extension and the kinds ``filetype`` may find in such a file's first bytes.
# A CSV is text and has no signature: it must show none, and no NUL byte.
UPLOAD_KINDS: dict[str, tuple[str, ...]] = {
    ".pdf": ("pdf",),
    ".xls": _OFFICE_97,
    ".xlsx": _OFFICE_XML,
    ".csv": (),
    ".doc": _OFFICE_97,
    ".docx": _OFFICE_XML,
    ".jpg": ("jpg",),
    ".jpeg": ("jpg",),
    ".png": ("png",),
    ".heic": ("heic",),
}
ALLOWED_UPLOAD_EXTENSIONS = tuple(UPLOAD_KINDS)
_HEAD_BYTES = 8192  # what filetype reads
UPLOAD_TOO_LARGE = _("The file «%(name)s» is larger than %(limit)s MB.")
UPLOAD_BAD_TYPE = _("The file «%(name)s» has a type that is not accepted (allowed: %(types)s).")
UPLOAD_EMPTY = _("The file «%(name)s» is empty.")
UPLOAD_BAD_CONTENT = _("The contents of the file «%(name)s» are not those of a %(extension)s file.")


def validate_upload(upload: File) -> None:
    """Every uploaded file, on every path (deal fields, comments, task results, the API): an
    accepted extension, not empty, within the size cap, and contents of that kind, judged
    from the file's bytes (``filetype``), not from its name or the browser's word."""
    name = PurePath(upload.name or "").name
    extension = PurePath(name).suffix.lower()
    if extension not in UPLOAD_KINDS:
        raise ValidationError(
            UPLOAD_BAD_TYPE,
            code="file_type",
            params={"name": name, "types": ", ".join(ALLOWED_UPLOAD_EXTENSIONS)},
        )
    if not upload.size:
        raise ValidationError(UPLOAD_EMPTY, code="file_empty", params={"name": name})
    if upload.size > settings.UPLOAD_MAX_BYTES:
        raise ValidationError(
            UPLOAD_TOO_LARGE,
            code="file_size",
            params={"name": name, "limit": settings.UPLOAD_MAX_BYTES // (1024 * 1024)},
        )
    head = _head(upload)
    kind = filetype.guess_extension(head)
    if kind is None and head.startswith(_OLE_SIGNATURE):
        kind = "ole"
    expected = UPLOAD_KINDS[extension]
    if (kind not in expected) if expected else (kind is not None or b"\0" in head):
        raise ValidationError(
            UPLOAD_BAD_CONTENT,
            code="file_content",
            params={"name": name, "extension": extension},
        )


def _head(upload: File) -> bytes:
    """The first bytes of a file, leaving it as it was (a stored file is opened and closed)."""
    closed = upload.closed
    if closed:
        upload.open("rb")
    try:
        upload.seek(0)
        head = upload.read(_HEAD_BYTES)
        upload.seek(0)
    finally:
        if closed:
            upload.close()
    return head if isinstance(head, bytes) else head.encode()


# --- companies and contacts -------------------------------------------------------------


def company_create(**fields: Any) -> Company:
    """Create a client company; legal details are validated (INN checksum, KPP, OGRN, BIK)."""
    company = Company(**fields)
    company.full_clean()
    company.save()
    return company


def company_update(
    *, company: Company, data: Mapping[str, Any], actor: AnyUser | None = None
) -> Company:
    """Change a client company's details (validated as on creation); each changed field goes
    to the audit trail as changed by ``actor``."""
    before = audit.stored_snapshot(company, data)
    for name, value in data.items():
        setattr(company, name, value)
    company.full_clean()
    with transaction.atomic():
        company.save()
        audit.record_changes(instance=company, before=before, actor=actor)
    return company


def contact_create(*, company: Company, **fields: Any) -> Contact:
    """Create a contact person; a phone or an e-mail is required."""
    contact = Contact(company=company, **fields)
    contact.full_clean()
    contact.save()
    return contact


CONTACT_STAYS = _(
    "A contact stays with its company: its deals belong to it. Add a new contact to the other "
    "company instead."
)


def contact_update(
    *, contact: Contact, data: Mapping[str, Any], actor: AnyUser | None = None
) -> Contact:
    """Change a contact person's name, position, phone or e-mail (one of the last two stays
    filled); each changed field goes to the audit trail as changed by ``actor``. A contact
    stays with its company (its deals belong to it): moving it to another one is refused
    with a ``ValidationError`` on «company»."""
    data = dict(data)
    company = data.pop("company", contact.company)
    company_id = company.pk if isinstance(company, Company) else company
    if company_id != contact.company_id:
        raise ValidationError({"company": [CONTACT_STAYS]}, code="contact_stays")
    unknown = set(data) - set(Contact.EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable on a contact: {', '.join(sorted(unknown))}")
    before = audit.stored_snapshot(contact, data)
    for name, value in data.items():
        setattr(contact, name, value)
    contact.full_clean()
    with transaction.atomic():
        contact.save(update_fields=list(data) or None)
        audit.record_changes(instance=contact, before=before, actor=actor)
    return contact


# --- deal fields ---------------------------------------------------------------------------


def _check_field_code(pipeline: Pipeline, code: str) -> None:
    base = code.split(".", 1)[0]
    if base not in pipeline.field_codes or ("." in code and base != "company"):
        raise exc.DealFieldError(
            gettext(exc.UNKNOWN_FIELD) % {"pipeline": pipeline.label, "field": code}
        )
    if "." in code and code not in pipeline.company_paths:
        try:
            label = model_field(code).verbose_name
        except FieldDoesNotExist:
            label = code.split(".", 1)[1]
        message = gettext(exc.COMPANY_DETAIL_NOT_SETTABLE) % {
            "pipeline": pipeline.label,
            "field": label,
        }
        raise exc.DealFieldError(message, errors={code: [message]})
    if "." not in code and not DEAL_FIELDS[code].editable:
        raise exc.DealFieldError(
            gettext(exc.FIELD_NOT_EDITABLE) % {"field": model_field(code).verbose_name}
        )


def _clean_value(field: models.Field, value: Any, instance: models.Model) -> Any:
    if isinstance(field, models.FileField):
        if value in (None, ""):
            return None
        if isinstance(value, FieldFile) and value._committed:
            # A file already stored (a handoff's КП): it was judged when it was uploaded, and
            # reading it again would tie a handoff to the storage being reachable.
            return value
        validate_upload(value)
        return value
    if isinstance(field, models.ForeignKey):
        if value is None or value == "":
            if not field.null:
                raise ValidationError(field.error_messages["null"], code="null")
            return None
        if isinstance(value, field.related_model):
            return value
        return field.related_model.objects.get(pk=value)
    return field.clean(value, instance)


CONTACT_OF_ANOTHER_COMPANY = _("The contact person is not from the chosen company.")


@dataclass
class _Edit:
    """What ``_apply_fields`` set in memory: deal columns, and the details of the deal's
    company set along with them."""

    columns: list[str] = dataclasses.field(default_factory=list)
    company: Company | None = None
    company_columns: list[str] = dataclasses.field(default_factory=list)

    def write(
        self,
        deal: Deal,
        actor: AnyUser | None,
        save_deal: Callable[[], None],
        *,
        at: datetime.datetime | None = None,
        cleared: Iterable[str] = (),
    ) -> None:
        """Save the deal (``save_deal``) and the company's details, recording each changed
        field (``cleared``: columns the move empties besides). In the caller's transaction:
        the values before are read from the database, the deal's row locked, so the trail
        says what the row held even if the caller's object was loaded earlier."""
        deal_before = audit.stored_snapshot(deal, [*cleared, *self.columns], lock=True)
        company_before = (
            audit.stored_snapshot(self.company, self.company_columns) if self.company else {}
        )
        save_deal()
        if self.company is not None and self.company_columns:
            self.company.save(update_fields=self.company_columns)
            audit.record_changes(
                instance=self.company, before=company_before, actor=actor, deal=deal, at=at
            )
        audit.record_changes(instance=deal, before=deal_before, actor=actor, at=at)


def _apply_fields(deal: Deal, data: Mapping[str, Any]) -> _Edit:
    """Validate and set deal fields (and ``company.*`` details) in memory.

    Returns what it set (``_Edit.write`` saves it). Raises ``DealFieldError`` with every
    field's errors at once, having changed nothing.
    """
    pipeline = deal.pipeline_spec
    deal_values: dict[str, Any] = {}
    company_values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for code, value in data.items():
        _check_field_code(pipeline, code)
        field = model_field(code)
        target = deal.company if code.startswith("company.") else deal
        try:
            cleaned = _clean_value(field, value, target)
        except ValidationError as error:
            errors[code] = [str(m) for m in error.messages]
            continue
        except (TypeError, ValueError, models.ObjectDoesNotExist):
            errors[code] = [gettext("Invalid value.")]
            continue
        (company_values if code.startswith("company.") else deal_values)[field.name] = cleaned
    company = deal_values.get("company", deal.company)
    if company_values and company is None:
        errors["company"] = [gettext("Choose the company first.")]
    contact = deal_values.get("contact", deal.contact)
    if (
        ("company" in deal_values or "contact" in deal_values)
        and contact is not None
        and company is not None
        and contact.company_id != company.pk
    ):
        errors.setdefault("contact", []).append(gettext(CONTACT_OF_ANOTHER_COMPANY))
    responsible = deal_values.get("responsible")
    if "responsible" in deal_values and not may_be_responsible(responsible):
        name = person_name(responsible) if responsible is not None else "—"
        errors.setdefault("responsible", []).append(gettext(NOT_RESPONSIBLE) % {"name": name})
    if errors:
        raise exc.DealFieldError(gettext("Check the highlighted fields."), errors=errors)
    edit = _Edit(columns=list(deal_values))
    if company_values:
        edit.company, edit.company_columns = company, list(company_values)
        previous = {name: getattr(company, name) for name in company_values}
        for name, value in company_values.items():
            setattr(company, name, value)
        try:
            company.full_clean()
        except ValidationError as error:
            for name, value in previous.items():
                setattr(company, name, value)
            raise exc.DealFieldError(
                gettext("Check the highlighted fields."),
                errors={f"company.{k}": v for k, v in error.message_dict.items()},
            ) from None
    for name, value in deal_values.items():
        setattr(deal, name, value)
    return edit


def _missing_error(missing: list[Requirement]) -> exc.MissingFieldsError:
    return exc.MissingFieldsError(missing, requirement_labels(missing))


# --- locks, conflicts and files of failed writes -------------------------------------------


def deal_lock(deal: Deal | int) -> Deal:
    """Lock the deal's row until the end of the current transaction and return it as the
    database has it now (as its pipeline's model).

    The first lock of every write that touches a deal and its tasks: the deal, then its
    tasks (``select_for_update``), then their work sessions, never the other way round.
    Call it inside ``transaction.atomic()``.
    """
    pk = deal.pk if isinstance(deal, Deal) else deal
    return _locked(Deal.objects.filter(pk=pk)).get().as_pipeline()


def _locked(deals: models.QuerySet[Deal]) -> models.QuerySet[Deal]:
    """The lock an UPDATE of the row takes (``FOR NO KEY UPDATE``): it waits for another
    move or decision on the deal, not for rows being added that point to it."""
    return deals.select_for_update(no_key=True)


def _moved_meanwhile(deal: Deal, stage: str | None = None) -> exc.DealConflictError:
    """The conflict of a deal that is not in the stage its caller saw, naming the stage it is
    in now (read from the database unless given)."""
    if stage is None:
        stage = Deal.objects.filter(pk=deal.pk).values_list("stage", flat=True).first()
        stage = stage or deal.stage
    label = str(deal.pipeline_spec.stage(stage).label)
    return exc.DealConflictError(
        gettext(exc.MOVED_MEANWHILE) % {"stage": label}, stage=stage, stage_label=label
    )


def deal_stage_check(*, deal: Deal, expected_stage: str | None) -> None:
    """Refuse to act on a deal the client saw in another stage: ``expected_stage`` is the
    stage the page or the API client showed (``None``: not said). A stale one raises
    ``DealConflictError`` with the stage the deal is in now; a stage the pipeline does not
    have raises ``DealFieldError`` on «expected_stage»."""
    if expected_stage is None:
        return
    pipeline = deal.pipeline_spec
    if expected_stage not in pipeline.stages_by_code:
        message = gettext(exc.UNKNOWN_STAGE) % {
            "pipeline": pipeline.label,
            "stage": expected_stage,
        }
        raise exc.DealFieldError(message, errors={"expected_stage": [message]})
    if expected_stage != deal.stage:
        raise _moved_meanwhile(deal, deal.stage)


@contextmanager
def _files_discarded_on_failure(instance: models.Model, names: Iterable[str]) -> Iterator[None]:
    """Delete the uploads a failed write has already put into storage.

    ``FileField.pre_save`` stores a new upload before the row's UPDATE runs, so a write
    refused after that (a concurrent move, a later step raising) would leave the file on disk
    with no row pointing to it. Used around the service's ``transaction.atomic()``: a caller's
    enclosing transaction rolled back later is not seen (pages and the API, which send
    files, call the services outside any transaction).
    """
    uploads = []
    for name in names:
        value = getattr(instance, name, None)
        if isinstance(value, FieldFile) and value and not value._committed:
            uploads.append(value)
    try:
        yield
    except BaseException:
        for upload in uploads:
            if upload._committed and upload.name:
                upload.storage.delete(upload.name)
        raise


# --- deals ---------------------------------------------------------------------------------


def deal_create(
    *,
    pipeline: str,
    actor: AnyUser | None,
    title: str,
    responsible=None,
    stage: str | None = None,
    source_deal: Deal | None = None,
    data: Mapping[str, Any] | None = None,
) -> Deal:
    """Create a deal («Создать»), by hand or by a handoff.

    A deal created directly in a later stage must have every field the stages before it
    require (``MissingFieldsError`` otherwise), and not past a ``creation_blocker`` (a
    field only the automation fills). Entering the stage runs its automation.

    A person creating it makes ``responsible`` (or ``data["responsible"]``, else themselves)
    responsible, and only someone who ``may_be_responsible``; a handoff (no ``actor``) keeps
    the responsible of the deal it comes from.
    """
    spec = get_pipeline(pipeline)
    stage = stage or spec.first_stage.code
    if not spec.stage(stage).is_open:
        raise exc.TransitionNotAvailableError(
            gettext(exc.CLOSED_STAGE_CREATE) % {"stage": spec.stage(stage).label}
        )
    blocking = creation_blocker(spec, stage)
    if blocking is not None:
        raise exc.TransitionNotAvailableError(
            gettext(exc.UNREACHABLE_STAGE_CREATE)
            % {"stage": spec.stage(stage).label, "field": requirement_label(blocking)}
        )
    deal = PIPELINE_MODELS[pipeline](
        pipeline=pipeline,
        stage=stage,
        title=title,
        responsible=responsible or actor,
        created_by=acting_person(actor),
        source_deal=source_deal,
    )
    data = dict(data or {})
    if acting_person(actor) is not None:
        data.setdefault("responsible", responsible or actor)
    edit = _apply_fields(deal, data)
    edit.columns = []  # a new deal's values are not changes; its company's are
    missing = missing_to_stand_in(deal, stage)
    if missing:
        raise _missing_error(missing)
    deal.full_clean(exclude=["stage"])
    with transaction.atomic():
        edit.write(deal, actor, deal.save)
        change = StageChange.objects.create(
            deal=deal,
            transition="create",
            from_stage="",
            to_stage=stage,
            actor=deal.created_by,
        )
        automation.stage_entered(deal, change)
    return deal


def _loaded(deal: Deal) -> Deal:
    """The deal with its deferred columns loaded. On a row read with ``only()``, saving would
    load a deferred column midway through ``save()``, and that load puts back the stage the
    database still has: the move was written, but its history row and the caller's object
    kept the old stage."""
    deferred = deal.get_deferred_fields()
    if deferred:
        deal.refresh_from_db(fields=list(deferred))
    return deal


def deal_update(*, deal: Deal, actor: AnyUser, data: Mapping[str, Any]) -> Deal:
    """Edit a deal's fields without moving it. Only the changed columns are written, so a
    concurrent move is never overwritten; a deal moved since it was loaded raises
    ``DealConflictError`` (the edit may not fit the new stage) and nothing is saved."""
    _loaded(deal)
    if not can_move_deal(deal, actor):
        raise PermissionDeniedError(gettext(exc.NOT_ALLOWED))
    edit = _apply_fields(deal, data)
    deal.full_clean(exclude=["stage"])
    try:
        with _files_discarded_on_failure(deal, edit.columns), transaction.atomic():
            edit.write(deal, actor, lambda: deal.save(update_fields=[*edit.columns, "updated_at"]))
    except ConcurrentTransition as error:
        deal.refresh_from_db()
        raise _moved_meanwhile(deal, deal.stage) from error
    return deal


@dataclass(frozen=True)
class AvailableMove:
    """A move the user may make now, and what it still needs («missing» blocks a forward move)."""

    transition: Transition
    missing: tuple[Requirement, ...]

    @property
    def name(self) -> str:
        return self.transition.name


def deal_available_moves(*, deal: Deal, user: AnyUser) -> list[AvailableMove]:
    """Moves from the deal's stage that this user may make, with the fields each still lacks.

    Reads only the deal (with its company loaded): no queries per deal.
    """
    pipeline = deal.pipeline_spec
    moves = []
    for move in pipeline.transitions:
        if deal.stage not in move.sources:
            continue
        allowed = (
            can_reopen_deal(deal, user) if move.kind == "reopen" else can_move_deal(deal, user)
        )
        if not allowed:
            continue
        missing = (
            RequiredFields(pipeline, deal.stage).missing(deal) if move.kind == "forward" else []
        )
        moves.append(AvailableMove(move, tuple(missing)))
    return moves


def _reopen_target(deal: Deal) -> str:
    """The open stage the deal was closed from, else the pipeline's first stage."""
    last = deal.stage_changes.filter(to_stage=deal.stage).order_by("-created_at", "-pk").first()
    pipeline = deal.pipeline_spec
    if last and last.from_stage and pipeline.stage(last.from_stage).is_open:
        return last.from_stage
    return pipeline.first_stage.code


def deal_move(
    *,
    deal: Deal,
    transition: str,
    actor: AnyUser | None,
    comment: str = "",
    reason: LossReason | int | None = None,
    data: Mapping[str, Any] | None = None,
    check_permission: bool = True,
    expected_stage: str | None = None,
) -> StageChange:
    """Move a deal by one transition of its pipeline, after setting ``data`` if given.

    Rules: forward moves need the fields the stage being left requires
    (``MissingFieldsError`` names them); a failure needs a reason offered in the pipeline and
    a comment; a return and a reopening need a comment; only admins reopen; a manager moves
    only their own deals (``check_permission=False`` is for the automation acting for the
    system). Side effects: the deal row (only the moved columns), a ``StageChange`` history
    row and the stage's automation jobs, all in one transaction; the jobs are sent to Celery
    on commit.

    Concurrency: the deal is moved from the stage the caller saw, ``expected_stage`` when the
    client says it (the page's hidden field, the API's ``expected_stage``), else the stage of
    the ``deal`` as loaded. A deal in another stage, now or once its row is locked (the
    move takes the deal's lock first, then its tasks'), raises ``DealConflictError`` with the
    stage it is in, and nothing is saved: of two moves sent at once exactly one applies.
    Files a refused or losing move had stored are deleted.
    """
    deal = _loaded(deal.as_pipeline())
    pipeline = deal.pipeline_spec
    move = pipeline.transition(transition)
    if move is None:
        raise exc.TransitionNotAvailableError(
            gettext(exc.UNKNOWN_TRANSITION) % {"pipeline": pipeline.label, "transition": transition}
        )
    deal_stage_check(deal=deal, expected_stage=expected_stage)
    if deal.stage not in move.sources:
        raise exc.TransitionNotAvailableError(
            gettext(exc.NOT_FROM_STAGE) % {"move": move.label, "stage": deal.stage_label}
        )
    if check_permission:
        allowed = (
            can_reopen_deal(deal, actor) if move.kind == "reopen" else can_move_deal(deal, actor)
        )
        if not allowed:
            raise PermissionDeniedError(gettext(exc.NOT_ALLOWED))

    comment = (comment or "").strip()
    _check_move_comment(comment)
    kwargs: dict[str, Any] = {}
    if move.kind == "fail":
        kwargs["reason"] = _failure_reason(pipeline, reason)
        if not comment:
            raise exc.FailureReasonRequiredError(gettext(exc.REASON_REQUIRED))
        kwargs["comment"] = comment
    elif move.kind == "return" and not comment:
        raise exc.CommentRequiredError(gettext(exc.COMMENT_REQUIRED))
    elif move.kind == "reopen" and not comment:
        raise exc.CommentRequiredError(gettext(exc.REOPEN_COMMENT_REQUIRED))

    seen = deal.stage
    edit = _apply_fields(deal, data) if data else _Edit()
    try:
        with _files_discarded_on_failure(deal, edit.columns), transaction.atomic():
            # The deal first: its row is locked before any of its tasks'.
            now_in = _locked(Deal.objects.filter(pk=deal.pk)).values_list("stage", flat=True).get()
            if now_in != seen:
                raise _moved_meanwhile(deal, now_in)
            if move.kind == "forward":
                missing = RequiredFields(pipeline, deal.stage).missing(deal)
                if missing:
                    raise _missing_error(missing)
            elif move.kind == "reopen":
                kwargs["target"] = _reopen_target(deal)
            if edit.columns:
                deal.full_clean(exclude=["stage"])
            return _commit_move(deal, move, actor, comment, kwargs, edit)
    except Exception:
        # Nothing was saved; put the caller's objects back as the database has them.
        if deal.pk:
            deal.refresh_from_db()
        raise


def _check_move_comment(comment: str) -> None:
    """The comment of a move (a failure's too) within the length cap of its columns."""
    try:
        check_text(StageChange, "comment", comment)
    except ValidationError as error:
        raise exc.DealFieldError(error.messages[0], errors={"comment": error.messages}) from None


def _failure_reason(pipeline: Pipeline, reason: LossReason | int | None) -> LossReason:
    if reason in (None, ""):
        raise exc.FailureReasonRequiredError(gettext(exc.REASON_REQUIRED))
    if not isinstance(reason, LossReason):
        reason = LossReason.objects.filter(pk=reason).first()
    if reason is None or not reason.is_active or reason.pipeline not in ("", pipeline.code):
        raise exc.FailureReasonRequiredError(gettext(exc.REASON_NOT_OFFERED))
    return reason


_MOVE_COLUMNS = [
    "stage",
    "stage_entered_at",
    "closed_at",
    "failure_reason",
    "failure_comment",
    "updated_at",
]


def _commit_move(
    deal: Deal, move: Transition, actor, comment: str, kwargs: dict, edit: _Edit
) -> StageChange:
    source, source_entered_at = deal.stage, deal.stage_entered_at
    now = timezone.now()
    cleared = list(pipeline_clears(deal.pipeline_spec, move))
    with transaction.atomic():
        try:
            getattr(deal, move.name)(**kwargs)
        except TransitionNotAllowed as error:  # the guard's safety net; services checked first
            raise exc.TransitionNotAvailableError(str(error)) from error
        deal.stage_entered_at = now
        deal.closed_at = None if deal.is_open else now

        def save_deal() -> None:
            try:
                with transaction.atomic():
                    deal.save(update_fields=[*_MOVE_COLUMNS, *edit.columns, *cleared])
            except ConcurrentTransition as error:  # the lock makes it unlikely; never a 500
                raise _moved_meanwhile(deal) from error

        edit.write(deal, actor, save_deal, at=now, cleared=cleared)
        change = StageChange.objects.create(
            deal=deal,
            transition=move.name,
            from_stage=source,
            to_stage=deal.stage,
            actor=acting_person(actor),
            comment=comment,
            reason=kwargs.get("reason"),
            created_at=now,
            from_stage_entered_at=source_entered_at,
        )
        _cancel_tasks_of_stage_left(deal, source, actor, now)
        automation.stage_entered(deal, change)
    return change


def _cancel_tasks_of_stage_left(deal: Deal, stage: str, actor, at) -> None:
    """Tasks still open for the stage the deal left have nothing more to do."""
    from deals.services.tasks import tasks_cancel_of_stage

    tasks_cancel_of_stage(deal=deal, stage=stage, actor=actor, at=at)


def pipeline_clears(pipeline: Pipeline, move: Transition) -> tuple[str, ...]:
    return pipeline.stage(move.target).clears_on_return if move.kind == "return" else ()


def deal_set_automation_fields(
    *, deal: Deal, values: Mapping[str, Any], actor: AnyUser | None = None
) -> Deal:
    """Set fields that only the automation fills in (the ГД's approval, the warehouse result
    files); ``actor`` is the person whose decision or result it is, for the audit trail. Not
    for user input: callers are the approval and warehouse-task services, which pass the
    deal from ``deal_lock`` (locked before its task). A deal moved since it was loaded raises
    ``DealConflictError`` and nothing is saved."""
    unknown = [code for code in values if code not in DEAL_FIELDS or DEAL_FIELDS[code].editable]
    if unknown:
        raise ValueError(f"Not automation fields: {unknown}")
    _loaded(deal)
    before = audit.snapshot(deal, values)
    for code, value in values.items():
        setattr(deal, code, value)
    try:
        with transaction.atomic():
            deal.save(update_fields=[*values, "updated_at"])
            audit.record_changes(instance=deal, before=before, actor=actor)
    except ConcurrentTransition as error:
        deal.refresh_from_db()
        raise _moved_meanwhile(deal, deal.stage) from error
    return deal
