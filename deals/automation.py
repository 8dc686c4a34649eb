"""Stage-entry automation: which actions run when a deal enters a stage, and the outbox that
makes each run exactly once after the move commits.

Apps register their actions from ``AppConfig.ready`` (the core never imports them)::

    @on_stage_entry("acceptance", "to_warehouse", key="warehouse_task")
    def create_warehouse_task(deal, change): ...

A move writes one ``AutomationJob`` per registered action in its own transaction and sends
the job ids to Celery on commit. ``job_run`` runs a handler under a row lock and marks the job
done in the same transaction, so a job delivered twice does nothing the second time; handlers
are idempotent on their own as well (natural keys, unique constraints).

Each job carries when it may next be sent (``next_run_at``): a delivery in flight holds it
for ``AUTOMATION_LEASE_SECONDS``, a failed attempt for its retry's countdown (exponential,
jittered, capped: ``retry_delay``). The beat sweep sends only pending jobs that are due. The
attempts are counted on the job, not per Celery chain: after ``AUTOMATION_MAX_ATTEMPTS`` it
is ``failed``, and stays so until an administrator runs it again (``jobs_rerun``).

An action registered with ``on_demand`` is not run on entering a stage: another part records
its job for a stage change with ``job_record_once`` (the stage deadline's reminder, once the
deadline has passed), and it runs through the same outbox, once.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise

if TYPE_CHECKING:
    from deals.models import AutomationJob

logger = logging.getLogger(__name__)

Handler = Callable[["Deal", "StageChange"], None]  # noqa: F821


@dataclass(frozen=True)
class EntryAction:
    key: str
    pipeline: str
    stage: str
    handler: Handler
    label: str | Promise = ""  # what it does, in the business's words, for the timeline


_ACTIONS: dict[str, EntryAction] = {}


def on_stage_entry(
    pipeline: str, stage: str, *, key: str, label: str | Promise = ""
) -> Callable[[Handler], Handler]:
    """Register ``handler`` to run whenever a deal of ``pipeline`` enters ``stage``;
    ``label`` says what it does in the business's words (the deal's timeline shows it)."""
    from deals.pipelines import get_pipeline

    get_pipeline(pipeline).stage(stage)  # fail at start-up on a typo, not at run time

    def register(handler: Handler) -> Handler:
        action = EntryAction(
            key=f"{pipeline}.{stage}.{key}",
            pipeline=pipeline,
            stage=stage,
            handler=handler,
            label=label,
        )
        existing = _ACTIONS.get(action.key)
        if existing and existing.handler is not handler:
            raise RuntimeError(f"Automation action {action.key} registered twice")
        _ACTIONS[action.key] = action
        return handler

    return register


def on_demand(*, key: str, label: str | Promise = "") -> Callable[[Handler], Handler]:
    """Register ``handler`` as an action whose jobs are recorded by ``job_record_once`` (the
    stage deadline's reminder), not on entering a stage; it runs through the same outbox."""

    def register(handler: Handler) -> Handler:
        action = EntryAction(key=key, pipeline="", stage="", handler=handler, label=label)
        existing = _ACTIONS.get(key)
        if existing and existing.handler is not handler:
            raise RuntimeError(f"Automation action {key} registered twice")
        _ACTIONS[key] = action
        return handler

    return register


def actions_for(pipeline: str, stage: str) -> list[EntryAction]:
    return [a for a in _ACTIONS.values() if a.pipeline == pipeline and a.stage == stage]


def registered_actions() -> dict[str, EntryAction]:
    return dict(_ACTIONS)


def action_label(key: str) -> str:
    """What the action of ``key`` does, as people say it (its key if it has no label)."""
    action = _ACTIONS.get(key)
    return str(action.label) if action and action.label else key


def stage_entered(deal, change) -> list:
    """Record the jobs of the stage the deal has just entered; send them on commit.

    Must be called inside the move's transaction.
    """
    from deals.models import AutomationJob

    in_flight_until = timezone.now() + _lease()  # the on-commit delivery below
    jobs = [
        AutomationJob(
            deal=deal, stage_change=change, action=action.key, next_run_at=in_flight_until
        )
        for action in actions_for(deal.pipeline, deal.stage)
    ]
    if not jobs:
        return []
    AutomationJob.objects.bulk_create(jobs)
    ids = [job.pk for job in jobs]
    transaction.on_commit(lambda: enqueue(ids))
    return jobs


def job_record_once(*, deal_id: int, change_id: int, key: str) -> AutomationJob | None:
    """Record the job of the on-demand action ``key`` for the deal's stage entry ``change_id``
    unless it exists; send it on commit. Returns the new job, or None when one was recorded
    already: the unique (stage change, action) pair makes a second call, or a concurrent one,
    a no-op."""
    from django.db import IntegrityError

    from deals.models import AutomationJob

    if key not in _ACTIONS:
        raise LookupError(f"No automation action {key!r} is registered")
    try:
        with transaction.atomic():
            job = AutomationJob.objects.create(
                deal_id=deal_id,
                stage_change_id=change_id,
                action=key,
                next_run_at=timezone.now() + _lease(),
            )
    except IntegrityError:  # recorded already, by an earlier or a concurrent call
        return None
    transaction.on_commit(lambda: enqueue([job.pk]))
    return job


def _lease() -> timedelta:
    return timedelta(seconds=settings.AUTOMATION_LEASE_SECONDS)


def retry_delay(attempt: int) -> float:
    """Seconds before retry number ``attempt`` (1, 2, …): exponential from
    ``AUTOMATION_RETRY_BASE_SECONDS``, capped at ``AUTOMATION_RETRY_MAX_SECONDS``, with
    "equal jitter" (half fixed, half random) so that jobs failing together do not retry in
    step, and no retry comes sooner than half its step."""
    step = min(
        settings.AUTOMATION_RETRY_MAX_SECONDS,
        settings.AUTOMATION_RETRY_BASE_SECONDS * 2 ** max(attempt - 1, 0),
    )
    return step / 2 + random.uniform(0, step / 2)


def enqueue(job_ids: Iterable[int]) -> None:
    """Send jobs to Celery. A broker outage is logged, not raised: the move has committed and
    the sweep (``jobs_sweep``) sends the job again at its next round."""
    from deals.models import AutomationJob
    from deals.tasks import run_automation_job

    for job_id in job_ids:
        try:
            run_automation_job.delay(job_id)
        except Exception:  # the broker is down; the job stays pending and due for the sweep
            AutomationJob.objects.filter(pk=job_id).update(next_run_at=timezone.now())
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
        if job is None or job.status != AutomationJob.Status.PENDING:
            return False  # done already, or failed until an administrator runs it again
        action = _ACTIONS.get(job.action)
        if action is None:
            raise LookupError(f"No automation action {job.action!r} is registered")
        action.handler(job.deal.as_pipeline(), job.stage_change)
        job.status = AutomationJob.Status.DONE
        job.done_at = timezone.now()
        job.attempts += 1
        job.save(update_fields=["status", "done_at", "attempts"])
    return True


def job_record_failure(job_id: int, error: BaseException) -> float | None:
    """Count a failed attempt on the job. Returns the seconds to wait before the next one, or
    ``None`` when it was the last (``AUTOMATION_MAX_ATTEMPTS``): the job is then ``failed``
    for the admin. A job no longer pending (done, or failed) is left as it is."""
    from deals.models import AutomationJob

    with transaction.atomic():
        job = AutomationJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status != AutomationJob.Status.PENDING:
            return None
        job.attempts += 1
        job.last_error = f"{type(error).__name__}: {error}"[:2000]
        delay = None
        if job.attempts >= settings.AUTOMATION_MAX_ATTEMPTS:
            job.status = AutomationJob.Status.FAILED
        else:
            delay = retry_delay(job.attempts)
            # Not swept before the retry is due, and not while it runs.
            job.next_run_at = timezone.now() + timedelta(seconds=delay) + _lease()
        job.save(update_fields=["attempts", "last_error", "status", "next_run_at"])
    return delay


def jobs_sweep(*, limit: int = 500) -> int:
    """Send again the pending jobs that are due: lost to a broker outage or a crashed worker
    (their delivery's lease ran out), never one whose retry is still waiting, never a failed
    one."""
    from deals.models import AutomationJob

    ids = list(
        AutomationJob.objects.filter(
            status=AutomationJob.Status.PENDING, next_run_at__lte=timezone.now()
        )
        .order_by("next_run_at")
        .values_list("pk", flat=True)[:limit]
    )
    AutomationJob.objects.filter(pk__in=ids).update(next_run_at=timezone.now() + _lease())
    enqueue(ids)
    return len(ids)


def jobs_rerun(job_ids: Iterable[int]) -> int:
    """«Запустить снова»: failed (or stuck pending) jobs start over with a full set of
    attempts and are sent now; done jobs are left alone. Returns how many were sent."""
    from deals.models import AutomationJob

    with transaction.atomic():
        ids = list(
            AutomationJob.objects.select_for_update()
            .filter(pk__in=list(job_ids))
            .exclude(status=AutomationJob.Status.DONE)
            .values_list("pk", flat=True)
        )
        AutomationJob.objects.filter(pk__in=ids).update(
            status=AutomationJob.Status.PENDING,
            attempts=0,
            next_run_at=timezone.now() + _lease(),
        )
        transaction.on_commit(lambda: enqueue(ids))
    return len(ids)
