"""How the pages show deal values."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from deals.templatetags.deal_tags import money


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("185000"), "185\u00a0000\u00a0₽"),
        (Decimal("185000.00"), "185\u00a0000\u00a0₽"),
        (Decimal("2500.5"), "2\u00a0500,50\u00a0₽"),
        (Decimal("1234567.89"), "1\u00a0234\u00a0567,89\u00a0₽"),
        (Decimal("1.005"), "1,01\u00a0₽"),  # rounded half up, not cut
        (Decimal("-300.00"), "-300\u00a0₽"),
        (Decimal("0"), "0\u00a0₽"),
        (None, "—"),
    ],
)
def test_money_is_grouped_in_roubles_with_kopecks_only_when_there_are_any(value, shown):
    with translation.override("ru"):
        assert money(value) == shown


def test_money_follows_the_language():
    with translation.override("en"):
        assert money(Decimal("2500.5")) == "2,500.50\u00a0₽"
