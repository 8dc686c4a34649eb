"""3. «Заявка на обработку товара»: labeling, «Честный знак» marking, packing, kitting and
quality checks of goods on storage."""

from django.utils.translation import gettext_lazy as _

from deals.pipelines.base import FieldGroup, Pipeline, Stage, StageKind, req
from deals.pipelines.common import (
    CLIENT_GROUP_FIELDS,
    COMPANY,
    INVOICE,
    INVOICE_GROUP_FIELDS,
    PAYMENT,
)

PROCESSING = Pipeline(
    code="processing",
    label=_("Goods processing request"),
    plural_label=_("Goods processing requests"),
    stages=(
        Stage(
            "new",
            _("New goods processing request"),
            requires=(
                COMPANY,
                req("operations"),
                req("units"),
                req("deadline"),
                req(
                    "instructions",
                    "instructions",
                    "instructions_file",
                    label=_("Instructions (text or file)"),
                ),
            ),
        ),
        Stage(
            "to_warehouse",
            _("Send request to warehouse"),
            requires=(req("processing_report_file"),),
            clears_on_return=("processing_report_file",),
        ),
        Stage(
            "result_approval",
            _("Agree processing result with client"),
            requires=(req("result_agreed"),),
            returns_to=("to_warehouse",),
        ),
        Stage("invoice", _("Send client invoice for processing"), requires=INVOICE),
        Stage("awaiting_payment", _("Awaiting invoice payment"), requires=PAYMENT),
        Stage("won", _("Processing paid"), StageKind.SUCCESS),
        Stage("lost", _("Refused"), StageKind.FAILURE),
    ),
    groups=(
        FieldGroup(_("Client"), CLIENT_GROUP_FIELDS),
        FieldGroup(
            _("Work"),
            ("operations", "units", "deadline", "instructions", "instructions_file"),
        ),
        FieldGroup(_("Result"), ("processing_report_file", "result_agreed")),
        FieldGroup(_("Invoice and payment"), INVOICE_GROUP_FIELDS),
    ),
)
