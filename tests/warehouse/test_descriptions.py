"""Task descriptions are stored as plain text and escaped once, by the page that shows them."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from deals.models import Task
from tests.api.conftest import client_for, stage_entry
from tests.factories import CompanyFactory, ContactFactory

pytestmark = pytest.mark.django_db

NAME = 'ООО "Ромашка" <Опт> & Ко'


@pytest.fixture
def quoted_task(make_task, manager) -> Task:
    company = CompanyFactory(name=NAME)
    return make_task(
        responsible=manager,
        company=company,
        contact=ContactFactory(company=company),
        comment="Коробки <хрупкие> & 'тяжелые'",
    )


def test_the_description_is_stored_as_text(quoted_task):
    first, *rest = quoted_task.description.splitlines()
    assert first == f"Приемка товара: {NAME}"
    assert "Комментарий: Коробки <хрупкие> & 'тяжелые'" in rest
    assert "&quot;" not in quoted_task.description and "&amp;" not in quoted_task.description


def test_the_phone_page_escapes_the_description_once(client, worker, quoted_task):
    client.force_login(worker)
    html = client.get(reverse("warehouse:task", args=[quoted_task.pk])).content.decode()
    assert "Приемка товара: ООО &quot;Ромашка&quot; &lt;Опт&gt; &amp; Ко" in html
    assert "&amp;quot;" not in html and "&amp;lt;" not in html
    assert "<Опт>" not in html


def test_the_api_gives_the_description_as_text(worker, quoted_task):
    response = client_for(worker).get(f"/api/tasks/{quoted_task.pk}/")
    assert response.status_code == 200
    assert response.json()["description"] == quoted_task.description
    assert response.json()["description"].startswith(f"Приемка товара: {NAME}\n")


def test_the_migration_unescapes_only_what_the_automation_escaped(quoted_task):
    migration = importlib.import_module("warehouse.migrations.0004_task_descriptions_as_text")
    escaped = "Приемка товара: ООО &quot;Ромашка&quot; &lt;Опт&gt; &amp; Ко\nЕдиниц: 5"
    Task.objects.filter(pk=quoted_task.pk).update(description=escaped)
    typed = Task.objects.create(
        kind=Task.Kind.WAREHOUSE,
        deal=quoted_task.deal,
        stage_change=stage_entry(quoted_task.deal, "to_warehouse"),
        stage="to_warehouse",
        title="Написано вручную",
        description='Знак "&amp;" пишется так',
    )
    approval = Task.objects.create(
        kind=Task.Kind.APPROVAL,
        deal=quoted_task.deal,
        stage_change=quoted_task.stage_change,
        stage="director_approval",
        title="Согласование",
        description="R&amp;D",
    )
    migration.unescape_descriptions(apps, None)
    assert Task.objects.get(pk=quoted_task.pk).description == (f"Приемка товара: {NAME}\nЕдиниц: 5")
    assert Task.objects.get(pk=typed.pk).description == 'Знак "&amp;" пишется так'
    assert Task.objects.get(pk=approval.pk).description == "R&amp;D"
