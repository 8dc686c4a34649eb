"""The phone pages: «my tasks», the task page and its buttons, comments with files, downloads;
who may open what."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from deals.models import Deal, Task, TaskComment
from deals.pipelines.fields import DEAL_FIELDS
from fulfillment.roles import Role
from tests.factories import UserFactory
from warehouse import services
from warehouse.models import WorkSession

pytestmark = pytest.mark.django_db


def task_url(task: Task, name: str = "warehouse:task", *args) -> str:
    return reverse(name, args=[task.pk, *args])


def action(client, task: Task, name: str):
    return client.post(task_url(task, "warehouse:task-action", name), follow=True)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def upload(name: str = "пересчет.xlsx", content: bytes = b"PK\x03\x04 data") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


# --- «my tasks» ---------------------------------------------------------------------------


def test_my_tasks_shows_the_queue_and_the_deals_essentials_without_money(client, worker, task):
    client.force_login(worker)
    response = client.get(reverse("warehouse:tasks"))
    assert response.status_code == 200
    assert [t.pk for t, _essentials in response.context["cards"]] == [task.pk]
    html = response.content.decode()
    deal = task.deal
    assert deal.company.name.replace("«", "&laquo;") in html or deal.company.name in html
    assert "Ожидаемая дата поступления" in html and "01.12.2026" in html
    assert "Количество коробов (мест)" in html
    money = [str(getattr(deal, c)) for c, f in DEAL_FIELDS.items() if f.money and getattr(deal, c)]
    assert money and not any(value in html for value in money if len(value) > 3)


def test_tabs_sort_tasks_by_status_newest_first(client, worker, make_task, manager):
    old, new = make_task(responsible=manager), make_task(responsible=manager)
    services.work_start(task=old, worker=worker)
    client.force_login(worker)
    counts = client.get(reverse("warehouse:tasks")).context["counts"]
    assert counts == {"new": 1, "active": 1, "done": 0}
    active = client.get(reverse("warehouse:tasks"), {"tab": "active"}).context["cards"]
    assert [t.pk for t, _ in active] == [old.pk]
    assert active[0][0].running is True
    newest = make_task(responsible=manager)
    cards = client.get(reverse("warehouse:tasks"), {"tab": "new"}).context["cards"]
    assert [t.pk for t, _ in cards] == [newest.pk, new.pk]


def test_a_worker_does_not_see_tasks_taken_by_another(client, worker, task):
    services.work_start(task=task, worker=UserFactory(role=Role.WAREHOUSE))
    client.force_login(worker)
    response = client.get(reverse("warehouse:tasks"), {"tab": "active"})
    assert response.context["cards"] == []
    assert client.get(task_url(task)).status_code == 404


def test_my_tasks_takes_a_fixed_number_of_queries(
    client, worker, make_task, manager, django_assert_max_num_queries
):
    client.force_login(worker)
    for _ in range(3):
        services.work_start(task=make_task(responsible=manager), worker=worker)
        services.work_pause(task=Task.objects.first(), worker=worker)
    with django_assert_max_num_queries(10) as few:
        client.get(reverse("warehouse:tasks"), {"tab": "active"})
    with_three = len(few)
    for _ in range(27):
        make_task(responsible=manager)
    with django_assert_max_num_queries(with_three):
        response = client.get(reverse("warehouse:tasks"))
    assert len(response.context["cards"]) == 20


# --- the task page ------------------------------------------------------------------------


def test_task_page_shows_description_files_and_the_start_button(client, worker, task):
    client.force_login(worker)
    response = client.get(task_url(task))
    assert response.status_code == 200
    html = response.content.decode()
    assert ">Начать</button>" in html and ">Завершить</button>" not in html
    assert "Приемка товара" in html or task.description.splitlines()[0][:10] in html
    assert 'capture="environment"' in html and 'accept=".pdf,.xls' in html
    assert "Зафиксировать как результат работы" in html
    codes = [f.code for f in response.context["files"]]
    assert codes == ["recount_file"]  # no invoice, no proposal


def test_task_page_takes_a_fixed_number_of_queries(
    client, worker, task, django_assert_max_num_queries
):
    client.force_login(worker)
    services.work_start(task=task, worker=worker)
    for number in range(3):
        client.post(task_url(task, "warehouse:task-comment"), {"text": f"заметка {number}"})
    with django_assert_max_num_queries(12) as few:
        client.get(task_url(task))
    with_three = len(few)
    for number in range(27):
        client.post(task_url(task, "warehouse:task-comment"), {"text": f"ещё {number}"})
        services.work_pause(task=task, worker=worker)
        services.work_resume(task=task, worker=worker)
    with django_assert_max_num_queries(with_three):
        client.get(task_url(task))


def test_start_pause_resume_complete_through_the_buttons(client, worker, task, manager):
    client.force_login(worker)
    response = action(client, task, "start")
    assert messages_of(response) == ["Время пошло."]
    assert ">Пауза</button>" in response.content.decode()
    response = action(client, task, "pause")
    assert messages_of(response) == ["Поставлено на паузу."]
    assert ">Продолжить</button>" in response.content.decode()
    response = action(client, task, "resume")
    assert response.redirect_chain == [(task_url(task), 302)]
    response = action(client, task, "complete")
    assert messages_of(response) == [
        "Сначала приложите результат: комментарий с файлом и отметкой "
        "«Зафиксировать как результат работы»."
    ]
    response = client.post(
        task_url(task, "warehouse:task-comment"),
        {"text": "Пересчет готов", "file": upload(), "is_result": "on"},
        follow=True,
    )
    assert messages_of(response) == ["Результат зафиксирован."]
    assert "Результат работы" in response.content.decode()
    response = action(client, task, "complete")
    assert messages_of(response) == ["Задача завершена. Менеджер получил уведомление."]
    task.refresh_from_db()
    assert task.status == Task.Status.DONE
    assert Deal.objects.get(pk=task.deal_id).recount_file.name == task.result_comment.file.name
    assert ">Начать</button>" not in response.content.decode()


def test_starting_a_second_task_shows_the_refusal(client, worker, make_task, manager):
    first, second = make_task(responsible=manager), make_task(responsible=manager)
    client.force_login(worker)
    action(client, first, "start")
    response = action(client, second, "start")
    assert messages_of(response) == [
        f"Вы уже работаете над «{first.title}». Сначала поставьте ее на паузу."
    ]
    assert response.context["running_elsewhere"].task_id == first.pk


def test_an_unknown_action_is_404_and_get_is_not_allowed(client, worker, task):
    client.force_login(worker)
    assert client.post(task_url(task, "warehouse:task-action", "delete")).status_code == 404
    assert client.get(task_url(task, "warehouse:task-action", "start")).status_code == 405


# --- comments and uploads -----------------------------------------------------------------


def test_too_big_a_file_is_refused_in_russian_and_nothing_is_saved(client, worker, task, settings):
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    client.force_login(worker)
    response = client.post(
        task_url(task, "warehouse:task-comment"),
        {"text": "фото", "file": upload("фото.jpg", b"x" * (1024 * 1024 + 1)), "is_result": "on"},
    )
    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == ["Файл «фото.jpg» больше 1 МБ."]
    assert not TaskComment.objects.exists()
    task.refresh_from_db()
    assert task.result_comment is None


def test_a_file_of_a_wrong_type_is_refused_in_russian(client, worker, task):
    client.force_login(worker)
    response = client.post(
        task_url(task, "warehouse:task-comment"), {"file": upload("virus.exe", b"MZ")}
    )
    assert response.status_code == 400
    [error] = response.context["form"].non_field_errors()
    assert error.startswith("Тип файла «virus.exe» не принимается (можно: .pdf, .xls")
    assert not TaskComment.objects.exists()


def test_an_empty_comment_is_refused(client, worker, task):
    client.force_login(worker)
    response = client.post(task_url(task, "warehouse:task-comment"), {"text": "  "})
    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [
        "Напишите комментарий или приложите файл."
    ]


def test_comment_files_are_downloaded_by_who_sees_the_task_only(client, worker, task, manager):
    services.work_start(task=task, worker=worker)
    client.force_login(worker)
    client.post(task_url(task, "warehouse:task-comment"), {"file": upload(), "is_result": "on"})
    comment = TaskComment.objects.get()
    url = task_url(task, "warehouse:task-comment-file", comment.pk)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"PK\x03\x04 data"
    client.force_login(UserFactory(role=Role.WAREHOUSE))
    assert client.get(url).status_code == 404
    client.force_login(manager)  # the deal's responsible
    assert client.get(url).status_code == 200
    assert client.get(reverse("protected-file", args=[comment.file.name])).status_code == 200
    client.force_login(UserFactory(role=Role.MANAGER))
    assert client.get(reverse("protected-file", args=[comment.file.name])).status_code == 404


# --- permissions --------------------------------------------------------------------------


def test_money_files_are_404_for_a_worker(client, worker, task):
    client.force_login(worker)
    deal = task.deal
    assert deal.invoice_file  # the complete deal has one
    assert client.get(task_url(task, "warehouse:task-deal-file", "invoice_file")).status_code == 404
    assert client.get(reverse("protected-file", args=[deal.invoice_file.name])).status_code == 404
    ok = client.get(task_url(task, "warehouse:task-deal-file", "recount_file"))
    assert ok.status_code == 200


def test_a_worker_cannot_open_another_deals_task_or_the_deal(client, worker, make_task, manager):
    theirs = make_task(responsible=manager)
    mine = make_task(responsible=manager)
    services.work_start(task=theirs, worker=UserFactory(role=Role.WAREHOUSE))
    services.work_start(task=mine, worker=worker)
    client.force_login(worker)
    assert client.get(task_url(theirs)).status_code == 404
    assert client.post(task_url(theirs, "warehouse:task-action", "pause")).status_code == 404
    assert client.post(task_url(theirs, "warehouse:task-comment"), {"text": "x"}).status_code == 404
    recount = Deal.objects.get(pk=theirs.deal_id).recount_file.name
    assert client.get(reverse("protected-file", args=[recount])).status_code == 404


def test_anonymous_users_are_sent_to_sign_in(client, task):
    response = client.get(task_url(task))
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_a_manager_reads_the_task_of_their_deal_without_buttons(client, manager, task, worker):
    services.work_start(task=task, worker=worker)
    client.force_login(manager)
    response = client.get(task_url(task))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Пауза</button>" not in html and "Завершить</button>" not in html
    assert "Зафиксировать как результат работы" not in html
    response = client.post(task_url(task, "warehouse:task-action", "pause"), follow=True)
    assert messages_of(response) == ["Это не ваша задача."]
    assert WorkSession.objects.get().is_running
    client.force_login(UserFactory(role=Role.MANAGER))
    assert client.get(task_url(task)).status_code == 404


def test_the_director_closes_a_session_left_running(client, director, worker, task):
    session = services.work_start(task=task, worker=worker)
    client.force_login(director)
    page = client.get(task_url(task))
    assert page.context["closable"] == {session.pk}
    response = client.post(
        reverse("warehouse:session-close", args=[session.pk]),
        {"next": "https://evil.example.com/"},
        follow=True,
    )
    assert response.redirect_chain == [(task_url(task), 302)]
    assert messages_of(response) == ["Учет времени остановлен."]
    session.refresh_from_db()
    assert session.stopped_by == director


def test_a_worker_closes_their_session_on_a_cancelled_task(client, worker, task, manager):
    session = services.work_start(task=task, worker=worker)
    Task.objects.filter(pk=task.pk).update(status=Task.Status.CANCELLED)
    client.force_login(worker)
    page = client.get(reverse("warehouse:tasks"))
    assert page.context["running"] == session
    assert client.get(task_url(task)).context["closable"] == {session.pk}
    client.post(reverse("warehouse:session-close", args=[session.pk]))
    assert not WorkSession.objects.get().is_running
    other_worker = UserFactory(role=Role.WAREHOUSE)
    client.force_login(other_worker)
    assert client.post(reverse("warehouse:session-close", args=[session.pk])).status_code == 404
