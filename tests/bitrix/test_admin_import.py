"""The import from the admin: an administrator uploads the exports, the import runs in the
background, its page shows the progress and then the report with the rejected rows."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from bitrix.models import ImportRun
from bitrix.runs import progress_key
from deals.models import Deal
from fulfillment.roles import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

EXPORTS = Path(__file__).parent / "exports"
ADD = "admin:bitrix_importrun_add"


def _upload(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (EXPORTS / name).read_bytes())


def _start(client, django_capture_on_commit_callbacks, *, dry_run: bool, names=None):
    files = [_upload(n) for n in names or ("deals.csv", "contacts.csv", "companies.xls")]
    form = {"files": files, "default_responsible": "", "mapping": ""}
    if dry_run:
        form["dry_run"] = "on"
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse(ADD), form)


@pytest.fixture
def maria(db):
    return UserFactory(
        username="maria", first_name="Мария", last_name="Менеджерова", role=Role.MANAGER
    )


def test_an_administrator_imports_and_reads_the_report(
    client, administrator, maria, django_capture_on_commit_callbacks
):
    client.force_login(administrator)

    response = _start(client, django_capture_on_commit_callbacks, dry_run=False)

    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:bitrix_importrun_change", args=[run.pk])
    assert (run.status, run.created_by, run.files.count()) == ("done", administrator, 3)
    assert Deal.objects.filter(bitrix24_id=301).exists()
    page = client.get(response["Location"]).content.decode()
    assert "Сделки: создано 5, изменено 0, без изменений 0, отклонено 5" in page
    assert "Нет пользователя «Неизвестный Человек» (по ФИО или e-mail)." in page
    assert 'http-equiv="refresh"' not in page
    rejected = client.get(reverse("admin:bitrix_importrun_rejected", args=[run.pk]))
    assert rejected["Content-Type"] == "text/csv; charset=utf-8"
    assert "Неизвестный Человек" in rejected.content.decode()


def test_a_dry_run_from_the_admin_writes_nothing_and_says_so(
    client, administrator, maria, django_capture_on_commit_callbacks
):
    client.force_login(administrator)

    response = _start(client, django_capture_on_commit_callbacks, dry_run=True)

    assert not Deal.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert "Пробный запуск: ничего не записано." in page
    assert "Сделки: создано 5" in page


def test_a_running_import_shows_its_progress_and_refreshes(client, administrator):
    run = ImportRun.objects.create(created_by=administrator, status=ImportRun.Status.RUNNING)
    cache.set(progress_key(run.pk), (120, 480))
    client.force_login(administrator)

    page = client.get(reverse("admin:bitrix_importrun_change", args=[run.pk])).content.decode()

    assert '<progress id="import-progress" max="480" value="120">' in page
    assert "120 из 480 записей" in page
    assert '<meta http-equiv="refresh" content="2">' in page


def test_a_file_that_is_no_export_is_refused_on_the_form(client, administrator):
    client.force_login(administrator)

    response = client.post(
        reverse(ADD),
        {"files": [SimpleUploadedFile("таблица.csv", "Номер;Сумма\n1;2\n".encode())]},
    )

    assert response.status_code == 200
    assert "по заголовкам столбцов не понятно" in response.content.decode()
    assert not ImportRun.objects.exists()


@pytest.mark.parametrize("role", [Role.MANAGER, Role.DIRECTOR])
def test_only_administrators_import(client, role):
    client.force_login(UserFactory(role=role, is_staff=True))

    assert client.get(reverse(ADD)).status_code == 403


def test_a_mapping_file_that_cannot_be_read_fails_the_run_with_its_reason(
    client, administrator, django_capture_on_commit_callbacks
):
    client.force_login(administrator)
    form = {
        "files": [_upload("deals.csv")],
        "mapping": SimpleUploadedFile("mapping.json", b'{"stages": {"calculation": {"X": "no"}}}'),
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse(ADD), form)

    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.FAILED
    assert "нет стадии «no»" in run.error
    assert not Deal.objects.exists()
    assert "нет стадии «no»" in client.get(response["Location"]).content.decode()
