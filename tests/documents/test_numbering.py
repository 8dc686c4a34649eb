"""Invoice numbers: consecutive per year, no gap after a failure, safe under concurrency."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection as thread_connection

from documents import services
from documents.exceptions import DocumentError
from documents.models import Document, DocumentCounter
from documents.rendering import TemplateError
from documents.services import document_generate
from tests.factories import make_deal


def _invoice_deal(manager):
    return make_deal(
        "acceptance",
        "invoice",
        responsible=manager,
        acceptance_type="by_boxes",
        boxes=2,
        invoice_number="",
        invoice_file=None,
        amount=None,
    )


def test_numbers_follow_each_other_and_restart_each_year(ready, manager):
    numbers = [
        document_generate(
            deal=_invoice_deal(manager),
            kind="invoice",
            actor=manager,
            issued_on=datetime.date(2026, 12, 30),
        ).number
        for _ in range(3)
    ]
    assert numbers == ["1", "2", "3"]
    next_year = document_generate(
        deal=_invoice_deal(manager),
        kind="invoice",
        actor=manager,
        issued_on=datetime.date(2027, 1, 2),
    )
    assert (next_year.number, next_year.year) == ("1", 2027)
    # КП are counted on their own.
    assert DocumentCounter.objects.get(kind="invoice", year=2026).last_number == 3


def test_a_failed_pdf_uses_no_number_and_saves_nothing(ready, manager, monkeypatch, settings):
    first = _invoice_deal(manager)
    assert document_generate(deal=first, kind="invoice", actor=manager).number == "1"
    failing = _invoice_deal(manager)

    def broken(kind, context):
        raise TemplateError("В шаблоне документа ошибка: тест")

    monkeypatch.setattr(services, "render_pdf", broken)
    with pytest.raises(DocumentError, match="шаблоне"):
        document_generate(deal=failing, kind="invoice", actor=manager)
    failing.refresh_from_db()
    assert failing.invoice_number == "" and not failing.invoice_file and failing.amount is None
    assert Document.objects.count() == 1
    monkeypatch.undo()
    assert document_generate(deal=failing, kind="invoice", actor=manager).number == "2"


def test_a_failure_after_the_file_is_stored_leaves_no_file(ready, manager, monkeypatch, settings):
    deal = _invoice_deal(manager)

    def refuse(**kwargs):
        raise DocumentError("refused")

    monkeypatch.setattr(services, "deal_update", refuse)
    with pytest.raises(DocumentError):
        document_generate(deal=deal, kind="invoice", actor=manager)
    media = settings.MEDIA_ROOT / "documents"
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))
    assert not DocumentCounter.objects.filter(last_number__gt=0).exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_invoices_get_consecutive_numbers_on_postgresql(ready, manager):
    from django.db import connection

    from tests.conftest import require_service

    require_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    deals = [_invoice_deal(manager) for _ in range(6)]
    barrier = threading.Barrier(len(deals))
    results: list[str] = []
    errors: list[BaseException] = []

    def run(deal):
        try:
            barrier.wait(timeout=30)
            results.append(document_generate(deal=deal, kind="invoice", actor=manager).number)
        except BaseException as error:
            errors.append(error)
        finally:
            thread_connection.close()  # this thread's own connection

    threads = [threading.Thread(target=run, args=(deal,)) for deal in deals]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    assert sorted(results, key=int) == ["1", "2", "3", "4", "5", "6"]
    assert DocumentCounter.objects.get(kind="invoice").last_number == 6
    assert sorted(Document.objects.values_list("amount", flat=True)) == [Decimal("300.00")] * 6
