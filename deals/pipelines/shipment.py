"""4. «Заявка на отгрузку»: pick, pack and ship goods to a marketplace warehouse or an address."""

from django.utils.translation import gettext_lazy as _

from deals.pipelines.base import FieldGroup, Pipeline, Stage, StageKind, req
from deals.pipelines.common import (
    CLIENT_GROUP_FIELDS,
    COMPANY,
    INVOICE,
    INVOICE_GROUP_FIELDS,
    PAYMENT,
)


def _to_marketplace(deal) -> bool:
    return deal.destination_type == "marketplace"


SHIPMENT = Pipeline(
    code="shipment",
    label=_("Shipment request"),
    plural_label=_("Shipment requests"),
    stages=(
        Stage(
            "new",
            _("New shipment request"),
            requires=(
                COMPANY,
                req("destination_type"),
                req("destination"),
                req("marketplace_supply_number", applies=_to_marketplace),
                req("shipment_date"),
                req("boxes"),
                req("units"),
            ),
        ),
        Stage(
            "to_warehouse",
            _("Send request to warehouse"),
            requires=(req("packing_list_file"),),
            clears_on_return=("packing_list_file",),
        ),
        Stage(
            "documents_approval",
            _("Agree shipping documents with client"),
            requires=(req("documents_agreed"), req("tracking_number")),
            returns_to=("to_warehouse",),
        ),
        Stage("invoice", _("Send client invoice for shipment"), requires=INVOICE),
        Stage("awaiting_payment", _("Awaiting invoice payment"), requires=PAYMENT),
        Stage("won", _("Shipped and paid"), StageKind.SUCCESS),
        Stage("lost", _("Refused"), StageKind.FAILURE),
    ),
    groups=(
        FieldGroup(_("Client"), CLIENT_GROUP_FIELDS),
        FieldGroup(
            _("Shipment"),
            (
                "destination_type",
                "destination",
                "marketplace_supply_number",
                "shipment_date",
                "boxes",
                "units",
            ),
        ),
        FieldGroup(_("Documents"), ("packing_list_file", "documents_agreed", "tracking_number")),
        FieldGroup(_("Invoice and payment"), INVOICE_GROUP_FIELDS),
    ),
)
