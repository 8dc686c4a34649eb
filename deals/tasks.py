"""Celery adapters of the automation: load ids, call the service, own retries.

Attempts are counted on the job (``automation.job_record_failure``), not by Celery: a chain
started again by the sweep or by an administrator continues the job's count, so a handler
that always fails makes exactly ``AUTOMATION_MAX_ATTEMPTS`` attempts. The countdown between
them is ``automation.retry_delay`` (exponential, jittered, capped).
"""

from celery import shared_task

from deals import automation


@shared_task(bind=True, acks_late=True, max_retries=None)
def run_automation_job(self, job_id: int) -> bool:
    try:
        return automation.job_run(job_id)
    except Exception as error:
        delay = automation.job_record_failure(job_id, error)
        if delay is None:  # the last attempt: the job is failed, for the admin
            raise
        raise self.retry(exc=error, countdown=delay) from error


@shared_task(acks_late=True)
def sweep_automation_jobs() -> int:
    return automation.jobs_sweep()
