"""5. «Заключить договор с новым клиентом»: sign the fulfillment contract with a new client.

The automation of this pipeline (the contract flag, opening the waiting acceptance requests)
lives in the ``contracts`` app; the stages live here with the other pipelines because the one
deal table and its stage constraint are built from all five.
"""

from django.utils.translation import gettext_lazy as _

from deals.pipelines.base import FieldGroup, Pipeline, Stage, StageKind, req
from deals.pipelines.common import CLIENT_GROUP_FIELDS, COMPANY


def _is_organisation(deal) -> bool:
    """KPP exists only for organisations (10-digit INN), not for entrepreneurs."""
    return deal.company is not None and len(deal.company.inn or "") == 10


LEGAL_DETAILS = (
    COMPANY,
    req("company.legal_name"),
    req("company.inn"),
    req("company.kpp", applies=_is_organisation),
    req("company.ogrn"),
    req("company.legal_address"),
    req("company.bik"),
    req("company.bank_account"),
    req("company.signatory"),
)

CONTRACT = Pipeline(
    code="contract",
    label=_("Contract with a new client"),
    plural_label=_("Contracts with new clients"),
    stages=(
        Stage("new", _("New contract"), requires=LEGAL_DETAILS),
        Stage("drafting", _("Prepare contract"), requires=(req("contract_draft_file"),)),
        Stage("client_approval", _("Agree contract with client"), returns_to=("drafting",)),
        Stage(
            "signing",
            _("Contract signing"),
            requires=(req("contract_number"), req("contract_date"), req("signed_contract_file")),
        ),
        Stage("won", _("Contract signed"), StageKind.SUCCESS),
        Stage("lost", _("Contract refused"), StageKind.FAILURE),
    ),
    groups=(
        FieldGroup(_("Client"), CLIENT_GROUP_FIELDS),
        FieldGroup(
            _("Contract"),
            ("contract_draft_file", "contract_number", "contract_date", "signed_contract_file"),
        ),
    ),
)
