"""The director's approval inbox: the КП waiting with their file and key fields, approve,
return with required remarks, the history of decisions; only the director opens it."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from deals import services
from deals.models import Deal, DealComment, Task
from fulfillment.models import Notification
from tests.api.conftest import approval_task
from tests.factories import make_deal

pytestmark = pytest.mark.django_db

INBOX = reverse("deals:approvals")


@pytest.fixture
def waiting(manager, django_capture_on_commit_callbacks):
    """A КП sent to the director through the move, so the automation made the task."""
    deal = make_deal("calculation", "proposal", responsible=manager, title="КП для «Ромашки»")
    with django_capture_on_commit_callbacks(execute=True):
        services.deal_move(deal=deal, transition="to_director_approval", actor=manager)
    return Task.objects.get(deal=deal, kind=Task.Kind.APPROVAL)


def test_the_inbox_lists_waiting_approvals_with_the_proposal_file(client, director, waiting):
    client.force_login(director)

    response = client.get(INBOX)

    assert response.status_code == 200
    assert [task for task, _form in response.context["items"]] == [waiting]
    html = response.content.decode()
    assert "КП для «Ромашки»" in html
    assert f'href="/files/{waiting.deal.proposal_file.name}"' in html
    assert "1\u00a0000\u00a0₽" in html


def test_approving_records_the_approval_and_tells_the_responsible(
    client, director, manager, waiting
):
    client.force_login(director)

    response = client.post(reverse("deals:approve", args=[waiting.pk]), follow=True)

    assert response.redirect_chain == [(INBOX, 302)]
    waiting.refresh_from_db()
    assert (waiting.status, waiting.completed_by) == (Task.Status.DONE, director)
    assert Deal.objects.get(pk=waiting.deal_id).director_approved_at is not None
    assert Notification.objects.filter(recipient=manager, event="approval_decided").exists()
    assert list(response.context["items"]) == []
    assert [t.pk for t in response.context["history"]] == [waiting.pk]


def test_returning_needs_remarks(client, director, waiting):
    client.force_login(director)

    response = client.post(reverse("deals:return", args=[waiting.pk]), {"remarks": "  "})

    assert response.status_code == 400
    item_forms = dict(response.context["items"])
    assert item_forms[waiting].errors == {"remarks": ["Обязательное поле."]}
    waiting.refresh_from_db()
    assert waiting.status == Task.Status.NEW


def test_returning_with_remarks_sends_the_deal_back_to_the_proposal(client, director, waiting):
    client.force_login(director)

    response = client.post(
        reverse("deals:return", args=[waiting.pk]), {"remarks": "Снизить цену хранения"}
    )

    assert response.status_code == 302
    waiting.refresh_from_db()
    assert (waiting.status, waiting.decision_comment) == (
        Task.Status.RETURNED,
        "Снизить цену хранения",
    )
    assert Deal.objects.get(pk=waiting.deal_id).stage == "proposal"
    assert not DealComment.objects.filter(deal=waiting.deal).exists()
    # On the deal's timeline the remarks are said once, with the return.
    client.force_login(waiting.deal.responsible)
    card = client.get(reverse("deals:detail", args=[waiting.deal_id])).content.decode()
    assert card.count("Снизить цену хранения") == 1


def test_a_decided_approval_cannot_be_decided_again(client, director, waiting):
    client.force_login(director)
    client.post(reverse("deals:approve", args=[waiting.pk]))

    response = client.post(reverse("deals:approve", args=[waiting.pk]), follow=True)

    assert "По этому согласованию уже принято решение." in response.content.decode()


@pytest.mark.parametrize("role", ["manager", "administrator", "worker"])
def test_only_the_director_opens_the_inbox(client, request, role, waiting):
    client.force_login(request.getfixturevalue(role))

    assert client.get(INBOX).status_code == 403
    assert client.post(reverse("deals:approve", args=[waiting.pk])).status_code == 403
    assert (
        client.post(reverse("deals:return", args=[waiting.pk]), {"remarks": "x"}).status_code == 403
    )
    waiting.refresh_from_db()
    assert waiting.status == Task.Status.NEW


def test_several_waiting_approvals_have_no_element_id_twice(client, director, manager):
    import re
    from collections import Counter

    for _ in range(3):
        deal = make_deal("calculation", "director_approval", responsible=manager)
        approval_task(deal)
    client.force_login(director)

    html = client.get(INBOX).content.decode()

    ids = Counter(re.findall(r'\sid="([^"]+)"', html))
    assert not [name for name, count in ids.items() if count > 1]
    labels = re.findall(r'<label for="([^"]+)"', html)
    assert len(labels) == 3 and all(ids[label] == 1 for label in labels)  # each tied to its input


def test_the_director_s_menu_counts_the_approvals_waiting(client, director, manager):
    for _ in range(2):
        approval_task(make_deal("calculation", "director_approval", responsible=manager))
    client.force_login(director)

    html = client.get(reverse("deals:companies")).content.decode()

    assert re.search(r"На согласование <span class=\"badge\"[^>]*>2</span>", html)


def test_a_long_inbox_is_paged_and_a_decision_comes_back_to_its_page(
    client, director, manager, django_assert_max_num_queries
):
    tasks = [
        approval_task(make_deal("calculation", "director_approval", responsible=manager))
        for _ in range(45)
    ]
    client.force_login(director)

    with django_assert_max_num_queries(12):
        first = client.get(INBOX)
    with django_assert_max_num_queries(12):
        third = client.get(INBOX, {"page": 3})
    decided = client.post(reverse("deals:approve", args=[tasks[41].pk]), {"page": "3"})
    refused = client.post(reverse("deals:return", args=[tasks[40].pk]), {"page": "3"})

    assert [t for t, _form in first.context["items"]] == tasks[:20]  # oldest first
    assert "(45)" in first.content.decode()
    assert [t for t, _form in third.context["items"]] == tasks[40:]
    assert decided["Location"] == f"{INBOX}?page=3"
    # A return without remarks is refused on the page it was made on, with its error there.
    assert refused.status_code == 400
    assert tasks[40] in [t for t, _form in refused.context["items"]]
    assert refused.context["page"].number == 3
