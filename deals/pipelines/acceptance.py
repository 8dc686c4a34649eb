"""2. «Заявка на приемку товара»: the warehouse recounts the goods, the client agrees the
recount, acceptance and storage are invoiced and paid."""

from django.utils.translation import gettext_lazy as _

from deals.pipelines.base import FieldGroup, Pipeline, Stage, StageKind, req
from deals.pipelines.common import (
    CLIENT_GROUP_FIELDS,
    COMPANY,
    INVOICE,
    INVOICE_GROUP_FIELDS,
    PAYMENT,
)

ACCEPTANCE = Pipeline(
    code="acceptance",
    label=_("Goods acceptance request"),
    plural_label=_("Goods acceptance requests"),
    stages=(
        Stage(
            "new",
            _("New goods acceptance request"),
            requires=(
                COMPANY,
                req("arrival_date"),
                req("boxes"),
                req("units"),
                req("delivery_method"),
                req("acceptance_type"),
            ),
        ),
        Stage(
            "to_warehouse",
            _("Send request to warehouse"),
            requires=(req("recount_file"),),
            clears_on_return=("recount_file",),
        ),
        Stage(
            "recount_approval",
            _("Agree recount data with client"),
            requires=(req("recount_agreed"), req("accepted_units")),
            returns_to=("to_warehouse",),
        ),
        Stage("invoice", _("Send client invoice for acceptance and storage"), requires=INVOICE),
        Stage("awaiting_payment", _("Awaiting invoice payment"), requires=PAYMENT),
        Stage("won", _("Acceptance paid"), StageKind.SUCCESS),
        Stage("lost", _("Refused"), StageKind.FAILURE),
    ),
    groups=(
        FieldGroup(_("Client"), CLIENT_GROUP_FIELDS),
        # What the client agreed in the calculation request (carried over with it).
        FieldGroup(_("Agreed commercial proposal"), ("proposal_file", "proposal_amount")),
        FieldGroup(
            _("Goods"),
            (
                "goods_description",
                "marketplaces",
                "arrival_date",
                "boxes",
                "units",
                "delivery_method",
                "acceptance_type",
            ),
        ),
        FieldGroup(_("Recount"), ("recount_file", "recount_agreed", "accepted_units")),
        FieldGroup(_("Invoice and payment"), INVOICE_GROUP_FIELDS),
    ),
)
