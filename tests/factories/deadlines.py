"""Stage deadline rules, and deals standing in a stage since a given moment with the stage
change that put them there (what a reminder hangs on)."""

from __future__ import annotations

import datetime
from typing import Any

import factory

from deadlines.models import StageDeadline
from deals.models import Deal, StageChange
from tests.factories import make_deal


class StageDeadlineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StageDeadline
        django_get_or_create = ("pipeline", "stage")

    pipeline = "calculation"
    stage = "director_approval"
    base = StageDeadline.Base.STAGE_ENTRY
    amount = 1
    unit = StageDeadline.Unit.WORKING_DAYS


def deal_entered(pipeline: str, stage: str, *, at: datetime.datetime, **overrides: Any) -> Deal:
    """A deal that entered ``stage`` at ``at``, with its stage history row."""
    deal = make_deal(pipeline, stage, stage_entered_at=at, **overrides)
    StageChange.objects.create(
        deal=deal, transition="create", from_stage="", to_stage=stage, created_at=at
    )
    return deal
