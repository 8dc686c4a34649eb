"""Document arithmetic: Decimal only, each line rounded to kopecks, then summed.

Rounding is ROUND_HALF_UP to kopecks per line (quantity × price), the total is the sum of the
rounded lines, and VAT is «в т.ч.» (prices include it): the taxed lines' sum × rate /
(100 + rate), rounded to kopecks once for the document. Lines not subject to VAT («Без НДС»
in the price list) are left out of that sum.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from num2words import num2words

KOPECK = Decimal("0.01")


def to_kopecks(value: Decimal) -> Decimal:
    return value.quantize(KOPECK, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Line:
    """One line of a document: a price-list service, its quantity and the price used."""

    code: str
    name: str
    unit: str
    quantity: Decimal
    price: Decimal
    vat_exempt: bool = False

    @property
    def amount(self) -> Decimal:
        return to_kopecks(self.quantity * self.price)

    def as_json(self) -> dict[str, Any]:
        """As a document keeps it (strings: JSON has no decimals)."""
        return {
            "code": self.code,
            "name": self.name,
            "unit": self.unit,
            "quantity": str(self.quantity),
            "price": str(self.price),
            "amount": str(self.amount),
            "vat_exempt": self.vat_exempt,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Line:
        return cls(
            code=data["code"],
            name=data["name"],
            unit=data["unit"],
            quantity=Decimal(data["quantity"]),
            price=Decimal(data["price"]),
            vat_exempt=bool(data.get("vat_exempt")),
        )


@dataclass(frozen=True)
class Totals:
    total: Decimal
    vat_rate: Decimal | None  # None: «Без НДС»
    vat_amount: Decimal | None


def document_totals(lines: Sequence[Line], vat_rate: Decimal | None) -> Totals:
    """The sum of the rounded lines and the VAT it includes at ``vat_rate`` (None: no VAT)."""
    total = sum((line.amount for line in lines), Decimal("0.00"))
    if vat_rate is None:
        return Totals(total, None, None)
    taxed = sum((line.amount for line in lines if not line.vat_exempt), Decimal("0.00"))
    return Totals(total, vat_rate, to_kopecks(taxed * vat_rate / (Decimal(100) + vat_rate)))


def plural_ru(number: int, forms: tuple[str, str, str]) -> str:
    """The Russian form for ``number``: («рубль», «рубля», «рублей»)."""
    if number % 10 == 1 and number % 100 != 11:
        return forms[0]
    if 2 <= number % 10 <= 4 and not 12 <= number % 100 <= 14:
        return forms[1]
    return forms[2]


def amount_in_words(amount: Decimal) -> str:
    """«Одна тысяча двести тридцать четыре рубля 56 копеек», as Russian invoices write it."""
    amount = to_kopecks(amount)
    rubles = int(amount)
    kopecks = int((amount - rubles) * 100)
    words = num2words(rubles, lang="ru")
    words = words[:1].upper() + words[1:]
    return (
        f"{words} {plural_ru(rubles, ('рубль', 'рубля', 'рублей'))} "
        f"{kopecks:02d} {plural_ru(kopecks, ('копейка', 'копейки', 'копеек'))}"
    )


def format_money(value: Decimal) -> str:
    """«1 234,56»: spaces between thousands, a comma before the kopecks."""
    text = f"{to_kopecks(value):,.2f}"
    return text.replace(",", "\u00a0").replace(".", ",")


def format_quantity(value: Decimal) -> str:
    normalized = value.normalize()
    text = f"{normalized:f}" if normalized == normalized.to_integral() else str(value)
    return text.replace(".", ",")


def sum_lines(lines: Iterable[Line]) -> Decimal:
    return sum((line.amount for line in lines), Decimal("0.00"))
