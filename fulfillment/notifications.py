"""Who is told what, and through which channels — the one place that decides it.

Services call one function per event (``approval_requested``, ``task_result_ready``, …); each
picks the recipients and the text, then ``notify()`` writes the in-app notifications in the
caller's transaction and hands them to every channel on commit. E-mail is a channel; phone
push and messengers plug in with ``register_channel``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from fulfillment.models import Notification
from fulfillment.roles import Role, person_name

logger = logging.getLogger(__name__)

# A channel gets the ids of freshly committed notifications and delivers them its way.
Channel = Callable[[Sequence[int]], None]
_CHANNELS: dict[str, Channel] = {}


def register_channel(name: str, channel: Channel) -> None:
    _CHANNELS[name] = channel


def notify(
    *, recipients: Iterable[Any], event: str, text: str, url: str = ""
) -> list[Notification]:
    """Write one notification per distinct active recipient; deliver them after commit."""
    users = {u.pk: u for u in recipients if u is not None and u.is_active}
    notifications = Notification.objects.bulk_create(
        Notification(recipient=user, event=event, text=text[:500], url=url)
        for user in users.values()
    )
    ids = [n.pk for n in notifications]
    if ids:
        transaction.on_commit(lambda: _deliver(ids))
    return notifications


def _deliver(ids: Sequence[int]) -> None:
    for name, channel in _CHANNELS.items():
        try:
            channel(ids)
        except Exception:  # one broken channel must not stop the others
            logger.exception("Notification channel %s failed for %s", name, ids)


def _email_channel(ids: Sequence[int]) -> None:
    from fulfillment.tasks import send_notification_emails

    send_notification_emails.delay(list(ids))


register_channel("email", _email_channel)


def email_subject(text: str) -> str:
    """A notification's text as an e-mail subject: one line (a header may not hold a line
    break — a deal title typed with one would make the e-mail fail), at most 120 characters."""
    return " ".join(text.split())[:120]


def absolute_url(path: str) -> str:
    """A link for outside the app (e-mail): ``SITE_URL`` in front of the page's path."""
    if not path or "://" in path:
        return path
    return settings.SITE_URL.rstrip("/") + path


def notifications_email(ids: Sequence[int]) -> int:
    """Send the e-mails of these notifications once each; returns how many were sent.

    Each e-mail is its own unit: its row is locked (``skip_locked``: a concurrent delivery of
    the same notification by the sweep skips it), sent, and marked in one transaction. One that
    fails is logged and left unsent for the sweep, and never stops the others."""
    from django.core.mail import send_mail

    sent = 0
    for pk in ids:
        try:
            with transaction.atomic():
                notification = (
                    Notification.objects.select_for_update(skip_locked=True, of=("self",))
                    .select_related("recipient")
                    .filter(pk=pk, emailed_at__isnull=True)
                    .first()
                )
                if notification is None or not notification.recipient.email:
                    continue
                with override("ru"):
                    send_mail(
                        subject=email_subject(notification.text),
                        message=f"{notification.text}\n\n{absolute_url(notification.url)}".strip(),
                        from_email=None,
                        recipient_list=[notification.recipient.email],
                    )
                notification.emailed_at = timezone.now()
                notification.save(update_fields=["emailed_at"])
                sent += 1
        except Exception:  # left unsent: the sweep tries it again
            logger.exception("E-mail of notification %s not sent", pk)
    return sent


def notifications_email_sweep(*, min_age_seconds: int = 60, max_age_days: int = 7) -> int:
    """Send the e-mails that their on-commit delivery did not (the broker was down, a worker
    died, the mail server refused): unsent notifications older than a minute, to recipients
    with an address, up to a week old. Returns how many were sent."""
    now = timezone.now()
    ids = list(
        Notification.objects.filter(
            emailed_at__isnull=True,
            created_at__lte=now - timedelta(seconds=min_age_seconds),
            created_at__gte=now - timedelta(days=max_age_days),
        )
        .exclude(recipient__email="")
        .order_by("created_at")
        .values_list("pk", flat=True)[:500]
    )
    return notifications_email(ids)


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notifications_mark_read(*, user, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read (all of them when ``ids`` is None)."""
    queryset = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        queryset = queryset.filter(pk__in=list(ids))
    return queryset.update(read_at=timezone.now())


def users_with_role(role: Role) -> QuerySet:
    return get_user_model().objects.filter(groups__name=str(role), is_active=True)


# --- the events ------------------------------------------------------------------------------


def _deal_url(deal) -> str:
    return reverse("deals:detail", args=[deal.pk])


def approval_requested(*, task) -> None:
    """A КП waits for the director («ГД»): every director is told."""
    notify(
        recipients=users_with_role(Role.DIRECTOR),
        event="approval_requested",
        text=_("Approve the proposal: %(deal)s") % {"deal": task.deal.title},
        url=reverse("deals:approvals"),
    )


def approval_decided(*, task, approved: bool) -> None:
    """The responsible learns the director's decision."""
    text = (
        _("The director approved the proposal: %(deal)s")
        if approved
        else _("The director returned the proposal with remarks: %(deal)s")
    )
    notify(
        recipients=[task.deal.responsible],
        event="approval_decided",
        text=text % {"deal": task.deal.title},
        url=_deal_url(task.deal),
    )


def warehouse_task_created(*, task) -> None:
    """The assignee, or the whole warehouse queue, is told of a new task."""
    recipients = [task.assignee] if task.assignee else users_with_role(Role.WAREHOUSE)
    notify(
        recipients=recipients,
        event="warehouse_task_created",
        text=_("New warehouse task: %(task)s") % {"task": task.title},
        url=reverse("warehouse:task", args=[task.pk]),
    )


def task_result_ready(*, task) -> None:
    """The deal's responsible is told that the warehouse finished and attached the result."""
    notify(
        recipients=[task.deal.responsible],
        event="task_result_ready",
        text=_("The warehouse finished «%(task)s»: the result is attached") % {"task": task.title},
        url=_deal_url(task.deal),
    )


def deal_opened(*, deal, source) -> None:
    """The responsible is told that the automation opened a follow-up deal."""
    notify(
        recipients=[deal.responsible],
        event="deal_opened",
        text=_("%(pipeline)s opened from «%(source)s»")
        % {"pipeline": deal.pipeline_spec.label, "source": source.title},
        url=_deal_url(deal),
    )


def mentioned(*, users, comment) -> None:
    notify(
        recipients=[u for u in users if u.pk != comment.author_id],
        event="mentioned",
        text=_("%(author)s mentioned you on «%(deal)s»")
        % {
            "author": person_name(comment.author),
            "deal": comment.deal.title,
        },
        url=_deal_url(comment.deal),
    )


def stage_deadline_passed(*, deal, due_at, director: bool = False) -> None:
    """The deal's stage deadline has passed: its responsible is told, and every director too
    when the stage waits for the director's approval."""
    recipients = [deal.responsible]
    if director:
        recipients += list(users_with_role(Role.DIRECTOR))
    notify(
        recipients=recipients,
        event="stage_deadline_passed",
        text=_("Overdue since %(due)s: «%(deal)s» in «%(stage)s»")
        % {
            "due": timezone.localtime(due_at).strftime("%d.%m.%Y %H:%M"),
            "deal": deal.title,
            "stage": deal.stage_label,
        },
        url=_deal_url(deal),
    )


DIGEST_SHOWN = 5  # deals named in a digest's text; the page lists them all


def overdue_digest(*, recipient, deals) -> None:
    """The morning list of a person's overdue deals (the director's includes the approvals
    waiting too): the first few by name, the number of the rest, a link to them all."""
    names = "; ".join(
        _("«%(deal)s» (%(stage)s, since %(due)s)")
        % {
            "deal": deal.title,
            "stage": deal.stage_label,
            "due": timezone.localtime(deal.due_at).strftime("%d.%m %H:%M"),
        }
        for deal in deals[:DIGEST_SHOWN]
    )
    more = len(deals) - DIGEST_SHOWN
    text = _("Overdue deals: %(count)s. %(names)s") % {"count": len(deals), "names": names}
    if more > 0:
        text += " " + _("and %(more)s more") % {"more": more}
    notify(
        recipients=[recipient],
        event="overdue_digest",
        text=text,
        url=reverse("deadlines:overdue"),
    )
