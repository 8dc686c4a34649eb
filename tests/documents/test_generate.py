"""Making the КП, the invoice and the act: lines, sums, the PDF's text, the deal's fields."""

import datetime
from decimal import Decimal

import pytest

from deals.models import FieldChange
from deals.services import deal_move
from documents.exceptions import DocumentError
from documents.models import AgreedPrice, Document, OurCompany, Price, VatMode
from documents.services import document_generate
from tests.documents.helpers import pdf_text
from tests.factories import make_deal

TODAY = datetime.date(2026, 12, 4)


def test_invoice_bills_the_recount_at_list_prices_and_fills_the_deal(
    ready, acceptance_deal, manager
):
    document = document_generate(
        deal=acceptance_deal, kind="invoice", actor=manager, issued_on=TODAY
    )
    # 100 × 12,50 + 100 × 3,125 = 1 250,00 + 312,50 = 1 562,50; VAT 20 % in it: 260,42.
    assert [(line["code"], line["quantity"], line["amount"]) for line in document.lines] == [
        ("acceptance_unit", "100", "1250.00"),
        ("recount", "100", "312.50"),
    ]
    assert document.amount == Decimal("1562.50")
    assert document.vat_amount == Decimal("260.42")
    assert (document.number, document.year, document.sequence) == ("1", 2026, 1)
    assert document.created_by == manager
    acceptance_deal.refresh_from_db()
    assert acceptance_deal.invoice_number == "1"
    assert acceptance_deal.amount == Decimal("1562.50")
    assert acceptance_deal.invoice_file.name == document.file.name
    # Through the deal services: the audit trail names the manager.
    changed = set(
        FieldChange.objects.filter(deal=acceptance_deal, actor=manager).values_list(
            "field", flat=True
        )
    )
    assert {"invoice_number", "amount", "invoice_file"} <= changed


def test_invoice_pdf_text_has_number_words_vat_and_both_parties(ready, acceptance_deal, manager):
    document = document_generate(
        deal=acceptance_deal, kind="invoice", actor=manager, issued_on=TODAY
    )
    text = pdf_text(document)
    assert "Счет на оплату № 1 от 04.12.2026" in text
    assert "Одна тысяча пятьсот шестьдесят два рубля 50 копеек" in text
    assert "В т.ч. НДС 20%: 260,42" in text
    assert "1 562,50" in text.replace("\u00a0", " ")
    for value in ("ООО «Фулфилмент Плюс»", "7707083893", "044525225", "30101810400000000225"):
        assert value in text
    assert acceptance_deal.company.legal_name in text


def test_move_to_awaiting_payment_needs_nothing_typed_after_the_invoice(
    ready, acceptance_deal, manager
):
    document_generate(deal=acceptance_deal, kind="invoice", actor=manager)
    change = deal_move(deal=acceptance_deal, transition="to_awaiting_payment", actor=manager)
    assert change.to_stage == "awaiting_payment"
    acceptance_deal.refresh_from_db()
    assert acceptance_deal.stage == "awaiting_payment"


def test_without_vat_the_invoice_says_so(ready, acceptance_deal, manager):
    OurCompany.objects.update(tax_mode=OurCompany.TaxMode.NO_VAT, vat_rate=None)
    document = document_generate(deal=acceptance_deal, kind="invoice", actor=manager)
    assert document.vat_amount is None
    assert "Без НДС" in pdf_text(document)


def test_storage_pallet_days_are_billed_when_given(ready, acceptance_deal, manager):
    document = document_generate(
        deal=acceptance_deal, kind="invoice", actor=manager, pallet_days=30
    )
    # + 30 × 45,00 = 1 350,00 → 2 912,50
    assert document.lines[-1]["code"] == "storage_pallet_day"
    assert document.amount == Decimal("2912.50")


def test_processing_and_shipment_bill_their_operations(ready, manager):
    processing = make_deal(
        "processing", "invoice", responsible=manager, operations=["labeling", "packing"], units=40
    )
    document = document_generate(deal=processing, kind="invoice", actor=manager)
    # 40 × 4,50 + 40 × 15,00 = 180,00 + 600,00
    assert document.amount == Decimal("780.00")
    shipment = make_deal(
        "shipment", "invoice", responsible=manager, destination_type="marketplace", boxes=6
    )
    document = document_generate(deal=shipment, kind="invoice", actor=manager)
    # 6 × 80,00 + 1 × 2 500,00
    assert document.amount == Decimal("2980.00")


def test_agreed_prices_win_over_the_list_and_the_newest_list_price_applies(
    ready, price_list, acceptance_deal, manager
):
    Price.objects.create(
        service=price_list["recount"],
        valid_from=datetime.date(2026, 12, 1),
        price=Decimal("4.00"),
    )
    AgreedPrice.objects.create(
        company=acceptance_deal.company,
        service=price_list["acceptance_unit"],
        valid_from=datetime.date(2026, 6, 1),
        price=Decimal("10.00"),
    )
    document = document_generate(
        deal=acceptance_deal, kind="invoice", actor=manager, issued_on=TODAY
    )
    # 100 × 10,00 (agreed) + 100 × 4,00 (list from 01.12) = 1 400,00
    assert [line["price"] for line in document.lines] == ["10.000", "4.000"]
    assert document.amount == Decimal("1400.00")


def test_an_old_invoice_keeps_its_prices_when_the_list_changes(
    ready, price_list, acceptance_deal, manager
):
    document = document_generate(deal=acceptance_deal, kind="invoice", actor=manager)
    Price.objects.filter(service=price_list["recount"]).update(price=Decimal("99"))
    document.refresh_from_db()
    assert document.lines[1]["price"] == "3.125"
    assert document.amount == Decimal("1562.50")


def test_act_repeats_the_invoice_once_paid(ready, acceptance_deal, manager):
    invoice = document_generate(deal=acceptance_deal, kind="invoice", actor=manager)
    with pytest.raises(DocumentError, match="«Приемка оплачена»"):
        document_generate(deal=acceptance_deal, kind="act", actor=manager)
    deal_move(deal=acceptance_deal, transition="to_awaiting_payment", actor=manager)
    deal_move(
        deal=acceptance_deal,
        transition="to_won",
        actor=manager,
        data={"payment_date": TODAY, "paid_amount": Decimal("1562.50")},
    )
    act = document_generate(deal=acceptance_deal, kind="act", actor=manager)
    assert act.lines == invoice.lines
    assert act.amount == invoice.amount and act.vat_amount == invoice.vat_amount
    text = pdf_text(act)
    assert "Акт выполненных работ № 1" in text
    assert f"счет № {invoice.number}" in text


def test_proposal_from_services_and_volumes_fills_file_and_amount(ready, calculation_deal, manager):
    document = document_generate(
        deal=calculation_deal, kind="proposal", actor=manager, issued_on=TODAY
    )
    # 1 000 × 12,50 + 1 000 × 3,125 + 1 000 × 4,50 = 12 500 + 3 125 + 4 500 = 20 125,00
    assert document.amount == Decimal("20125.00")
    calculation_deal.refresh_from_db()
    assert calculation_deal.amount == Decimal("20125.00")
    assert calculation_deal.proposal_file.name == document.file.name
    text = pdf_text(document)
    assert "Коммерческое предложение № 1 от 04.12.2026" in text
    assert "Двадцать тысяч сто двадцать пять рублей 00 копеек" in text
    # the next stage's requirement is met by the КП
    deal_move(deal=calculation_deal, transition="to_director_approval", actor=manager)


def test_won_proposal_prices_become_agreed_prices(
    ready, calculation_deal, manager, director, django_capture_on_commit_callbacks
):
    document_generate(deal=calculation_deal, kind="proposal", actor=manager)
    calculation_deal.company.has_contract = True
    calculation_deal.company.contract_number = "Д-1"
    calculation_deal.company.contract_date = TODAY
    calculation_deal.company.save()
    calculation_deal.refresh_from_db()
    type(calculation_deal).objects.filter(pk=calculation_deal.pk).update(
        stage="client_approval",
        director_approved_at=datetime.datetime(2026, 12, 4, tzinfo=datetime.UTC),
    )
    calculation_deal.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        deal_move(deal=calculation_deal, transition="to_won", actor=manager)
    agreed = {
        a.service.code: a.price
        for a in AgreedPrice.objects.filter(company=calculation_deal.company)
    }
    assert agreed == {
        "acceptance_unit": Decimal("12.500"),
        "recount": Decimal("3.125"),
        "labeling": Decimal("4.500"),
    }
    # Run again (a duplicate delivery): nothing more.
    from documents.handlers import keep_agreed_prices

    change = calculation_deal.stage_changes.get(to_stage="won")
    keep_agreed_prices(calculation_deal, change)
    assert AgreedPrice.objects.filter(company=calculation_deal.company).count() == 3
    assert AgreedPrice.objects.filter(source_deal=calculation_deal).count() == 3


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("no_our_company", "реквизиты нашей компании"),
        ("no_price", "Нет цены"),
        ("client_without_inn", "реквизитов клиента"),
    ],
)
def test_refusals_save_nothing(setup, message, our_company, price_list, acceptance_deal, manager):
    if setup == "no_our_company":
        OurCompany.objects.all().delete()
    elif setup == "no_price":
        Price.objects.filter(service__code="recount").delete()
    else:
        type(acceptance_deal.company).objects.filter(pk=acceptance_deal.company_id).update(inn="")
        acceptance_deal.refresh_from_db()
    with pytest.raises(DocumentError) as refused:
        document_generate(deal=acceptance_deal, kind="invoice", actor=manager)
    assert message.lower() in refused.value.message.lower()
    assert not Document.objects.exists()
    acceptance_deal.refresh_from_db()
    assert acceptance_deal.invoice_number == "" and acceptance_deal.amount is None


def test_wrong_stage_is_refused(ready, manager):
    deal = make_deal("acceptance", "recount_approval", responsible=manager)
    with pytest.raises(DocumentError, match="Направить клиенту счет"):
        document_generate(deal=deal, kind="invoice", actor=manager)


def test_vat_exempt_price_is_marked_on_the_line(ready, price_list, acceptance_deal, manager):
    Price.objects.filter(service__code="recount").update(vat_mode=VatMode.EXEMPT)
    document = document_generate(deal=acceptance_deal, kind="invoice", actor=manager)
    # VAT of the taxed 1 250,00 only: 1 250 × 20 / 120 = 208,333… → 208,33
    assert document.vat_amount == Decimal("208.33")


def test_act_needs_the_invoice_first(ready, manager):
    deal = make_deal("processing", "won", responsible=manager)
    with pytest.raises(DocumentError, match="сначала выставьте счет"):
        document_generate(deal=deal, kind="act", actor=manager)
