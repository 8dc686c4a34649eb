"""Celery adapters of the client's mail (the ``email`` queue): load ids, call the service."""

from celery import shared_task

from correspondence import mailbox, services


@shared_task(acks_late=True)
def send_outgoing(email_id: int) -> bool:
    return services.outgoing_send(email_id)


@shared_task(acks_late=True)
def sweep_outgoing() -> int:
    return services.outgoing_sweep()


@shared_task(acks_late=True)
def mailbox_read() -> int:
    return mailbox.mailbox_read()
