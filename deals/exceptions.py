"""Why a deal operation was refused. Messages are translated constants that tests assert."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from deals.pipelines.base import Requirement
from fulfillment.exceptions import ApplicationError

MISSING_FIELDS = _("Fill in the required fields: %(fields)s.")
UNKNOWN_TRANSITION = _("The pipeline «%(pipeline)s» has no move «%(transition)s».")
NOT_FROM_STAGE = _("The move «%(move)s» is not possible from the stage «%(stage)s».")
CLOSED_STAGE_CREATE = _("A deal cannot be created in the closed stage «%(stage)s».")
UNREACHABLE_STAGE_CREATE = _(
    "A deal cannot be created in the stage «%(stage)s»: it comes after «%(field)s», which only "
    "the automation fills in. Create it in an earlier stage and move it on."
)
REASON_REQUIRED = _("Choose a failure reason and write a comment.")
REASON_NOT_OFFERED = _("This failure reason is not offered in this pipeline.")
COMMENT_REQUIRED = _("A return needs a comment: say what has to change.")
REOPEN_COMMENT_REQUIRED = _("Reopening a closed deal needs a comment.")
MOVED_MEANWHILE = _("The deal has already been moved to the stage «%(stage)s». Reload the page.")
UNKNOWN_STAGE = _("The pipeline «%(pipeline)s» has no stage «%(stage)s».")
NOT_ALLOWED = _("You may not move this deal.")
FIELD_NOT_EDITABLE = _("The field «%(field)s» is filled in by the automation, not by hand.")
UNKNOWN_FIELD = _("The pipeline «%(pipeline)s» has no field «%(field)s».")
COMPANY_DETAIL_NOT_SETTABLE = _(
    "The company's «%(field)s» cannot be set with a deal of «%(pipeline)s»: only the company "
    "details this pipeline requires."
)


class DealError(ApplicationError):
    """A deal operation was refused; nothing was saved."""


class MissingFieldsError(DealError):
    """A move (or a deal created in a later stage) lacks required fields.

    ``missing`` holds the requirements; ``extra["missing_fields"]`` their codes and labels.
    """

    def __init__(self, missing: Sequence[Requirement], labels: dict[str, str]) -> None:
        self.missing = list(missing)
        self.fields = [{"code": r.code, "label": labels[r.code]} for r in self.missing]
        super().__init__(
            gettext(MISSING_FIELDS) % {"fields": ", ".join(f["label"] for f in self.fields)},
            extra={"missing_fields": [f["code"] for f in self.fields]},
        )

    @property
    def codes(self) -> list[str]:
        return [r.code for r in self.missing]


class TransitionNotAvailableError(DealError):
    """The move does not exist in the pipeline or not from the deal's stage."""


class FailureReasonRequiredError(DealError):
    """A move to the failure stage came without a reason or a comment."""


class CommentRequiredError(DealError):
    """A return or a reopening came without a comment."""


class DealConflictError(DealError):
    """The deal is no longer in the stage the caller saw: another user moved it first, or the
    client's ``expected_stage`` is stale. ``stage`` (also ``extra["stage"]`` with
    ``extra["stage_label"]``) is the stage it is in now, when known."""

    def __init__(self, message: str, *, stage: str = "", stage_label: str = "") -> None:
        extra = {"stage": stage, "stage_label": stage_label} if stage else {}
        super().__init__(message, extra=extra)
        self.stage = stage


class DealFieldError(DealError):
    """A field value was refused (unknown field, automation-only field, invalid value)."""

    def __init__(self, message: str, *, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message, extra={"errors": errors or {}})
        self.errors = errors or {}
