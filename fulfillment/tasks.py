"""Celery adapters of cross-cutting services."""

from celery import shared_task

from fulfillment import notifications


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_notification_emails(ids: list[int]) -> int:
    return notifications.notifications_email(ids)
