"""Guards of the moves: what a deal still lacks to leave its stage, and who may move it.

``RequiredFields`` is the condition every forward transition carries (a safety net); services
ask it for ``missing()`` first so a refusal can name the fields. Conditions read only the deal
and its already loaded company and contact: no queries, so listing the moves of many deals on
a board costs nothing per card.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from deals.pipelines.base import Pipeline, Requirement
from fulfillment.roles import AnyUser, is_administrator, is_sales, sees_all_deals

if TYPE_CHECKING:
    from deals.models import Deal


class RequiredFields:
    """The requirements of one stage of one pipeline, as a django-fsm condition."""

    def __init__(self, pipeline: Pipeline, stage: str) -> None:
        self.pipeline = pipeline
        self.stage = stage
        self.requirements = pipeline.requirements_to_leave(stage)
        self.__name__ = f"required_fields_{pipeline.code}_{stage}"

    def missing(self, deal: Deal) -> list[Requirement]:
        missing = [r for r in self.requirements if not r.is_met(deal)]
        # Details of an empty link (``company.inn`` without a company) are not listed apart:
        # choosing the company is the one thing to do first.
        empty_links = {r.code for r in missing}
        return [
            r
            for r in missing
            if not all("." in p and p.split(".", 1)[0] in empty_links for p in r.paths)
        ]

    def __call__(self, deal: Deal) -> bool:
        return not self.missing(deal)


def missing_to_stand_in(deal: Deal, stage: str) -> list[Requirement]:
    """Everything the stages before ``stage`` require: what a deal created there must have."""
    pipeline = deal.pipeline_spec
    missing: list[Requirement] = []
    seen: set[str] = set()
    for passed in pipeline.stages_before(stage):
        for requirement in RequiredFields(pipeline, passed.code).missing(deal):
            if requirement.code not in seen:
                seen.add(requirement.code)
                missing.append(requirement)
    return missing


def can_see_deal(deal: Deal, user: AnyUser) -> bool:
    return sees_all_deals(user) or (is_sales(user) and deal.responsible_id == user.pk)


def can_move_deal(deal: Deal, user: AnyUser) -> bool:
    """Managers move the deals they are responsible for; the director and admins move any."""
    return can_see_deal(deal, user)


def reopens_deals(user: AnyUser) -> bool:
    """Only an administrator reopens a closed deal (and the reopening is logged)."""
    return is_administrator(user)


def can_reopen_deal(deal: Deal, user: AnyUser) -> bool:
    return reopens_deals(user)
