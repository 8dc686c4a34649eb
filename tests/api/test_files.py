"""Files through the API: the representations link to ``/api/files/<name>``, which a token
opens for whoever may see the file and answers 404 (no hint) to anyone else."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from deals import services
from fulfillment.roles import Role
from tests.api.conftest import client_for, warehouse_task
from tests.factories import UserFactory, make_deal

pytestmark = pytest.mark.django_db


def _content(response) -> bytes:
    return b"".join(response.streaming_content)


def test_a_deal_comment_file_opens_for_who_sees_the_deal(client, manager, other_manager):
    deal = make_deal("calculation", "new", responsible=manager)
    comment = services.deal_comment_add(
        deal=deal,
        author=manager,
        text="Схема паллет",
        file=SimpleUploadedFile("pallets.pdf", b"%PDF-1.4 pallets"),
    )
    url = client_for(manager).get(f"/api/deals/{deal.pk}/comments/").json()["results"][0]["file"]

    assert _content(client_for(manager).get(url)) == b"%PDF-1.4 pallets"
    assert client_for(other_manager).get(url).status_code == 404
    # The page's link works the same for the session.
    client.force_login(manager)
    page_url = reverse("protected-file", args=[comment.file.name])
    assert _content(client.get(page_url)) == b"%PDF-1.4 pallets"
    client.force_login(other_manager)
    assert client.get(page_url).status_code == 404


def test_a_worker_opens_the_files_of_their_task_but_never_money(manager, worker):
    deal = make_deal(
        "processing",
        "to_warehouse",
        responsible=manager,
        instructions_file=SimpleUploadedFile("instructions.pdf", b"%PDF-1.4 how to pack"),
        invoice_file=SimpleUploadedFile("invoice.pdf", b"%PDF-1.4 money"),
    )
    task = warehouse_task(deal, assignee=worker)
    client = client_for(worker)

    fields = client.get(f"/api/tasks/{task.pk}/").json()["deal_fields"]

    assert "invoice_file" not in fields
    assert _content(client.get(fields["instructions_file"])) == b"%PDF-1.4 how to pack"
    money = reverse("api:file", args=[deal.invoice_file.name])
    assert client.get(money).status_code == 404
    colleague = client_for(UserFactory(role=Role.WAREHOUSE))
    assert colleague.get(fields["instructions_file"]).status_code == 404


def test_a_missing_file_is_404_in_the_api_error_shape(manager):
    response = client_for(manager).get("/api/files/deals/nothing-here.pdf")

    assert response.status_code == 404
    assert response.json() == {"detail": "Страница не найдена."}
