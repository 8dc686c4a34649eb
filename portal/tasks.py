"""Celery adapters of the portal: the invitation e-mail, sent after the invite commits."""

from __future__ import annotations

from celery import shared_task

from portal import emails


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def send_invitation(account_pk: int) -> bool:
    return emails.invitation_send(account_pk=account_pk)
