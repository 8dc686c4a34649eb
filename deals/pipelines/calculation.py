"""1. «Заявка на просчет заказа»: agree fulfillment terms; the КП is approved by the ГД, then
by the client; a won deal goes on to acceptance (or to a contract first)."""

from django.utils.translation import gettext_lazy as _

from deals.pipelines.base import FieldGroup, Pipeline, Stage, StageKind, req
from deals.pipelines.common import CLIENT_GROUP_FIELDS, COMPANY

CALCULATION = Pipeline(
    code="calculation",
    label=_("Calculation request"),
    plural_label=_("Calculation requests"),
    stages=(
        Stage(
            "new",
            _("New calculation request"),
            requires=(
                COMPANY,
                req("contact"),
                req("services"),
                req("marketplaces"),
                req("goods_description"),
                req("sku_count"),
                req("units_per_month"),
            ),
        ),
        Stage(
            "proposal",
            _("Prepare commercial proposal"),
            requires=(req("proposal_file"), req("amount")),
            # A changed КП needs the director's approval again.
            clears_on_return=("director_approved_at",),
        ),
        Stage(
            "director_approval",
            _("Approve proposal with director"),
            requires=(req("director_approved_at"),),
            returns_to=("proposal",),
        ),
        Stage("client_approval", _("Approve proposal with client"), returns_to=("proposal",)),
        Stage("won", _("Proposal approved by client"), StageKind.SUCCESS),
        Stage("lost", _("Proposal refused"), StageKind.FAILURE),
    ),
    groups=(
        FieldGroup(_("Client"), CLIENT_GROUP_FIELDS),
        FieldGroup(
            _("Request"),
            ("services", "marketplaces", "goods_description", "sku_count", "units_per_month"),
        ),
        FieldGroup(_("Commercial proposal"), ("proposal_file", "amount", "director_approved_at")),
    ),
    # The КП's amount goes on as what the client agreed; the next deal's ``amount`` is its own
    # invoice's.
    carried_as=(("amount", "proposal_amount"),),
)
