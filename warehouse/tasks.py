"""Celery adapters of the warehouse."""

from celery import shared_task

from warehouse import push


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_push_notifications(ids: list[int]) -> int:
    return push.notifications_push(ids)
