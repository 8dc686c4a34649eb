"""Signing in lands each role on its home; the menu follows the role; the unread badge; the
password change; the tasks of a manager's deals."""

from __future__ import annotations

import pytest
from django.urls import reverse

from deals.models import StageChange, Task
from fulfillment import notifications
from tests.factories import make_deal

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "home"),
    [
        ("manager", "/pipelines/calculation/"),
        ("director", "/pipelines/calculation/"),
        ("worker", "/warehouse/"),
        ("administrator", "/admin/"),
    ],
)
def test_each_role_lands_on_its_home(client, request, role, home):
    client.force_login(request.getfixturevalue(role))

    response = client.get("/")

    assert (response.status_code, response["Location"]) == (302, home)


def test_signed_out_users_go_to_the_login_page(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


def test_the_login_page_is_in_russian_with_the_fields_tests_rely_on(client):
    html = client.get(reverse("login")).content.decode()

    assert 'id="id_username"' in html and 'id="id_password"' in html
    assert "Войти" in html


def test_a_wrong_password_is_an_alert(client, manager):
    response = client.post(reverse("login"), {"username": manager.username, "password": "x"})

    assert (
        '<p class="error" role="alert">Неверный логин или пароль.</p>' in response.content.decode()
    )


def test_the_menu_shows_pipelines_and_the_unread_badge(client, manager):
    notifications.notify(recipients=[manager, manager], event="x", text="Привет")
    client.force_login(manager)

    response = client.get(reverse("deals:board", args=["calculation"]))

    assert response.context["unread_notifications"] == 1
    labels = [str(item["label"]) for item in response.context["menu_pipelines"]]
    assert labels[0] == "Заявка на просчет заказа" and len(labels) == 5
    sections = [str(item["label"]) for item in response.context["menu_sections"]]
    assert sections == ["Компании", "Задачи", "Просрочено", "Отчеты"]
    html = response.content.decode()
    assert 'href="/notifications/"' in html
    assert '<span class="badge"' in html


def test_the_director_menu_has_the_approvals(client, director):
    client.force_login(director)

    response = client.get(reverse("deals:companies"))

    sections = [str(item["label"]) for item in response.context["menu_sections"]]
    assert sections == ["Компании", "Задачи", "Просрочено", "На согласование", "Отчеты"]


def test_the_password_change_page_opens(client, manager):
    client.force_login(manager)

    response = client.get(reverse("password_change"))

    assert response.status_code == 200
    assert "Смена пароля" in response.content.decode()


def test_the_password_is_changed(client, manager):
    client.force_login(manager)

    response = client.post(
        reverse("password_change"),
        {
            "old_password": "secret-pass-1",
            "new_password1": "Novyj-Parol-2026",
            "new_password2": "Novyj-Parol-2026",
        },
    )

    assert response.status_code == 302
    manager.refresh_from_db()
    assert manager.check_password("Novyj-Parol-2026")


def test_the_tasks_page_lists_open_tasks_of_my_deals(client, manager, other_manager):
    mine = make_deal("calculation", "director_approval", responsible=manager, title="Моя")
    theirs = make_deal("calculation", "director_approval", responsible=other_manager)
    for deal in (mine, theirs):
        change = StageChange.objects.create(deal=deal, transition="x", to_stage=deal.stage)
        Task.objects.create(
            deal=deal, stage_change=change, kind="approval", stage=deal.stage, title="ГД"
        )
    client.force_login(manager)

    response = client.get(reverse("deals:tasks"))

    assert response.status_code == 200
    assert [t.deal_id for t in response.context["page"]] == [mine.pk]


def test_the_user_menu_switches_the_language_and_back(client, manager):
    client.force_login(manager)

    russian = client.get("/companies/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/companies/"})
    english = client.get("/companies/").content.decode()
    client.post("/i18n/setlang/", {"language": "ru", "next": "/companies/"})

    assert 'value="en"' in russian and ">English</button>" in russian
    assert "<h1>Companies</h1>" in english and ">Русский</button>" in english
    assert "<h1>Компании</h1>" in client.get("/companies/").content.decode()


def test_tasks_open_from_the_list_and_the_deal_card(
    client, manager, director, django_capture_on_commit_callbacks
):
    from deals.models import Task
    from deals.services import deal_move
    from tests.api.conftest import approval_task
    from tests.factories import make_deal

    deal = make_deal("acceptance", "new", responsible=manager)
    with django_capture_on_commit_callbacks(execute=True):
        deal_move(deal=deal, transition="to_to_warehouse", actor=manager)
    warehouse_task = Task.objects.get(deal=deal, kind=Task.Kind.WAREHOUSE)
    approval = approval_task(make_deal("calculation", "director_approval", responsible=manager))
    client.force_login(manager)

    listed = client.get("/tasks/").content.decode()
    card = client.get(f"/deals/{deal.pk}/").content.decode()
    client.force_login(director)
    inbox_link = client.get(f"/deals/{approval.deal_id}/").content.decode()

    assert f'<a href="/warehouse/tasks/{warehouse_task.pk}/">' in listed
    assert f'<a href="/warehouse/tasks/{warehouse_task.pk}/">' in card
    assert f'<a href="/approvals/#approval-{approval.pk}">' in inbox_link


def test_an_empty_signed_in_page_reads_the_user_the_roles_and_the_badge_once(
    client, manager, django_assert_num_queries
):
    """The fixed cost of a signed-in page: the session comes from the cache, the unread badge
    is counted once for the menu and the page (it was counted twice), the menu's addresses are
    not reversed again."""
    client.force_login(manager)
    client.get("/notifications/")  # the session is now in the cache

    # The user, their roles, the badge, and the page's own count of notifications.
    with django_assert_num_queries(4) as queries:
        response = client.get("/notifications/")

    assert response.status_code == 200
    sqls = [query["sql"] for query in queries.captured_queries]
    assert not [sql for sql in sqls if "django_session" in sql]
    assert len([sql for sql in sqls if '"read_at" IS NULL' in sql]) == 1


def test_the_notifications_page_offers_to_mark_all_read_only_with_unread_ones(client, manager):
    client.force_login(manager)
    mark_all = "Отметить все прочитанными"
    assert mark_all not in client.get("/notifications/").content.decode()

    notifications.notify(recipients=[manager], event="x", text="Привет")

    assert mark_all in client.get("/notifications/").content.decode()
