"""Stage-entry automation of the contract check (registered from ``ContractsConfig.ready``)."""

from django.utils.translation import gettext_lazy as _

from contracts.services import calculation_contract_check, contract_signed
from deals.automation import on_stage_entry


@on_stage_entry(
    "calculation",
    "won",
    key="contract_check",
    label=_(
        "the acceptance request opens (or, if the company has no contract yet, a contract deal)"
    ),
)
def check_contract(deal, change) -> None:
    calculation_contract_check(deal=deal)


@on_stage_entry(
    "contract",
    "won",
    key="contract_signed",
    label=_("the acceptance requests waiting for this contract open"),
)
def sign_contract(deal, change) -> None:
    contract_signed(deal=deal)
