"""The deal card: grouped fields, files, moves, links, open tasks and the timeline; editing a
group in place; comments with files and @mentions; who may open it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from deals import services
from deals.models import Deal, DealComment, Handoff, StageChange, Task
from fulfillment.models import Notification
from tests.factories import CompanyFactory, make_deal

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def _card(client, deal):
    return client.get(reverse("deals:detail", args=[deal.pk]))


def test_the_card_shows_fields_grouped_as_the_spec_groups_them(client, manager):
    deal = make_deal("calculation", "proposal", responsible=manager, goods_description="Посуда")
    client.force_login(manager)

    response = _card(client, deal)

    assert response.status_code == 200
    html = response.content.decode()
    for title in ("Клиент", "Запрос", "Коммерческое предложение"):
        assert f">{title}</h2>" in html
    assert "Посуда" in html
    assert f'href="/files/{deal.proposal_file.name}"' in html
    assert [m.name for m in response.context["moves"]] == ["to_director_approval", "fail"]


def test_the_card_links_the_source_deal_and_the_deals_it_created(client, manager):
    source = make_deal("calculation", "won", responsible=manager, title="Просчет")
    target = make_deal("acceptance", "new", responsible=manager, title="Приемка")
    Deal.objects.filter(pk=target.pk).update(source_deal=source)
    Handoff.objects.create(source=source, pipeline="acceptance", target=target)
    client.force_login(manager)

    source_html = _card(client, source).content.decode()
    target_html = _card(client, target).content.decode()

    assert f'href="/deals/{target.pk}/"' in source_html
    assert "Заявка на приемку товара «Приемка»" in source_html
    assert f'href="/deals/{source.pk}/"' in target_html


def test_the_timeline_merges_moves_comments_tasks_and_automation_newest_first(
    client, manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        deal = services.deal_create(
            pipeline="calculation",
            actor=manager,
            title="Лента",
            stage="director_approval",
            data=_calculation_data(manager),
        )
    services.deal_comment_add(deal=deal, author=manager, text="Позвонил клиенту")
    client.force_login(manager)

    response = _card(client, deal)

    kinds = [entry.kind for entry in response.context["timeline"]]
    # The automation that created the task shows as the task it created.
    assert kinds == ["comment", "task", "move"]
    html = response.content.decode()
    assert "Позвонил клиенту" in html
    assert "создана в стадии «Согласовать КП с ГД»" in html
    assert [t.kind for t in response.context["open_tasks"]] == [Task.Kind.APPROVAL]


def _calculation_data(manager):
    deal = make_deal("calculation", "new", responsible=manager)
    return {
        "company": deal.company,
        "contact": deal.contact,
        "services": ["storage"],
        "marketplaces": ["ozon"],
        "goods_description": "Посуда",
        "sku_count": 3,
        "units_per_month": 100,
        "proposal_file": SimpleUploadedFile("kp.pdf", b"%PDF-1.4"),
        "amount": 1000,
    }


def test_another_managers_deal_is_not_found(client, manager, other_manager):
    deal = make_deal("calculation", "new", responsible=other_manager)
    client.force_login(manager)

    assert _card(client, deal).status_code == 404
    assert client.get(reverse("deals:edit", args=[deal.pk, 0])).status_code == 404


def test_a_warehouse_worker_cannot_open_a_deal_card(client, worker, manager):
    deal = make_deal("calculation", "new", responsible=manager)
    client.force_login(worker)

    assert _card(client, deal).status_code == 403


def test_the_director_opens_any_deal(client, director, manager):
    deal = make_deal("calculation", "new", responsible=manager)
    client.force_login(director)

    assert _card(client, deal).status_code == 200


def test_a_group_is_edited_in_place(client, manager):
    deal = make_deal("calculation", "new", responsible=manager, sku_count=5)
    client.force_login(manager)

    form = client.get(reverse("deals:edit", args=[deal.pk, 1]), headers=HTMX)
    assert list(form.context["form"].fields) == [
        "services",
        "marketplaces",
        "goods_description",
        "sku_count",
        "units_per_month",
    ]
    response = client.post(
        reverse("deals:edit", args=[deal.pk, 1]),
        {
            "services": ["packing"],
            "marketplaces": ["ozon"],
            "goods_description": "Новые товары",
            "sku_count": "7",
            "units_per_month": "100",
        },
        headers=HTMX,
    )

    assert response.status_code == 200
    assert "Сохранено." in response.content.decode()
    deal.refresh_from_db()
    assert (deal.services, deal.sku_count, deal.goods_description) == (
        ["packing"],
        7,
        "Новые товары",
    )


def test_a_file_is_uploaded_with_its_group_and_downloaded_by_its_link(client, manager):
    deal = make_deal("calculation", "proposal", responsible=manager, proposal_file="")
    client.force_login(manager)

    response = client.post(
        reverse("deals:edit", args=[deal.pk, 2]),
        {"proposal_file": SimpleUploadedFile("kp-v2.pdf", b"%PDF-1.4 v2"), "amount": "5000"},
    )

    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.proposal_file.name.endswith("/kp-v2.pdf")
    download = client.get(deal.proposal_file.url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 v2"


def test_an_invalid_file_type_is_refused_in_russian(client, manager):
    deal = make_deal("calculation", "proposal", responsible=manager, proposal_file="")
    client.force_login(manager)

    response = client.post(
        reverse("deals:edit", args=[deal.pk, 2]),
        {"proposal_file": SimpleUploadedFile("kp.exe", b"MZ")},
        headers=HTMX,
    )

    assert response.status_code == 200
    errors = response.context["form"].errors["proposal_file"]
    assert errors == [
        "Тип файла «kp.exe» не принимается "
        "(можно: .pdf, .xls, .xlsx, .csv, .doc, .docx, .jpg, .jpeg, .png, .heic)."
    ]
    deal.refresh_from_db()
    assert not deal.proposal_file


def test_automation_fields_are_shown_but_not_editable(client, manager):
    deal = make_deal("calculation", "proposal", responsible=manager)
    client.force_login(manager)

    response = client.get(reverse("deals:edit", args=[deal.pk, 2]))

    assert "director_approved_at" not in response.context["form"].fields
    assert response.context["automation_paths"] == ["director_approved_at"]


def test_a_comment_with_a_file_and_a_mention_notifies(client, manager, director):
    deal = make_deal("calculation", "new", responsible=manager)
    client.force_login(manager)

    response = client.post(
        reverse("deals:comment", args=[deal.pk]),
        {
            "text": f"@{director.username} посмотрите КП",
            "file": SimpleUploadedFile("note.pdf", b"%PDF-1.4"),
        },
    )

    assert response.status_code == 302
    comment = DealComment.objects.get(deal=deal)
    assert list(comment.mentions.all()) == [director]
    assert comment.file.name.endswith("/note.pdf")
    assert Notification.objects.filter(recipient=director, event="mentioned").count() == 1
    html = _card(client, deal).content.decode()
    assert f"@{director.username}" in html
    assert "note.pdf" in html


def test_a_mentioned_colleague_who_cannot_open_the_deal_is_not_sent_it(
    client, manager, other_manager, worker
):
    """They would get the deal's title and a link answering 404: the author is told instead."""
    other_manager.first_name, other_manager.last_name = "Петр", "Петров"
    other_manager.save()
    deal = make_deal("calculation", "new", responsible=manager, title="Секретная сделка")
    client.force_login(manager)

    response = client.post(
        reverse("deals:comment", args=[deal.pk]),
        {"text": f"@{other_manager.username} и @{worker.username}, гляньте"},
        follow=True,
    )

    comment = DealComment.objects.get(deal=deal)  # the comment itself is kept
    assert list(comment.mentions.all()) == []
    assert not Notification.objects.filter(event="mentioned").exists()
    html = response.content.decode()
    assert "Петров" in html and "не видят эту сделку" in html
    assert "уведомление не отправлено" in html


def test_an_empty_comment_is_refused(client, manager):
    deal = make_deal("calculation", "new", responsible=manager)
    client.force_login(manager)

    response = client.post(reverse("deals:comment", args=[deal.pk]), {"text": " "}, follow=True)

    assert "Напишите комментарий или приложите файл." in response.content.decode()
    assert not DealComment.objects.filter(deal=deal).exists()


def test_the_card_costs_a_fixed_number_of_queries(
    client, manager, django_assert_num_queries, django_assert_max_num_queries
):
    """Whatever its timeline holds; the apps' panels and timeline entries (documents, e-mail,
    the recount, the client's access) cost a query or two each, never one per entry."""
    deal = make_deal("calculation", "new", responsible=manager)
    services.deal_comment_add(deal=deal, author=manager, text="Комментарий")
    client.force_login(manager)
    _card(client, deal)  # the caches fill
    with django_assert_max_num_queries(24) as few:
        assert _card(client, deal).status_code == 200

    for number in range(5):
        services.deal_comment_add(deal=deal, author=manager, text=f"Комментарий {number}")
        StageChange.objects.create(deal=deal, transition="x", to_stage="new")

    with django_assert_num_queries(len(few.captured_queries)):
        assert _card(client, deal).status_code == 200


def test_a_request_waiting_for_another_manager_s_contract_deal_says_so_both_ways(
    client, manager, other_manager, director
):
    company = CompanyFactory(has_contract=False)
    contract = make_deal("contract", "drafting", responsible=other_manager, company=company)
    request = make_deal("calculation", "won", responsible=manager, company=company)
    Deal.objects.filter(pk=request.pk).update(awaiting_contract=contract)
    client.force_login(manager)

    card = _card(client, request).content.decode()

    assert f"Ждет заключения договора — сделка №{contract.pk}" in card
    assert f'href="/deals/{contract.pk}/"' not in card  # another manager's: named, not linked
    assert "Пока нет" not in card
    client.force_login(director)
    both = _card(client, request).content.decode()
    assert f'href="/deals/{contract.pk}/"' in both
    contract_card = _card(client, contract).content.decode()
    assert f"Этот договор ждет заявка на просчет №{request.pk}" in contract_card
    assert f'href="/deals/{request.pk}/"' in contract_card


def test_the_timeline_speaks_the_business_s_words_at_the_time_things_happened(
    client, manager, director
):
    import datetime

    from django.utils import timezone

    from deals.models import AutomationJob
    from tests.api.conftest import approval_task

    deal = make_deal("calculation", "director_approval", responsible=manager)
    task = approval_task(deal)
    Task.objects.filter(pk=task.pk).update(created_at=timezone.now() - datetime.timedelta(days=2))
    services.approval_approve(task=task, actor=director)
    change = StageChange.objects.create(deal=deal, transition="x", to_stage="won")
    AutomationJob.objects.create(
        deal=deal,
        stage_change=change,
        action="calculation.won.contract_check",
        status=AutomationJob.Status.FAILED,
    )
    client.force_login(manager)

    response = _card(client, deal)

    html = response.content.decode()
    assert "calculation.won.contract_check" not in html
    assert "calculation.director_approval.approval_task" not in html
    assert "Не выполнено: откроется заявка на приемку товара" in html
    closed = next(e for e in response.context["timeline"] if e.kind == "task_closed")
    assert closed.at == Task.objects.get(pk=task.pk).completed_at  # not the task's creation
    assert "согласовал(а) КП" in html


def test_the_edit_form_shows_money_grouped_and_files_by_their_names(client, manager):
    deal = make_deal("calculation", "proposal", responsible=manager, amount=Decimal("250000"))
    client.force_login(manager)
    url = reverse("deals:edit", args=[deal.pk, 2])

    html = client.get(url, headers=HTMX).content.decode()

    assert 'value="250\u00a0000,00"' in html
    name = deal.proposal_file.name
    assert f">{name.rsplit('/', 1)[1]}</a>" in html and f">{name}<" not in html
    client.post(url, {"amount": "260 000,50"}, headers=HTMX)
    deal.refresh_from_db()
    assert deal.amount == Decimal("260000.50")
