"""Celery adapters of cross-cutting services."""

from celery import shared_task

from fulfillment import notifications


@shared_task(acks_late=True)
def send_notification_emails(ids: list[int]) -> int:
    return notifications.notifications_email(ids)


@shared_task(acks_late=True)
def sweep_notification_emails() -> int:
    return notifications.notifications_email_sweep()
