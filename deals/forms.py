"""Forms of the staff pages. Deal fields are never listed here: each form field is built from
the model column behind a spec code (``model_field(path).formfield()``), so labels, types,
choices and validators come from the one declaration on the model."""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import django_filters
from django import forms
from django.db import connection, models
from django.db.models import Q
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from deals.exceptions import DealFieldError, MissingFieldsError
from deals.filtering import ColumnDecimalRangeFilter
from deals.models import Company, Contact, Deal, LossReason
from deals.pipelines import Pipeline, Requirement
from deals.pipelines.fields import creatable_stages, field_label, filled_by_staff, model_field
from deals.staff import ResponsibleChoiceField, sales_staff
from deals.validators import COMMENT_MAX_LENGTH
from fulfillment.exceptions import ApplicationError
from fulfillment.roles import sees_all_deals


def field_key(path: str) -> str:
    """The form field name of a spec path (``company.inn`` → ``company__inn``)."""
    return path.replace(".", "__")


def field_path(key: str) -> str:
    return key.replace("__", ".")


def is_editable(path: str) -> bool:
    """Whether staff fill this path in by hand (automation-only fields are shown, not edited)."""
    return filled_by_staff(path)


def _contact_label(contact: Contact) -> str:
    return f"{contact.name} ({contact.company.name})"


class FileInput(forms.ClearableFileInput):
    """The file a deal has, by its own name (not the folder it is stored under), as a link."""

    template_name = "deals/widgets/file_input.html"


class MoneyField(forms.DecimalField):
    """An amount as people write it: «250 000,50» shown and taken, spaces and a comma too."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Decimal):
            return formats.number_format(value, decimal_pos=2, force_grouping=True)
        return value

    def to_python(self, value: Any) -> Decimal | None:
        if isinstance(value, str):
            value = re.sub(r"[\s\u00a0\u202f]", "", value).replace(",", ".")
        return super().to_python(value)


def deal_form_field(path: str, *, deal: Deal | None = None) -> forms.Field:
    """The form field of a deal (or ``company.*``) path, from its model column."""
    column = model_field(path)
    if path == "responsible":
        formfield = column.formfield(form_class=ResponsibleChoiceField, queryset=sales_staff())
    elif isinstance(column, models.DecimalField):
        formfield = column.formfield(form_class=MoneyField)
    elif isinstance(column, models.FileField):
        formfield = column.formfield(widget=FileInput)
    else:
        formfield = column.formfield()
    formfield.label = field_label(path)
    # The column's own validators (minimums, INN checksum) answer on the form already.
    formfield.validators += [v for v in column.validators if v not in formfield.validators]
    if isinstance(column, models.DateField) and not isinstance(column, models.DateTimeField):
        formfield.widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    elif isinstance(column, models.TextField):
        formfield.widget = forms.Textarea(attrs={"rows": 3})
    if path == "contact":
        contacts = Contact.objects.select_related("company").order_by("company__name", "name")
        if deal is not None and deal.company_id:
            contacts = contacts.filter(company_id=deal.company_id)
        formfield.queryset = contacts
        formfield.label_from_instance = _contact_label
    elif path == "company":
        formfield.queryset = Company.objects.order_by("name")
    return formfield


def _is_empty(value: Any) -> bool:
    return value in (None, "", [], (), False)


class DealFieldsForm(forms.Form):
    """Deal fields given by their spec paths; ``data_for_service()`` is what the services take."""

    def __init__(self, *args, paths: Iterable[str], deal: Deal | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.deal = deal
        self.paths = [p for p in paths if is_editable(p)]
        for path in self.paths:
            self.fields[field_key(path)] = deal_form_field(path, deal=deal)

    def filled_data(self) -> dict[str, Any]:
        """Every path given a value (a new deal, the fields a move still lacks)."""
        return {
            field_path(key): value
            for key, value in self.cleaned_data.items()
            if key in self.fields and field_path(key) in self.paths and not _is_empty(value)
        }

    def changed_path_data(self) -> dict[str, Any]:
        """Paths whose value changed (editing a deal: a stale field is never written back)."""
        data = {}
        for key in self.changed_data:
            path = field_path(key)
            if path not in self.paths:
                continue
            value = self.cleaned_data.get(key)
            if isinstance(self.fields[key], forms.FileField) and not value:
                continue  # no new upload: keep the file
            data[path] = value
        return data

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        for path, messages in errors.items():
            key = field_key(path)
            for message in messages:
                self.add_error(key if key in self.fields else None, message)

    def mark_missing(self, codes: Iterable[str]) -> None:
        """Highlight the fields of refused requirements (their ids go to the template)."""
        self.missing_keys = {field_key(c) for c in codes}

    def add_refusal(self, error: ApplicationError) -> None:
        """Show a service's refusal: the missing fields highlighted, each field's errors on
        the field, and the message above the form."""
        if isinstance(error, MissingFieldsError):
            self.mark_missing(error.codes)
        elif isinstance(error, DealFieldError):
            self.add_service_errors(error.errors)
        self.add_error(None, error.message)


class MissingFieldsForm(DealFieldsForm):
    """The fields a move still lacks, and nothing else (the required-field dialog).

    A requirement met by any one of several paths («instructions: text or file») keeps its
    fields optional; the move's own check names it again if all stay empty.
    """

    def __init__(self, *args, requirements: Iterable[Requirement], deal: Deal, **kwargs) -> None:
        requirements = list(requirements)
        paths = [p for r in requirements for p in r.paths]
        super().__init__(*args, paths=paths, deal=deal, **kwargs)
        self.automation_only = [r for r in requirements if not any(is_editable(p) for p in r.paths)]
        for requirement in requirements:
            single = len(requirement.paths) == 1
            for path in requirement.paths:
                key = field_key(path)
                if key in self.fields:
                    self.fields[key].required = single
        self.missing_keys = set(self.fields)

    @property
    def edits_company(self) -> bool:
        return any(p.startswith("company.") for p in self.paths)


CONTACTS_TARGET = "id_contact"  # the id Django gives the contact select of «Создать»


class DealCreateForm(DealFieldsForm):
    """«Создать»: the stage to create the deal in (only those a deal can be created in) and the
    pipeline's fields, grouped as the spec groups them."""

    stage = forms.ChoiceField(label=_("Stage"))

    def __init__(self, *args, pipeline: Pipeline, user, **kwargs) -> None:
        paths = [code for code in pipeline.field_codes if is_editable(code)]
        super().__init__(*args, paths=paths, **kwargs)
        self.pipeline = pipeline
        self.fields["stage"].choices = [
            (code, pipeline.stage(code).label) for code in creatable_stages(pipeline.code)
        ]
        self.fields["stage"].initial = pipeline.first_stage.code
        self.fields["responsible"].initial = user.pk
        self.missing_keys: set[str] = set()
        if "company" in self.fields and "contact" in self.fields:
            self._offer_contacts_of_the_company()

    def chosen_company_id(self) -> int | None:
        """The company picked in the form (posted, or given to start with)."""
        value = str(self["company"].value() or "")
        return int(value) if value.isascii() and value.isdigit() else None

    def _offer_contacts_of_the_company(self) -> None:
        """With a company chosen, the contact select lists only its people, and a person of
        another company is refused — the check that holds without JavaScript too. Changing
        the company asks the page for the select of its people (``CONTACTS_TARGET``)."""
        self.fields["company"].widget.attrs.update(
            {
                "hx-get": reverse("deals:new", args=[self.pipeline.code]),
                "hx-target": f"#{CONTACTS_TARGET}",
                "hx-swap": "outerHTML",
                "hx-include": "[name=contact]",
            }
        )
        company = self.chosen_company_id()
        if company is None:
            return
        contact = self.fields["contact"]
        contact.queryset = contact.queryset.filter(company_id=company)
        contact.error_messages["invalid_choice"] = _(
            "The contact person is not from the chosen company."
        )

    def groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [
            (group.label, [self[field_key(code)] for code in group.fields if code in self.paths])
            for group in self.pipeline.groups
        ]

    def required_at(self) -> dict[str, str]:
        """For each field, the stages a new deal cannot be created in without it (the
        requirements of every stage before them, as ``missing_to_stand_in`` checks)."""
        stages: dict[str, list[str]] = {}
        for stage in creatable_stages(self.pipeline.code):
            for passed in self.pipeline.stages_before(stage):
                for requirement in passed.requires:
                    for path in requirement.paths:
                        stages.setdefault(field_key(path), []).append(stage)
        return {key: " ".join(codes) for key, codes in stages.items()}

    def chosen_stage(self) -> str:
        value = self["stage"].value()
        return value if value in self.pipeline.stages_by_code else self.pipeline.first_stage.code

    def filled_data(self) -> dict[str, Any]:
        data = super().filled_data()
        for name in ("title", "responsible", "stage"):
            data.pop(name, None)
        return data


class DealEditForm(DealFieldsForm):
    """One group of the deal card, edited in place."""

    def __init__(self, *args, deal: Deal, paths: Iterable[str], **kwargs) -> None:
        initial = {field_key(p): _initial(deal, p) for p in paths if is_editable(p)}
        super().__init__(*args, paths=paths, deal=deal, initial=initial, **kwargs)
        self.missing_keys: set[str] = set()


def _initial(deal: Deal, path: str) -> Any:
    value = getattr(deal, path)
    if isinstance(value, models.Model):
        return value.pk
    return value


class FailureForm(forms.Form):
    """The reason dialog: a reason from the admin-kept list offered in this pipeline and a
    comment, both required."""

    reason = forms.ModelChoiceField(label=_("Failure reason"), queryset=LossReason.objects.none())
    comment = forms.CharField(
        label=_("Comment"),
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, pipeline: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].queryset = LossReason.objects.filter(
            is_active=True, pipeline__in=["", pipeline]
        )


class CommentRequiredForm(forms.Form):
    """A return or a reopening says what has to change."""

    comment = forms.CharField(
        label=_("Comment"),
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DealCommentForm(forms.Form):
    text = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(
            attrs={"rows": 2, "placeholder": _("Write a comment; @login notifies")}
        ),
    )
    file = forms.FileField(label=_("File"), required=False)


class ApprovalReturnForm(forms.Form):
    remarks = forms.CharField(
        label=_("Remarks"),
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What has to change in the proposal."),
    )


class CompanyForm(forms.ModelForm):
    class Meta:
        model = Company
        fields = Company.EDITABLE_FIELDS
        widgets = {"legal_address": forms.Textarea(attrs={"rows": 2})}


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = Contact.EDITABLE_FIELDS


class CompanySearchForm(forms.Form):
    """The companies page's search by name or INN (text the database can compare: a NUL
    character is refused by the field)."""

    q = forms.CharField(label=_("Name or INN"), required=False, max_length=200)


class GlobalSearchForm(forms.Form):
    """The header's search: a deal number, a title, a company, an INN, a phone, an e-mail."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)


def spelled_like(column: str, value: str) -> Q:
    """Case-insensitive «contains». SQLite (the embedded default) folds the case of ASCII
    letters only, so there the usual spellings of a Russian word are tried as well;
    PostgreSQL folds Cyrillic itself, and one condition scans half as long as four."""
    value = value.strip()
    if connection.vendor != "sqlite":
        return Q(**{f"{column}__icontains": value})
    matches = Q()
    for spelling in {value, value.lower(), value.upper(), value.capitalize()}:
        matches |= Q(**{f"{column}__icontains": spelling})
    return matches


class ResponsibleFilter(django_filters.ModelChoiceFilter):
    field_class = ResponsibleChoiceField


class BoardFilter(django_filters.FilterSet):
    """Filters of a pipeline's board: a search in the title, and the responsible for those
    who see every deal (a manager sees only their own, so any other would give nothing)."""

    q = django_filters.CharFilter(method="search_title", label=_("Search"))
    responsible = ResponsibleFilter(queryset=lambda request: sales_staff(), label=_("Responsible"))

    class Meta:
        model = Deal
        fields: list[str] = []

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.request is None or not sees_all_deals(self.request.user):
            del self.filters["responsible"]

    def search_title(self, queryset, name: str, value: str):
        return queryset.filter(spelled_like("title", value))


CLIENT_IDS_LIMIT = 200


class DealFilter(BoardFilter):
    """Filters of the list view: the board's, and client, stage, dates, amount and sorting."""

    # A client is found by typing its name or INN: a <select> of every company would grow
    # with them (with a thousand it was most of the page's time). A link to one company's
    # deals still passes its id, kept as a hidden field.
    client = django_filters.CharFilter(
        method="search_client",
        label=_("Client"),
        widget=forms.TextInput(attrs={"placeholder": _("name or INN"), "type": "search"}),
    )
    company = django_filters.ModelChoiceFilter(
        queryset=Company.objects.all(), widget=forms.HiddenInput, label=_("Company")
    )
    stage = django_filters.ChoiceFilter(label=_("Stage"))
    created = django_filters.DateFromToRangeFilter(
        field_name="created_at",
        label=_("Created"),
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )
    amount = ColumnDecimalRangeFilter(column=Deal._meta.get_field("amount"), label=_("Amount, RUB"))
    ordering = django_filters.OrderingFilter(
        fields=(
            ("title", "title"),
            ("amount", "amount"),
            ("created_at", "created"),
            ("stage_entered_at", "in_stage"),
            ("responsible__last_name", "responsible"),
            ("company__name", "company"),
        ),
        label=_("Sort"),
    )

    def __init__(self, *args, pipeline: Pipeline, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.filters["stage"].extra["choices"] = [(s.code, s.label) for s in pipeline.stages]

    def search_client(self, queryset, name: str, value: str):
        """Deals of the companies whose name contains ``value`` or whose INN starts with it.

        The companies are found first (a scan of companies, not of deals joined to them); a
        short list of ids then reads the deals off the company index. Joined in one query,
        the search walked every visible deal of the pipeline (146 ms at 100,000 deals)."""
        value = value.strip()
        companies = Company.objects.filter(
            spelled_like("name", value) | Q(inn__startswith=value)
        ).values_list("pk", flat=True)
        ids = list(companies[: CLIENT_IDS_LIMIT + 1])
        if len(ids) > CLIENT_IDS_LIMIT:  # not selective: the deals' own order walks best
            return queryset.filter(company__in=companies)
        return queryset.filter(company__in=ids)
