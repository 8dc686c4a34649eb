"""Stage-entry automation: which actions run when a deal enters a stage, and the outbox that
makes each run exactly once after the move commits.

Apps register their actions from ``AppConfig.ready`` (the core never imports them)::

    @on_stage_entry("acceptance", "to_warehouse", key="warehouse_task")
    def create_warehouse_task(deal, change): ...

A move writes one ``AutomationJob`` per registered action in its own transaction and sends
the job ids to Celery on commit. ``job_run`` runs a handler under a row lock and marks the job
done in the same transaction, so a job delivered twice does nothing the second time; handlers
are idempotent on their own as well (natural keys, unique constraints).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

logger = logging.getLogger(__name__)

Handler = Callable[["Deal", "StageChange"], None]  # noqa: F821


@dataclass(frozen=True)
class EntryAction:
    key: str
    pipeline: str
    stage: str
    handler: Handler


_ACTIONS: dict[str, EntryAction] = {}


def on_stage_entry(pipeline: str, stage: str, *, key: str) -> Callable[[Handler], Handler]:
    """Register ``handler`` to run whenever a deal of ``pipeline`` enters ``stage``."""
    from deals.pipelines import get_pipeline

    get_pipeline(pipeline).stage(stage)  # fail at start-up on a typo, not at run time

    def register(handler: Handler) -> Handler:
        action = EntryAction(
            key=f"{pipeline}.{stage}.{key}", pipeline=pipeline, stage=stage, handler=handler
        )
        existing = _ACTIONS.get(action.key)
        if existing and existing.handler is not handler:
            raise RuntimeError(f"Automation action {action.key} registered twice")
        _ACTIONS[action.key] = action
        return handler

    return register


def actions_for(pipeline: str, stage: str) -> list[EntryAction]:
    return [a for a in _ACTIONS.values() if a.pipeline == pipeline and a.stage == stage]


def registered_actions() -> dict[str, EntryAction]:
    return dict(_ACTIONS)


def stage_entered(deal, change) -> list:
    """Record the jobs of the stage the deal has just entered; send them on commit.

    Must be called inside the move's transaction.
    """
    from deals.models import AutomationJob

    jobs = [
        AutomationJob(deal=deal, stage_change=change, action=action.key)
        for action in actions_for(deal.pipeline, deal.stage)
    ]
    if not jobs:
        return []
    AutomationJob.objects.bulk_create(jobs)
    ids = [job.pk for job in jobs]
    transaction.on_commit(lambda: enqueue(ids))
    return jobs


def enqueue(job_ids: Iterable[int]) -> None:
    """Send jobs to Celery. A broker outage is logged, not raised: the move has committed and
    the sweep (``jobs_sweep``) sends the jobs again when the broker is back."""
    from deals.tasks import run_automation_job

    for job_id in job_ids:
        try:
            run_automation_job.delay(job_id)
        except Exception:  # the broker is down; the job stays pending for the sweep
            logger.warning(
                "Automation job %s not sent; the sweep will retry", job_id, exc_info=True
            )


def job_run(job_id: int) -> bool:
    """Run one job once. Returns False when it was done already (a duplicate delivery).

    The handler and the «done» mark share one transaction under a row lock: a crash in
    between leaves the job pending and its effects rolled back, never half done.
    """
    from deals.models import AutomationJob

    with transaction.atomic():
        job = (
            AutomationJob.objects.select_for_update(of=("self",))
            .select_related("deal", "stage_change")
            .filter(pk=job_id)
            .first()
        )
        if job is None or job.status == AutomationJob.Status.DONE:
            return False
        action = _ACTIONS.get(job.action)
        if action is None:
            raise LookupError(f"No automation action {job.action!r} is registered")
        action.handler(job.deal.as_pipeline(), job.stage_change)
        job.status = AutomationJob.Status.DONE
        job.done_at = timezone.now()
        job.attempts += 1
        job.save(update_fields=["status", "done_at", "attempts"])
    return True


def job_record_failure(job_id: int, error: BaseException, *, final: bool) -> None:
    """Count a failed attempt; a job that ran out of retries is marked failed for the admin."""
    from deals.models import AutomationJob

    AutomationJob.objects.filter(pk=job_id).exclude(status=AutomationJob.Status.DONE).update(
        attempts=F("attempts") + 1,
        last_error=f"{type(error).__name__}: {error}"[:2000],
        status=AutomationJob.Status.FAILED if final else AutomationJob.Status.PENDING,
    )


def jobs_sweep(*, older_than_seconds: int = 60, limit: int = 500) -> int:
    """Send again the jobs still pending after a while (lost to a broker outage or a crash)."""
    from deals.models import AutomationJob

    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    ids = list(
        AutomationJob.objects.filter(status=AutomationJob.Status.PENDING, created_at__lte=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    enqueue(ids)
    return len(ids)
