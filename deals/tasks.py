"""Celery adapters of the automation: load ids, call the service, own retries."""

from celery import shared_task

from deals import automation

MAX_RETRIES = 8


@shared_task(
    bind=True,
    acks_late=True,
    max_retries=MAX_RETRIES,
    retry_backoff=True,
    retry_backoff_max=300,
    retry_jitter=True,
)
def run_automation_job(self, job_id: int) -> bool:
    try:
        return automation.job_run(job_id)
    except Exception as error:
        final = self.request.retries >= MAX_RETRIES
        automation.job_record_failure(job_id, error, final=final)
        if final:
            raise
        raise self.retry(exc=error) from error


@shared_task(acks_late=True)
def sweep_automation_jobs() -> int:
    return automation.jobs_sweep()
