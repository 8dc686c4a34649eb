"""The GOST R 56042-2014 payment payload and its QR code."""

from decimal import Decimal

import segno

from documents.rendering import payment_payload, qr_data_url


def test_payload_is_exactly_st00012_with_the_sum_in_kopecks():
    payload = payment_payload(
        name="ООО «Фулфилмент Плюс»",
        account="40702810938000000001",
        bank_name="ПАО Сбербанк",
        bik="044525225",
        correspondent_account="30101810400000000225",
        inn="7707083893",
        kpp="773601001",
        purpose="Оплата по счету № 7 от 04.12.2026. В т.ч. НДС 20%: 260,42",
        amount=Decimal("1562.50"),
    )
    assert payload == (
        "ST00012|Name=ООО «Фулфилмент Плюс»|PersonalAcc=40702810938000000001"
        "|BankName=ПАО Сбербанк|BIC=044525225|CorrespAcc=30101810400000000225"
        "|PayeeINN=7707083893|KPP=773601001"
        "|Purpose=Оплата по счету № 7 от 04.12.2026. В т.ч. НДС 20%: 260,42|Sum=156250"
    )


def test_a_separator_in_a_value_cannot_break_the_payload_and_no_kpp_is_left_out():
    payload = payment_payload(
        name="ООО «А|Б»",
        account="1",
        bank_name="Банк\nНовый",
        bik="2",
        correspondent_account="3",
        inn="4",
        kpp="",
        purpose="x",
        amount=Decimal("0.99"),
    )
    assert payload.split("|") == [
        "ST00012",
        "Name=ООО «А Б»",
        "PersonalAcc=1",
        "BankName=Банк Новый",
        "BIC=2",
        "CorrespAcc=3",
        "PayeeINN=4",
        "Purpose=x",
        "Sum=99",
    ]


def test_qr_is_an_embedded_png():
    url = qr_data_url("ST00012|Name=А|Sum=100")
    assert url.startswith("data:image/png;base64,")
    # segno encodes the Cyrillic payload as UTF-8 bytes (the «2» of ST00012).
    assert segno.make("ST00012|Name=А|Sum=100", encoding="utf-8").mode == "byte"


def test_the_invoice_carries_the_payload_of_its_own_number_and_sum(
    ready, acceptance_deal, manager, monkeypatch
):
    import datetime

    from documents import services

    seen = {}
    real = services.render_pdf

    def keep(kind, context):
        seen.update(context)
        return real(kind, context)

    monkeypatch.setattr(services, "render_pdf", keep)
    services.document_generate(
        deal=acceptance_deal, kind="invoice", actor=manager, issued_on=datetime.date(2026, 12, 4)
    )
    assert seen["qr_payload"] == (
        "ST00012|Name=ООО «Фулфилмент Плюс»|PersonalAcc=40702810938000000001"
        "|BankName=ПАО Сбербанк|BIC=044525225|CorrespAcc=30101810400000000225"
        "|PayeeINN=7707083893|KPP=773601001"
        "|Purpose=Оплата по счету № 1 от 04.12.2026. В т.ч. НДС 20%: 260,42|Sum=156250"
    )
    assert seen["qr"].startswith("data:image/png;base64,")
