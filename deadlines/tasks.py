"""Celery beat adapters of the stage deadlines: the reminder sweep and the morning digest."""

from celery import shared_task

from deadlines import services


@shared_task(acks_late=True)
def sweep_deadline_reminders() -> int:
    return services.reminders_sweep()


@shared_task(acks_late=True)
def send_overdue_digests() -> int:
    return services.digests_send()
