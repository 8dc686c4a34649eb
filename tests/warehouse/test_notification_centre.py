"""The notification centre: the list, the unread counter the badges poll, marking read."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from fulfillment.models import Notification
from fulfillment.roles import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def note(user, text="Новая задача складу: А", url="/warehouse/tasks/1/") -> Notification:
    return Notification.objects.create(recipient=user, event="test", text=text, url=url)


def test_the_list_shows_only_the_users_own_newest_first(client, worker):
    first, second = note(worker, "первое"), note(worker, "второе")
    note(UserFactory(role=Role.WAREHOUSE), "чужое")
    client.force_login(worker)
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 200
    assert list(response.context["notifications"]) == [second, first]
    assert "чужое" not in response.content.decode()


def test_unread_count(client, worker):
    note(worker), note(worker)
    note(UserFactory(role=Role.WAREHOUSE))
    client.force_login(worker)
    assert client.get(reverse("notifications:unread-count")).json() == {"unread": 2}


def test_unread_count_of_an_ended_session_is_401(client):
    response = client.get(reverse("notifications:unread-count"))
    assert response.status_code == 401 and response.json() == {"unread": 0}


def test_mark_all_read_then_redirects_back(client, worker):
    note(worker), note(worker)
    client.force_login(worker)
    response = client.post(reverse("notifications:read"))
    assert response.status_code == 302 and response.url == reverse("notifications:list")
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_mark_given_ids_read_with_json(client, worker):
    first, _second = note(worker), note(worker)
    others = note(UserFactory(role=Role.MANAGER))
    client.force_login(worker)
    response = client.post(
        reverse("notifications:read"),
        json.dumps({"ids": [first.pk, others.pk]}),
        content_type="application/json",
    )
    assert response.json() == {"marked": 1, "unread": 1}
    assert Notification.objects.filter(read_at__isnull=True).count() == 2


def test_mark_read_with_bad_ids_is_a_400(client, worker):
    client.force_login(worker)
    assert client.post(reverse("notifications:read"), {"ids": ["x"]}).status_code == 400


def test_opening_a_notification_marks_it_read_and_follows_its_link(client, worker):
    notification = note(worker, url="/warehouse/tasks/7/")
    client.force_login(worker)
    response = client.post(reverse("notifications:open", args=[notification.pk]))
    assert response.status_code == 302 and response.url == "/warehouse/tasks/7/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_an_outside_link_is_not_followed(client, worker):
    notification = note(worker, url="https://evil.example.com/")
    client.force_login(worker)
    response = client.post(reverse("notifications:open", args=[notification.pk]))
    assert response.url == reverse("notifications:list")


def test_someone_elses_notification_is_404(client, worker):
    notification = note(UserFactory(role=Role.WAREHOUSE))
    client.force_login(worker)
    response = client.post(reverse("notifications:open", args=[notification.pk]))
    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_the_list_takes_a_fixed_number_of_queries(client, worker, django_assert_max_num_queries):
    client.force_login(worker)
    for _ in range(3):
        note(worker)
    with django_assert_max_num_queries(8) as few:
        client.get(reverse("notifications:list"))
    with_three = len(few)
    for _ in range(30):
        note(worker)
    with django_assert_max_num_queries(with_three):
        client.get(reverse("notifications:list"))
