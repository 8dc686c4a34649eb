"""Who is told what: in-app notifications written with the change, e-mail sent once after
commit, mentions on the timeline."""

import pytest
from django.core import mail

from deals import services
from fulfillment import notifications
from fulfillment.models import Notification
from fulfillment.roles import person_name
from tests.factories import UserFactory, make_deal

pytestmark = pytest.mark.django_db


def test_a_notification_is_mailed_once_after_commit(manager, committed):
    with committed() as callbacks:
        notifications.notify(
            recipients=[manager, manager, None], event="test", text="Привет", url="/deals/1/"
        )
        assert mail.outbox == []  # nothing leaves before the commit
    assert len(callbacks) == 1
    [note] = Notification.objects.all()
    assert [m.to for m in mail.outbox] == [[manager.email]]
    assert mail.outbox[0].subject == "Привет" and "/deals/1/" in mail.outbox[0].body
    assert notifications.notifications_email([note.pk]) == 0  # a resend sends nothing


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
