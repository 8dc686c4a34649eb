"""Checks of Russian legal details: INN with its checksum, KPP, OGRN, BIK, bank account.

Digits are ASCII 0-9 only: ``\\d`` and ``str.isdigit`` also take fullwidth or Arabic-Indic
digits, which no tax office or bank reads.
"""

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

# Caps of free text, in characters: generous for people, not for a megabyte pasted by a script.
COMMENT_MAX_LENGTH = 5_000  # comments, remarks, failure and return comments
DESCRIPTION_MAX_LENGTH = 20_000  # goods descriptions, instructions, task descriptions
ADDRESS_MAX_LENGTH = 1_000


def text_cap(limit: int) -> dict[str, Any]:
    """Keyword arguments of a ``TextField`` capped at ``limit`` characters: ``max_length`` for
    the forms and serializers built from it, and the validator that enforces it in
    ``full_clean`` and the services (Django itself checks a TextField's ``max_length`` only in
    forms)."""
    return {"max_length": limit, "validators": [MaxLengthValidator(limit)]}


def check_text(model: type[models.Model], name: str, value: str) -> None:
    """Run the validators of a model's text column (its length cap) on ``value``, for the
    services that write rows without ``full_clean``. Raises ``ValidationError``."""
    model._meta.get_field(name).run_validators(value)


_INN10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def _matches(pattern: str, value: str | None) -> bool:
    """``value`` is wholly ``pattern``, with ``\\d`` meaning the ASCII digits only."""
    return re.fullmatch(pattern, value or "", flags=re.ASCII) is not None


def _check_digit(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10


def inn_is_valid(value: str) -> bool:
    """INN («ИНН»): 10 digits for an organisation, 12 for a person, with check digits."""
    if not _matches(r"\d{10}|\d{12}", value):
        return False
    if len(value) == 10:
        return _check_digit(value, _INN10_WEIGHTS) == int(value[9])
    return _check_digit(value, _INN12_WEIGHTS_11) == int(value[10]) and _check_digit(
        value, _INN12_WEIGHTS_12
    ) == int(value[11])


def validate_inn(value: str) -> None:
    if not _matches(r"\d{10}|\d{12}", value):
        raise ValidationError(
            _("INN must have 10 digits (organisation) or 12 digits (entrepreneur)."), code="inn"
        )
    if not inn_is_valid(value):
        raise ValidationError(_("INN checksum does not match: check the digits."), code="inn")


def validate_kpp(value: str) -> None:
    """KPP («КПП»): 4 digits (tax office), 2 digits or letters (reason), 3 digits."""
    if not _matches(r"\d{4}[\dA-Z]{2}\d{3}", value):
        raise ValidationError(
            _("KPP must have 9 characters: 4 digits, 2 digits or capital letters, 3 digits."),
            code="kpp",
        )


def validate_ogrn(value: str) -> None:
    """OGRN («ОГРН», 13 digits) or OGRNIP («ОГРНИП», 15 digits) with its check digit."""
    if not _matches(r"\d{13}|\d{15}", value):
        raise ValidationError(
            _("OGRN must have 13 digits (OGRNIP of an entrepreneur: 15 digits)."), code="ogrn"
        )
    body, check = value[:-1], int(value[-1])
    modulus = 11 if len(value) == 13 else 13
    if int(body) % modulus % 10 != check:
        raise ValidationError(_("OGRN check digit does not match: check the digits."), code="ogrn")


def validate_bik(value: str) -> None:
    """BIK («БИК») of a Russian bank: 9 digits starting with 04."""
    if not _matches(r"04\d{7}", value):
        raise ValidationError(_("BIK must have 9 digits and start with 04."), code="bik")


def validate_bank_account(value: str) -> None:
    """Settlement account («расчетный счет»): 20 digits."""
    if not _matches(r"\d{20}", value):
        raise ValidationError(_("Bank account must have 20 digits."), code="bank_account")


def bank_account_matches_bik(account: str, bik: str) -> bool:
    """The account's control key computed with the last three digits of the bank's BIK."""
    digits = bik[-3:] + account
    weights = (7, 1, 3) * 8
    return sum(int(d) * w % 10 for d, w in zip(digits, weights, strict=False)) % 10 == 0
