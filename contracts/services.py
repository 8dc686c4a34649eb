"""The contract check of a won calculation request and the company's contract status."""

from __future__ import annotations

import datetime

from django.db import transaction

from deals.models import Company, Deal
from deals.pipelines import CONTRACT
from deals.services import audit, deal_handoff

OPEN_CONTRACT_STAGES = [s.code for s in CONTRACT.open_stages]


def calculation_contract_check(*, deal: Deal) -> Deal:
    """A won calculation request goes on by the company's «Заключен договор» flag.

    With a contract: the acceptance request is opened, fields carried over. Without: a
    contract deal is opened for the company unless one is open already, and the calculation
    deal waits on it. Without a contract the company row is locked, so that two deals of one
    company won at once open one contract deal (with one, the handoff's own uniqueness is
    enough and deals of one company hand over in parallel). Returns the deal opened or
    waited on.
    """
    if Company.objects.filter(pk=deal.company_id, has_contract=True).exists():
        return deal_handoff(source=deal, pipeline="acceptance")[0]
    with transaction.atomic():
        company = Company.objects.select_for_update().get(pk=deal.company_id)
        if company.has_contract:  # signed while we waited for the lock
            return deal_handoff(source=deal, pipeline="acceptance")[0]
        contract = (
            Deal.objects.filter(
                pipeline="contract", company=company, stage__in=OPEN_CONTRACT_STAGES
            )
            .order_by("created_at", "pk")
            .first()
        )
        if contract is None:
            contract, _created = deal_handoff(source=deal, pipeline="contract")
        Deal.objects.filter(pk=deal.pk).update(awaiting_contract=contract)
        return contract


def company_contract_sign(*, company: Company, number: str, date: datetime.date) -> Company:
    """Record a signed contract on the company: «Заключен договор» = yes, number and date."""
    columns = ["has_contract", "contract_number", "contract_date"]
    before = audit.snapshot(company, columns)
    company.has_contract = True
    company.contract_number = number
    company.contract_date = date
    company.full_clean()
    with transaction.atomic():
        company.save(update_fields=columns)
        audit.record_changes(instance=company, before=before, actor=None)
    return company


def contract_signed(*, deal: Deal) -> list[Deal]:
    """A contract deal was won: the company has a contract now, and every won calculation
    request of the company that waits for a contract gets its acceptance request.

    Waiting on *any* contract deal counts, so a calculation whose contract deal failed and was
    replaced by another still goes on. Returns the acceptance requests opened now.
    """
    with transaction.atomic():
        company = Company.objects.select_for_update().get(pk=deal.company_id)
        company_contract_sign(company=company, number=deal.contract_number, date=deal.contract_date)
        waiting = (
            Deal.objects.filter(
                pipeline="calculation",
                company=company,
                stage="won",
                awaiting_contract__isnull=False,
            )
            .exclude(handoffs_out__pipeline="acceptance")
            .order_by("pk")
        )
        opened = []
        for calculation in waiting:
            acceptance, created = deal_handoff(source=calculation, pipeline="acceptance")
            if created:
                opened.append(acceptance)
        return opened
