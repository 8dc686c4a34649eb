"""Stage-entry automation of documents (registered from ``DocumentsConfig.ready``)."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deals.automation import on_stage_entry
from documents.services import agreed_prices_from_proposal


@on_stage_entry(
    "calculation",
    "won",
    key="agreed_prices",
    label=_("the proposal's prices become the client's agreed prices"),
)
def keep_agreed_prices(deal, change) -> None:
    agreed_prices_from_proposal(deal=deal, on=timezone.localdate(change.created_at))
