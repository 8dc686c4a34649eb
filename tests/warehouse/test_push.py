"""Web Push: the subscription endpoint and the channel (``pywebpush.webpush`` is the outside
world and is mocked)."""

from __future__ import annotations

import json
from unittest import mock

import pytest
import pywebpush
from django.urls import reverse

from deals.models import Task
from fulfillment import notifications
from fulfillment.models import Notification
from fulfillment.roles import Role
from tests.factories import UserFactory
from warehouse import push
from warehouse.models import PushSubscription

pytestmark = pytest.mark.django_db

ENDPOINT = "https://fcm.googleapis.com/fcm/send/abc123"
BROWSER_JSON = {"endpoint": ENDPOINT, "keys": {"p256dh": "BPublicKey", "auth": "AuthSecret"}}


@pytest.fixture
def webpush_on(settings):
    settings.WEBPUSH_VAPID_PUBLIC_KEY = "BPublic"
    settings.WEBPUSH_VAPID_PRIVATE_KEY = "private-key"
    settings.WEBPUSH_VAPID_SUBJECT = "mailto:ops@example.com"
    settings.WEBPUSH_ENABLED = True


def subscribe(client, user, body=BROWSER_JSON):
    client.force_login(user)
    return client.post(
        reverse("warehouse:push-subscribe"), json.dumps(body), content_type="application/json"
    )


def test_the_browser_subscribes(client, worker):
    response = subscribe(client, worker)
    assert response.status_code == 201
    subscription = PushSubscription.objects.get()
    assert subscription.as_subscription_info() == BROWSER_JSON
    assert subscription.user == worker


def test_a_broken_subscription_is_a_400(client, worker):
    response = subscribe(client, worker, {"endpoint": ENDPOINT, "keys": {}})
    assert response.status_code == 400
    assert response.json() == {"detail": "Браузер прислал неполную подписку на уведомления."}
    assert not PushSubscription.objects.exists()


def test_unsubscribe(client, worker):
    subscribe(client, worker)
    response = client.post(
        reverse("warehouse:push-unsubscribe"),
        json.dumps({"endpoint": ENDPOINT}),
        content_type="application/json",
    )
    assert response.json() == {"deleted": 1}
    assert not PushSubscription.objects.exists()


def test_a_notification_is_pushed_to_every_browser_of_its_recipient(client, worker, webpush_on):
    subscribe(client, worker)
    second = {**BROWSER_JSON, "endpoint": ENDPOINT + "-tablet"}
    subscribe(client, worker, second)
    subscribe(
        client, UserFactory(role=Role.WAREHOUSE), {**BROWSER_JSON, "endpoint": ENDPOINT + "x"}
    )
    note = Notification.objects.create(
        recipient=worker, event="warehouse_task_created", text="Новая задача склада: А", url="/w/"
    )
    with mock.patch("pywebpush.webpush") as webpush:
        assert push.notifications_push([note.pk]) == 2
    sent = [call.kwargs for call in webpush.call_args_list]
    assert [c["subscription_info"]["endpoint"] for c in sent] == [ENDPOINT + "-tablet", ENDPOINT]
    assert json.loads(sent[0]["data"]) == {
        "title": "CRM фулфилмента",
        "body": "Новая задача склада: А",
        "url": "/w/",
        "tag": f"notification-{note.pk}",
    }
    assert sent[0]["vapid_private_key"] == "private-key"
    assert sent[0]["vapid_claims"] == {"sub": "mailto:ops@example.com"}


def test_a_gone_browser_is_forgotten_and_others_still_get_theirs(client, worker, webpush_on):
    subscribe(client, worker)
    subscribe(client, worker, {**BROWSER_JSON, "endpoint": ENDPOINT + "-tablet"})
    note = Notification.objects.create(recipient=worker, event="x", text="А")
    gone = pywebpush.WebPushException("Gone", response=mock.Mock(status_code=410))
    with mock.patch("pywebpush.webpush", side_effect=[gone, None]) as webpush:
        assert push.notifications_push([note.pk]) == 1
    assert webpush.call_count == 2
    assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == [ENDPOINT]


def test_nothing_is_pushed_without_vapid_keys(client, worker, settings):
    settings.WEBPUSH_ENABLED = False
    subscribe(client, worker)
    note = Notification.objects.create(recipient=worker, event="x", text="А")
    with mock.patch("pywebpush.webpush") as webpush:
        assert push.notifications_push([note.pk]) == 0
    webpush.assert_not_called()
    assert push.push_channel_register() is False


def test_a_new_warehouse_task_reaches_the_phone_after_commit(
    client, worker, webpush_on, make_task, manager, monkeypatch
):
    """The whole path: a deal sent to the warehouse → notification → channel → Web Push."""
    monkeypatch.setattr(notifications, "_CHANNELS", dict(notifications._CHANNELS))
    assert push.push_channel_register() is True
    subscribe(client, worker)
    with mock.patch("pywebpush.webpush") as webpush:
        task = make_task(responsible=manager)
    [call] = webpush.call_args_list
    assert call.kwargs["subscription_info"] == BROWSER_JSON
    payload = json.loads(call.kwargs["data"])
    assert payload["url"] == f"/warehouse/tasks/{task.pk}/"
    assert payload["body"] == f"Новая задача складу: {task.title}"
    assert task.kind == Task.Kind.WAREHOUSE


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://127.0.0.1/push",
        "https://localhost/push",
        "https://10.0.0.5/push",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/push",
        "https://evil.example.com/push",
        "https://fcm.googleapis.com.evil.example.com/push",
        "https://fcm.googleapis.com:8443/fcm/send/x",
        "https://rebound.notify.windows.com/w/?token=x",
    ],
)
def test_an_endpoint_outside_the_push_services_is_refused(client, worker, endpoint):
    response = subscribe(client, worker, {**BROWSER_JSON, "endpoint": endpoint})
    assert response.status_code == 400
    assert response.json() == {"detail": "Это не адрес службы push-уведомлений браузера."}
    assert not PushSubscription.objects.exists()


def test_a_plain_http_endpoint_is_refused(client, worker):
    endpoint = "http://fcm.googleapis.com/fcm/send/x"
    response = subscribe(client, worker, {**BROWSER_JSON, "endpoint": endpoint})
    assert response.status_code == 400
    assert response.json() == {"detail": "Браузер прислал неполную подписку на уведомления."}
    assert not PushSubscription.objects.exists()


def test_a_real_push_service_is_accepted(client, worker):
    endpoint = "https://updates.push.services.mozilla.com/wpush/v2/gAAAA"
    response = subscribe(client, worker, {**BROWSER_JSON, "endpoint": endpoint})
    assert response.status_code == 201
    assert PushSubscription.objects.get().endpoint == endpoint


def test_an_endpoint_rebound_to_loopback_is_not_sent_to(webpush_on, worker):
    PushSubscription.objects.create(
        user=worker, endpoint="https://rebound.notify.windows.com/w/", p256dh="k", auth="a"
    )
    note = Notification.objects.create(recipient=worker, text="x")
    with mock.patch.object(pywebpush, "webpush") as webpush:
        assert push.notifications_push([note.pk]) == 0
    webpush.assert_not_called()
