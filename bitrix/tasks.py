"""The admin's import run in the background."""

from celery import shared_task

from bitrix import runs


@shared_task(acks_late=True)
def run_import(run_id: int) -> None:
    runs.import_run(run_id)
