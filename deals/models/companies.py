"""Clients: companies with their legal details and contract status, contact persons, and the
admin-kept list of failure reasons."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from deals import validators
from deals.pipelines import pipeline_choices


class Company(models.Model):
    """A client: its legal details and whether the fulfillment contract is signed.

    The field lists below are the one place the company's details are grouped: the card, the
    form, the admin and the API read them.
    """

    # Staff edit these; the legal ones go into the contract.
    LEGAL_FIELDS = (
        "legal_name",
        "inn",
        "kpp",
        "ogrn",
        "legal_address",
        "bik",
        "bank_account",
        "signatory",
    )
    REACH_FIELDS = ("phone", "email")
    EDITABLE_FIELDS = ("name", *LEGAL_FIELDS, *REACH_FIELDS)
    # Set by the contract pipeline when a contract deal is won, never by hand.
    CONTRACT_FIELDS = ("has_contract", "contract_number", "contract_date")

    name = models.CharField(_("name"), max_length=255)
    legal_name = models.CharField(_("legal name"), max_length=255, blank=True)
    inn = models.CharField(
        _("INN"), max_length=12, blank=True, db_index=True, validators=[validators.validate_inn]
    )
    kpp = models.CharField(_("KPP"), max_length=9, blank=True, validators=[validators.validate_kpp])
    ogrn = models.CharField(
        _("OGRN"), max_length=15, blank=True, validators=[validators.validate_ogrn]
    )
    legal_address = models.TextField(
        _("legal address"), blank=True, **validators.text_cap(validators.ADDRESS_MAX_LENGTH)
    )
    bik = models.CharField(
        _("bank BIK"), max_length=9, blank=True, validators=[validators.validate_bik]
    )
    bank_account = models.CharField(
        _("bank account"), max_length=20, blank=True, validators=[validators.validate_bank_account]
    )
    signatory = models.CharField(_("signatory"), max_length=255, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    has_contract = models.BooleanField(_("contract signed"), default=False)
    contract_number = models.CharField(_("contract number"), max_length=100, blank=True)
    contract_date = models.DateField(_("contract date"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # The ID in the Bitrix24 portal the record was imported from: a re-import finds it by this.
    bitrix24_id = models.PositiveBigIntegerField(
        _("Bitrix24 ID"), null=True, blank=True, unique=True, editable=False
    )

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        ordering = ["name"]
        indexes = [models.Index(fields=["name", "id"], name="company_by_name")]

    def __str__(self) -> str:
        return self.name

    def details(self) -> list[tuple[str, str]]:
        """The legal details and how to reach the company, as (label, value) for the card."""
        return [
            (capfirst(self._meta.get_field(name).verbose_name), getattr(self, name))
            for name in (*self.LEGAL_FIELDS, *self.REACH_FIELDS)
        ]

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.kpp and len(self.inn or "") == 12:
            errors["kpp"] = _("An entrepreneur (12-digit INN) has no KPP.")
        if self.ogrn and self.inn and len(self.ogrn) == 15 and len(self.inn) == 10:
            errors["ogrn"] = _("An organisation (10-digit INN) has a 13-digit OGRN.")
        if (
            self.bank_account
            and self.bik
            and len(self.bank_account) == 20
            and len(self.bik) == 9
            and not validators.bank_account_matches_bik(self.bank_account, self.bik)
        ):
            errors["bank_account"] = _("The account's control key does not match the bank's BIK.")
        if self.has_contract and not (self.contract_number and self.contract_date):
            errors["contract_number"] = _("A signed contract needs its number and date.")
        if errors:
            raise ValidationError(errors)


class Contact(models.Model):
    """A client's contact person; reachable by phone or e-mail."""

    company = models.ForeignKey(
        Company, models.CASCADE, related_name="contacts", verbose_name=_("company")
    )
    name = models.CharField(_("full name"), max_length=255)
    position = models.CharField(_("position"), max_length=255, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    bitrix24_id = models.PositiveBigIntegerField(
        _("Bitrix24 ID"), null=True, blank=True, unique=True, editable=False
    )

    # What staff fill in and change on a contact (the page, the API and the service alike).
    EDITABLE_FIELDS = ("name", "position", "phone", "email")

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(phone="") | ~models.Q(email=""),
                name="contact_phone_or_email",
                violation_error_message=_("A contact needs a phone or an e-mail."),
            )
        ]

    def __str__(self) -> str:
        return self.name


class LossReason(models.Model):
    """A reason to choose when a deal fails («причина отказа»); the list is kept in the admin."""

    label = models.CharField(_("reason"), max_length=255)
    pipeline = models.CharField(
        _("pipeline"),
        max_length=20,
        choices=pipeline_choices(),
        blank=True,
        help_text=_("Empty: offered in every pipeline."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    sort = models.PositiveIntegerField(_("order"), default=100)

    class Meta:
        verbose_name = _("failure reason")
        verbose_name_plural = _("failure reasons")
        ordering = ["sort", "label"]

    def __str__(self) -> str:
        return self.label
