"""Legal details: INN checksum, KPP, OGRN, BIK and bank account are checked with clear messages."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from deals import services, validators
from deals.models import Company

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("inn", ["7707083893", "7736207543", "500100732259"])
def test_valid_inn_passes(inn):
    validators.validate_inn(inn)


@pytest.mark.parametrize(
    ("inn", "message"),
    [
        ("7707083894", "Контрольная сумма ИНН не сходится: проверьте цифры."),
        ("500100732258", "Контрольная сумма ИНН не сходится: проверьте цифры."),
        ("77070838", "ИНН состоит из 10 цифр (организация) или 12 цифр (ИП)."),
        ("77070838AB", "ИНН состоит из 10 цифр (организация) или 12 цифр (ИП)."),
    ],
)
def test_bad_inn_is_rejected_with_a_russian_message(inn, message):
    with translation.override("ru"), pytest.raises(ValidationError) as err:
        validators.validate_inn(inn)
    assert err.value.messages == [message]


@given(st.from_regex(r"[0-9]{9}", fullmatch=True))
def test_exactly_one_check_digit_makes_a_ten_digit_inn_valid(body):
    valid = [d for d in "0123456789" if validators.inn_is_valid(body + d)]
    assert len(valid) == 1


@pytest.mark.parametrize(
    ("validator", "value"),
    [
        (validators.validate_kpp, "77360100"),
        (validators.validate_kpp, "7736010011"),
        (validators.validate_kpp, "7736ab001"),
        (validators.validate_ogrn, "1027700132194"),
        (validators.validate_ogrn, "10277001321"),
        (validators.validate_ogrn, "304500116000158"),
        (validators.validate_bik, "144525225"),
        (validators.validate_bik, "04452522"),
        (validators.validate_bank_account, "4070281093800000000"),
    ],
)
def test_bad_details_are_rejected(validator, value):
    with pytest.raises(ValidationError):
        validator(value)


@pytest.mark.parametrize(
    ("validator", "value"),
    [
        (validators.validate_kpp, "773601001"),
        (validators.validate_kpp, "7736AB001"),
        (validators.validate_ogrn, "1027700132195"),
        (validators.validate_ogrn, "304500116000157"),
        (validators.validate_bik, "044525225"),
        (validators.validate_bank_account, "40702810938000000001"),
    ],
)
def test_good_details_pass(validator, value):
    validator(value)


def test_company_create_reports_every_bad_field_at_once():
    with translation.override("ru"), pytest.raises(ValidationError) as err:
        services.company_create(name="ООО Тест", inn="7707083894", kpp="1", bik="123")
    assert set(err.value.message_dict) == {"inn", "kpp", "bik"}
    assert not Company.objects.exists()


def test_account_must_match_the_bank_bik():
    with translation.override("ru"), pytest.raises(ValidationError) as err:
        services.company_create(
            name="ООО Тест", inn="7707083893", bik="044525225", bank_account="40702810938000000002"
        )
    assert err.value.message_dict == {
        "bank_account": ["Контрольный ключ счета не сходится с БИК банка."]
    }


def test_an_entrepreneur_has_no_kpp():
    with pytest.raises(ValidationError) as err:
        services.company_create(name="ИП", inn="500100732259", kpp="773601001")
    assert set(err.value.message_dict) == {"kpp"}


def test_contact_needs_a_phone_or_an_email():
    company = services.company_create(name="ООО Тест")
    with translation.override("ru"), pytest.raises(ValidationError) as err:
        services.contact_create(company=company, name="Иван")
    assert "Укажите телефон или e-mail контакта." in err.value.messages
    assert services.contact_create(company=company, name="Иван", email="i@example.com").pk


def _foreign_digits(value: str, zero: str) -> str:
    """``value`` with its ASCII digits written in another script (``zero`` is its 0)."""
    return "".join(chr(ord(zero) + int(c)) if c.isdigit() else c for c in value)


FULLWIDTH, ARABIC_INDIC = "\uff10", "\u0660"


@pytest.mark.parametrize("zero", [FULLWIDTH, ARABIC_INDIC])
@pytest.mark.parametrize(
    ("validator", "value"),
    [
        (validators.validate_inn, "7707083893"),
        (validators.validate_inn, "500100732259"),
        (validators.validate_kpp, "773601001"),
        (validators.validate_ogrn, "1027700132195"),
        (validators.validate_ogrn, "304500116000157"),
        (validators.validate_bik, "044525225"),
        (validators.validate_bank_account, "40702810938000000001"),
    ],
)
def test_only_ascii_digits_are_digits(validator, value, zero):
    validator(value)  # valid in ASCII digits
    with pytest.raises(ValidationError):
        validator(_foreign_digits(value, zero))


@pytest.mark.parametrize("zero", [FULLWIDTH, ARABIC_INDIC])
def test_the_service_refuses_details_in_foreign_digits(zero):
    with translation.override("ru"), pytest.raises(ValidationError) as err:
        services.company_create(
            name="ООО Тест",
            inn=_foreign_digits("7707083893", zero),
            kpp=_foreign_digits("773601001", zero),
            ogrn=_foreign_digits("1027700132195", zero),
        )
    assert err.value.message_dict == {
        "inn": ["ИНН состоит из 10 цифр (организация) или 12 цифр (ИП)."],
        "kpp": [
            "КПП состоит из 9 знаков: 4 цифры, 2 цифры или заглавные латинские буквы, 3 цифры."
        ],
        "ogrn": ["ОГРН состоит из 13 цифр (ОГРНИП индивидуального предпринимателя — из 15)."],
    }
    assert not Company.objects.exists()
