"""Document arithmetic with figures worked out by hand."""

from decimal import Decimal

import pytest

from documents.money import Line, amount_in_words, document_totals, format_money, to_kopecks

D = Decimal

# 100 × 12,50 = 1 250,00; 100 × 3,125 = 312,50; 7 × 3,125 = 21,875 → 21,88 (half up);
# 3 × 0,335 = 1,005 → 1,01. Sum of the rounded lines: 1 585,39.
LINES = [
    Line("a", "A", "шт", D(100), D("12.50")),
    Line("b", "B", "шт", D(100), D("3.125")),
    Line("c", "C", "шт", D(7), D("3.125")),
    Line("d", "D", "шт", D(3), D("0.335")),
]


def test_lines_round_half_up_to_kopecks_then_sum():
    assert [line.amount for line in LINES] == [D("1250.00"), D("312.50"), D("21.88"), D("1.01")]
    assert document_totals(LINES, None).total == D("1585.39")


@pytest.mark.parametrize(
    ("rate", "vat"),
    [
        # 1 585,39 × 20 / 120 = 264,2316… → 264,23
        (D(20), D("264.23")),
        # 1 585,39 × 5 / 105 = 75,4947… → 75,49
        (D(5), D("75.49")),
        # 1 585,39 × 7 / 107 = 103,7171… → 103,72
        (D(7), D("103.72")),
    ],
)
def test_vat_included_at_the_rate(rate, vat):
    totals = document_totals(LINES, rate)
    assert totals.total == D("1585.39")
    assert totals.vat_rate == rate
    assert totals.vat_amount == vat


def test_without_vat_there_is_no_vat_amount():
    totals = document_totals(LINES, None)
    assert totals.vat_rate is None and totals.vat_amount is None


def test_lines_not_subject_to_vat_stay_out_of_its_base():
    # 2 × 45,00 = 90,00 without VAT: total 1 675,39, VAT still 264,23 of the taxed 1 585,39.
    lines = [*LINES, Line("e", "E", "пал.-сут.", D(2), D("45.00"), vat_exempt=True)]
    totals = document_totals(lines, D(20))
    assert totals.total == D("1675.39")
    assert totals.vat_amount == D("264.23")


def test_half_a_kopeck_rounds_up():
    assert to_kopecks(D("0.005")) == D("0.01")
    assert to_kopecks(D("2.344999")) == D("2.34")


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        (D("1585.39"), "Одна тысяча пятьсот восемьдесят пять рублей 39 копеек"),
        (D("21.01"), "Двадцать один рубль 01 копейка"),
        (D("2.02"), "Два рубля 02 копейки"),
        (D("111.12"), "Сто одиннадцать рублей 12 копеек"),
        (D("1000000.00"), "Один миллион рублей 00 копеек"),
    ],
)
def test_amount_in_words(amount, words):
    assert amount_in_words(amount) == words


def test_money_is_written_the_russian_way():
    assert format_money(D("1234567.5")) == "1\u00a0234\u00a0567,50"
