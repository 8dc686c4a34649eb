"""Time tracking, results and completion of warehouse tasks (warehouse.services)."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.utils import timezone

from deals.models import Deal, Task
from deals.services import task_comment_add
from deals.services.tasks import NOT_YOUR_TASK, RESULT_NEEDS_FILE, TASK_CLOSED, TaskError
from fulfillment.exceptions import ApplicationError, PermissionDeniedError
from fulfillment.models import Notification
from fulfillment.roles import Role
from tests.factories import UserFactory
from tests.warehouse.conftest import recount_file
from warehouse import services
from warehouse.models import PushSubscription, WorkSession

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.UTC)


def test_start_takes_a_queue_task_and_runs_the_clock(task, worker):
    assert task.assignee is None and task.queue == str(Role.WAREHOUSE)
    session = services.work_start(task=task, worker=worker)
    task.refresh_from_db()
    assert (task.assignee, task.status) == (worker, Task.Status.IN_PROGRESS)
    assert session.worker == worker and session.is_running


def test_pause_resume_and_total_time(task, worker):
    with time_machine.travel(T0, tick=False) as clock:
        services.work_start(task=task, worker=worker)
        clock.shift(datetime.timedelta(minutes=30))
        services.work_pause(task=task, worker=worker)
        task.refresh_from_db()
        assert task.status == Task.Status.PAUSED
        clock.shift(datetime.timedelta(minutes=10))
        services.work_resume(task=task, worker=worker)
        clock.shift(datetime.timedelta(minutes=15))
        assert services.task_seconds(task) == 45 * 60
        assert [s.is_running for s in task.work_sessions.all()] == [False, True]


def test_pause_without_running_clock_is_refused(task, worker):
    with pytest.raises(TaskError) as refused:
        services.work_pause(task=task, worker=worker)
    assert refused.value.message == "Время по этой задаче сейчас не идет."


def test_a_second_running_session_is_refused(make_task, worker, manager):
    first, second = make_task(responsible=manager), make_task(responsible=manager)
    services.work_start(task=first, worker=worker)
    with pytest.raises(TaskError) as refused:
        services.work_start(task=second, worker=worker)
    assert (
        refused.value.message
        == f"Вы уже работаете над «{first.title}». Сначала поставьте ее на паузу."
    )
    assert WorkSession.objects.filter(worker=worker).count() == 1
    second.refresh_from_db()
    assert second.status == Task.Status.NEW and second.assignee is None


def test_someone_elses_task_cannot_be_started(task, worker):
    services.work_start(task=task, worker=worker)
    other = UserFactory(role=Role.WAREHOUSE)
    with pytest.raises(PermissionDeniedError) as refused:
        services.work_start(task=task, worker=other)
    assert refused.value.message == "Это не ваша задача."
    assert not WorkSession.objects.filter(worker=other).exists()


def test_complete_needs_a_result_with_a_file(task, worker):
    services.work_start(task=task, worker=worker)
    task_comment_add(task=task, author=worker, text="Пересчитал, всё сходится")
    with pytest.raises(TaskError) as refused:
        services.warehouse_task_complete(task=task, worker=worker)
    assert refused.value.message == (
        "Сначала приложите результат: комментарий с файлом и отметкой "
        "«Зафиксировать как результат работы»."
    )
    task.refresh_from_db()
    assert task.status == Task.Status.IN_PROGRESS and task.completed_at is None


def test_a_result_without_a_file_is_refused(task, worker):
    with pytest.raises(TaskError) as refused:
        task_comment_add(task=task, author=worker, text="Готово", is_result=True)
    assert refused.value.message == str(RESULT_NEEDS_FILE)
    assert not task.comments.exists()


def test_complete_stops_the_clock_copies_the_file_and_tells_the_manager(task, worker, manager):
    services.work_start(task=task, worker=worker)
    result = task_comment_add(
        task=task, author=worker, text="Пересчет", file=recount_file(), is_result=True
    )
    task.refresh_from_db()
    assert task.result_comment == result
    services.warehouse_task_complete(task=task, worker=worker)
    task.refresh_from_db()
    assert (task.status, task.completed_by) == (Task.Status.DONE, worker)
    assert not WorkSession.objects.filter(task=task, stopped_at__isnull=True).exists()
    assert Deal.objects.get(pk=task.deal_id).recount_file.name == result.file.name
    assert Notification.objects.filter(recipient=manager, event="task_result_ready").exists()


def test_a_completed_task_takes_nothing_more(task, worker):
    services.work_start(task=task, worker=worker)
    task_comment_add(task=task, author=worker, file=recount_file(), is_result=True)
    services.warehouse_task_complete(task=task, worker=worker)
    with pytest.raises(TaskError) as refused:
        services.work_start(task=task, worker=worker)
    assert refused.value.message == str(TASK_CLOSED)


def test_session_close_by_the_worker_or_the_director_only(task, worker, director, manager):
    session = services.work_start(task=task, worker=worker)
    with pytest.raises(PermissionDeniedError):
        services.session_close(session=session, actor=manager)
    assert WorkSession.objects.get(pk=session.pk).is_running
    services.session_close(session=session, actor=director)
    session.refresh_from_db()
    assert session.stopped_by == director and not session.is_running
    task.refresh_from_db()
    assert task.status == Task.Status.PAUSED


def test_can_close_session(task, worker, director, administrator, manager):
    session = services.work_start(task=task, worker=worker)
    assert [services.can_close_session(session, u) for u in (worker, director, administrator)] == [
        True,
        True,
        True,
    ]
    assert not services.can_close_session(session, manager)
    assert not services.can_close_session(session, UserFactory(role=Role.WAREHOUSE))


def test_a_worker_cannot_record_the_result_of_a_task_taken_by_another(task, worker):
    services.work_start(task=task, worker=worker)
    task.refresh_from_db()
    other = UserFactory(role=Role.WAREHOUSE)
    with pytest.raises(PermissionDeniedError) as refused:
        task_comment_add(task=task, author=other, file=recount_file(), is_result=True)
    assert refused.value.message == str(NOT_YOUR_TASK)
    assert not task.comments.exists()


# --- push subscriptions -----------------------------------------------------------------------

ENDPOINT = "https://fcm.googleapis.com/fcm/send/abc"


def test_push_subscription_is_saved_and_follows_the_signed_in_user(worker):
    services.push_subscription_save(user=worker, endpoint=ENDPOINT, p256dh="key", auth="secret")
    other = UserFactory(role=Role.WAREHOUSE)
    services.push_subscription_save(user=other, endpoint=ENDPOINT, p256dh="key2", auth="s2")
    subscription = PushSubscription.objects.get()
    assert (subscription.user, subscription.p256dh) == (other, "key2")


@pytest.mark.parametrize(
    "endpoint,p256dh,auth",
    [("http://insecure.example.com/x", "k", "a"), (ENDPOINT, "", "a"), (ENDPOINT, "k", "")],
)
def test_an_incomplete_push_subscription_is_refused(worker, endpoint, p256dh, auth):
    with pytest.raises(ApplicationError) as refused:
        services.push_subscription_save(user=worker, endpoint=endpoint, p256dh=p256dh, auth=auth)
    assert refused.value.message == "Браузер прислал неполную подписку на уведомления."
    assert not PushSubscription.objects.exists()


def test_push_subscription_delete_only_removes_the_users_own(worker):
    services.push_subscription_save(user=worker, endpoint=ENDPOINT, p256dh="k", auth="a")
    assert services.push_subscription_delete(user=UserFactory(), endpoint=ENDPOINT) == 0
    assert services.push_subscription_delete(user=worker, endpoint=ENDPOINT) == 1


def test_task_seconds_counts_a_running_session_up_to_now(task, worker):
    with time_machine.travel(T0, tick=False) as clock:
        services.work_start(task=task, worker=worker)
        clock.shift(datetime.timedelta(seconds=90))
        assert services.task_seconds(task) == 90
        assert timezone.now() == T0 + datetime.timedelta(seconds=90)
