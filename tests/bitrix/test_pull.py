"""The live pull from a Bitrix24 portal through its webhook, against a portal the test starts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from bitrix.portal import pull
from deals.models import Company, Contact, Deal
from fulfillment.roles import Role
from tests.bitrix.fake_portal import FakePortal
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def portal():
    fake = FakePortal()
    url = fake.start()
    yield fake, url
    fake.stop()


@pytest.fixture
def maria(db):
    return UserFactory(
        username="maria", first_name="Мария", last_name="Менеджерова", role=Role.MANAGER
    )


def test_the_pull_reads_every_page_and_turns_ids_into_names(portal):
    fake, url = portal

    companies, contacts, deals = pull(url)

    assert len(deals.rows) == 120
    deal_pages = [params["start"] for method, params in fake.calls if method == "crm.deal.list"]
    assert deal_pages == [0, 50, 100]
    first = deals.rows[0].values
    assert first == {
        "id": "1001",
        "title": "Заявка 1",
        "pipeline": "Заявка на просчет заказа",
        "stage": "Сформировать КП",
        "amount": "1000.00",
        "company": "ООО «Ромашка»",
        "contact": "Иван Петров",
        "responsible": "Мария Менеджерова",
        "created": "2026-11-02T10:15:00+03:00",
    }
    assert companies.rows[0].values["inn"] == "7707083893"
    assert contacts.rows[0].values["phone"] == "8 (916) 123-45-67"


def test_the_command_imports_a_portal_through_its_webhook_and_a_re_run_changes_nothing(
    portal, maria, capsys
):
    _fake, url = portal

    call_command("import_bitrix24", "--webhook", url)
    call_command("import_bitrix24", "--webhook", url)

    out = capsys.readouterr().out
    assert "Сделки: создано 120, изменено 0, без изменений 0, отклонено 0" in out
    assert "Сделки: создано 0, изменено 0, без изменений 120, отклонено 0" in out
    assert Deal.objects.count() == 120
    deal = Deal.objects.get(bitrix24_id=1001)
    assert (deal.pipeline, deal.stage, deal.amount) == ("calculation", "proposal", Decimal("1000"))
    assert (deal.company.inn, deal.contact.name) == ("7707083893", "Иван Петров")
    assert Deal.objects.get(bitrix24_id=1003).stage == "won"  # «Сделка успешна» of C2
    assert (Company.objects.count(), Contact.objects.count()) == (2, 1)


def test_a_wrong_token_is_said_plainly(portal):
    _fake, url = portal

    with pytest.raises(CommandError, match=r"Портал отказал в user\.get: Wrong authorization data"):
        call_command("import_bitrix24", "--webhook", url.replace("s3cr3t", "wrong"))


def test_a_portal_that_does_not_answer_is_said_plainly():
    with pytest.raises(CommandError, match=r"не ответил на user\.get"):
        call_command("import_bitrix24", "--webhook", "http://127.0.0.1:9/rest/1/x/")
