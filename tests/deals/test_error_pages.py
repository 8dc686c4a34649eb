"""403 and 404 in Russian, in the user's own layout, with a way back; the favicon."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _production_errors(settings):
    settings.DEBUG = False  # Django's own debug pages otherwise


def test_a_missing_deal_is_a_russian_page_in_the_crm_layout(client, manager):
    client.force_login(manager)

    response = client.get("/deals/999999/")

    html = response.content.decode()
    assert response.status_code == 404
    assert "<h1>Страница не найдена</h1>" in html
    assert '<a class="button" href="/">На главную</a>' in html
    assert 'class="topbar"' in html


def test_a_page_closed_to_the_role_is_a_russian_403_in_the_warehouse_layout(client, worker):
    client.force_login(worker)

    response = client.get("/companies/")

    html = response.content.decode()
    assert response.status_code == 403
    assert "<h1>Нет доступа</h1>" in html
    assert 'class="bar"' in html and 'class="topbar"' not in html


def test_signed_out_visitors_get_the_page_too(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "Страница не найдена" in response.content.decode()


def test_the_favicon_is_the_product_s_icon(client, manager):
    client.force_login(manager)

    icon = client.get("/favicon.ico")
    home = client.get("/companies/").content.decode()

    assert icon.status_code == 301 and icon["Location"].endswith(".svg")
    assert 'rel="icon"' in home


def test_a_form_with_a_stale_csrf_token_gets_the_russian_page(manager):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)

    response = client.post("/companies/new/", {"name": "ООО «Тест»"})

    assert response.status_code == 403
    assert "<h1>Страница устарела</h1>" in response.content.decode()


def test_the_500_page_renders_without_a_request_or_static_files():
    from django.template import loader
    from django.utils import translation

    with translation.override("ru"):
        html = loader.get_template("500.html").render()

    assert "<h1>Ошибка на сервере</h1>" in html and 'href="/"' in html
    assert "/static/" not in html
