"""Stage limits of the demo data, so a new user sees overdue marks and the /overdue/ page."""

from __future__ import annotations

from deadlines.models import StageDeadline

Unit = StageDeadline.Unit

# (pipeline, stage, amount, unit): a КП is prepared in a working day and approved by the
# director within four working hours; the warehouse recounts within a working day; a client
# pays within five.
DEMO_LIMITS = [
    ("calculation", "new", 1, Unit.WORKING_DAYS),
    ("calculation", "proposal", 1, Unit.WORKING_DAYS),
    ("calculation", "director_approval", 4, Unit.WORKING_HOURS),
    ("acceptance", "to_warehouse", 1, Unit.WORKING_DAYS),
    ("acceptance", "recount_approval", 2, Unit.WORKING_DAYS),
    ("acceptance", "awaiting_payment", 5, Unit.WORKING_DAYS),
    ("processing", "to_warehouse", 2, Unit.WORKING_DAYS),
    ("shipment", "to_warehouse", 1, Unit.WORKING_DAYS),
]


def seed_demo() -> None:
    """Create the demo limits (full_clean: each is checked against the pipelines' spec)."""
    for pipeline, stage, amount, unit in DEMO_LIMITS:
        if StageDeadline.objects.filter(pipeline=pipeline, stage=stage).exists():
            continue
        rule = StageDeadline(pipeline=pipeline, stage=stage, amount=amount, unit=unit)
        rule.full_clean()
        rule.save()
