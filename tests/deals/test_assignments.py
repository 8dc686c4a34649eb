"""Assignments on the pages: the deal card lists them with their deadline and author, their
assignee marks them done there, and «Задачи» lists them; the rules hold in the service."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from deals.models import Task
from deals.services.assignments import assignment_create, assignment_update
from deals.services.tasks import TaskError
from fulfillment.exceptions import PermissionDeniedError
from tests.factories import make_deal

pytestmark = pytest.mark.django_db


def test_the_card_shows_an_overdue_assignment_and_its_assignee_marks_it_done(
    client, manager, director
):
    deal = make_deal("calculation", "new", responsible=manager)
    task = assignment_create(
        deal=deal,
        actor=director,
        assignee=manager,
        title="Позвонить клиенту",
        deadline=timezone.now() - datetime.timedelta(hours=1),
    )
    client.force_login(manager)

    card = client.get(reverse("deals:detail", args=[deal.pk]))
    html = card.content.decode()
    done = client.post(reverse("deals:task-done", args=[task.pk]), follow=True)

    assert "Позвонить клиенту" in html
    assert 'class="overdue"' in html
    assert reverse("deals:task-done", args=[task.pk]) in html
    task.refresh_from_db()
    assert (task.status, task.completed_by) == (Task.Status.DONE, manager)
    assert "Позвонить клиенту" in done.content.decode()  # the message and the timeline
    assert [e.kind for e in done.context["timeline"]][:2] == ["task_closed", "task"]


def test_someone_else_cannot_close_it_and_the_director_sees_no_button(
    client, manager, other_manager, director
):
    deal = make_deal("calculation", "new", responsible=manager)
    task = assignment_create(deal=deal, actor=manager, title="Сверить остатки")

    client.force_login(other_manager)
    stranger = client.post(reverse("deals:task-done", args=[task.pk]))
    client.force_login(director)
    card = client.get(reverse("deals:detail", args=[deal.pk]))

    assert stranger.status_code == 404
    assert reverse("deals:task-done", args=[task.pk]) not in card.content.decode()
    with pytest.raises(PermissionDeniedError):
        assignment_update(task=task, actor=director, data={}, status=Task.Status.DONE)
    task.refresh_from_db()
    assert task.status == Task.Status.NEW


def test_the_tasks_page_lists_the_assignments_given_to_the_manager(client, manager, director):
    deal = make_deal("calculation", "new", responsible=manager)
    assignment_create(deal=deal, actor=director, assignee=manager, title="Выставить счет")
    client.force_login(manager)

    page = client.get(reverse("deals:tasks"))

    assert [t.title for t in page.context["page"]] == ["Выставить счет"]
    assert f"/deals/{deal.pk}/#tasks-title" in page.content.decode()


def test_a_new_assignee_is_told_and_must_see_the_deal(manager, other_manager, director):
    deal = make_deal("calculation", "new", responsible=manager)
    task = assignment_create(deal=deal, actor=manager, title="Позвонить")

    changed = assignment_update(task=task, actor=manager, data={"assignee": director})

    assert changed.assignee == director
    assert director.notifications.filter(event="assignment_given").count() == 1
    with pytest.raises(TaskError):
        assignment_update(task=changed, actor=manager, data={"assignee": other_manager})
