"""Who is told what: in-app notifications written with the change, e-mail sent once after
commit, mentions on the timeline."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from deals import services
from fulfillment import notifications
from fulfillment.models import Notification
from fulfillment.roles import person_name
from tests.factories import UserFactory, make_deal

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "http://crm.example.com/"


def test_a_notification_is_mailed_once_after_commit(manager, committed):
    with committed() as callbacks:
        notifications.notify(
            recipients=[manager, manager, None], event="test", text="Привет", url="/deals/1/"
        )
        assert mail.outbox == []  # nothing leaves before the commit
    assert len(callbacks) == 1
    [note] = Notification.objects.all()
    assert [m.to for m in mail.outbox] == [[manager.email]]
    assert mail.outbox[0].subject == "Привет"
    assert "http://crm.example.com/deals/1/" in mail.outbox[0].body  # absolute, from SITE_URL
    assert notifications.notifications_email([note.pk]) == 0  # a resend sends nothing


def test_a_title_with_a_line_break_makes_a_one_line_subject(manager, committed):
    with committed():
        notifications.notify(recipients=[manager], event="test", text="ООО «Ромашка»\r\nКП")
    [message] = mail.outbox
    assert message.subject == "ООО «Ромашка» КП"
    assert Notification.objects.get().emailed_at is not None


def test_a_failing_email_does_not_take_the_rest_of_its_batch_with_it(
    manager, other_manager, director, monkeypatch
):
    notes = notifications.notify(
        recipients=[manager, other_manager, director], event="test", text="x", url="/deals/1/"
    )
    real_send = mail.EmailMessage.send

    def refuse_one(message, *args, **kwargs):
        if message.to == [other_manager.email]:
            raise ConnectionRefusedError("the mail server refused")
        return real_send(message, *args, **kwargs)

    monkeypatch.setattr(mail.EmailMessage, "send", refuse_one)

    assert notifications.notifications_email([n.pk for n in notes]) == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([manager.email, director.email])
    unsent = Notification.objects.get(emailed_at__isnull=True)
    assert unsent.recipient == other_manager  # left for the sweep


def test_emails_lost_with_the_broker_are_sent_once_by_the_sweep(manager, monkeypatch, committed):
    """With the broker down the on-commit delivery fails; the sweep sends the e-mail later,
    exactly once however often it runs."""
    from fulfillment.tasks import send_notification_emails

    def broker_down(*args, **kwargs):
        raise OSError("broker down")

    monkeypatch.setattr(send_notification_emails, "delay", broker_down)
    with committed():
        notifications.notify(recipients=[manager], event="test", text="Решение ГД")
    assert mail.outbox == []
    assert notifications.notifications_email_sweep() == 0  # a fresh one waits for its delivery

    Notification.objects.update(created_at=timezone.now() - timedelta(minutes=5))
    assert notifications.notifications_email_sweep() == 1
    assert notifications.notifications_email_sweep() == 0
    assert [m.subject for m in mail.outbox] == ["Решение ГД"]


def test_inactive_users_and_users_without_email_get_no_mail(committed):
    gone = UserFactory(is_active=False)
    silent = UserFactory(email="")
    with committed():
        notifications.notify(recipients=[gone, silent], event="test", text="x")
    assert list(Notification.objects.values_list("recipient", flat=True)) == [silent.pk]
    assert mail.outbox == []


def test_unread_count_and_mark_read(manager, other_manager):
    for text in ("a", "b", "c"):
        notifications.notify(recipients=[manager], event="test", text=text)
    notifications.notify(recipients=[other_manager], event="test", text="d")
    assert notifications.unread_count(manager) == 3
    first = Notification.objects.filter(recipient=manager).last()
    foreign = Notification.objects.get(recipient=other_manager)
    assert notifications.notifications_mark_read(user=manager, ids=[first.pk, foreign.pk]) == 1
    assert notifications.unread_count(manager) == 2
    assert notifications.notifications_mark_read(user=manager) == 2
    assert notifications.unread_count(other_manager) == 1


def test_mentions_on_the_timeline_notify_the_people_named(manager, director, committed):
    deal = make_deal("calculation", "proposal", responsible=manager)
    with committed():
        comment = services.deal_comment_add(
            deal=deal,
            author=manager,
            text=f"@{director.username}, посмотрите КП. @nobody @{manager.username}",
        )
    assert set(comment.mentions.all()) == {director, manager}  # an unknown login is ignored
    told = Notification.objects.get(event="mentioned")
    assert told.recipient == director
    assert told.url == f"/deals/{deal.pk}/"
    assert services.mentions_not_sent_message(comment) == ""


def test_a_mention_of_someone_who_cannot_open_the_deal_notifies_no_one(
    manager, other_manager, director, committed
):
    deal = make_deal("calculation", "proposal", responsible=manager)
    with committed():
        comment = services.deal_comment_add(
            deal=deal, author=manager, text=f"@{other_manager.username} @{director.username}"
        )
    assert set(comment.mentions.all()) == {director}
    assert comment.unreachable_mentions == [other_manager]
    assert list(
        Notification.objects.filter(event="mentioned").values_list("recipient", flat=True)
    ) == [director.pk]
    assert person_name(other_manager) in services.mentions_not_sent_message(comment)
