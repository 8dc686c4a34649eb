"""The portal's forms. A new request's form is built from the pipeline spec: the fields its
first stage requires that a client can know (never the company, contact person or
responsible, which the portal sets), plus a few optional ones the client may add."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.utils.translation import gettext_lazy as _

from deals.forms import deal_form_field, field_key
from deals.models import PIPELINE_MODELS
from deals.pipelines import Pipeline, Requirement
from deals.validators import COMMENT_MAX_LENGTH
from portal.accounts import client_account_of
from portal.models import ClientAccount

# Requirements the portal fills itself: the client's company and contact person.
INTERNAL_PATHS = frozenset({"company", "contact", "responsible", "title"})
# Optional fields a client knows, shown after the required ones.
CLIENT_OPTIONAL = {
    "acceptance": ("goods_description", "comment"),
    "processing": ("comment",),
    "shipment": ("comment",),
}

NOT_A_CLIENT = _(
    "This is the sign-in for clients. Employees sign in on the CRM's own sign-in page."
)


def client_requirements(pipeline: Pipeline) -> list[Requirement]:
    """The first stage's requirements a client answers (all but the internal ones)."""
    return [
        r
        for r in pipeline.first_stage.requires
        if not any(path.split(".")[0] in INTERNAL_PATHS for path in r.paths)
    ]


def client_form_paths(pipeline: Pipeline) -> list[str]:
    paths = [path for r in client_requirements(pipeline) for path in r.paths]
    return paths + [p for p in CLIENT_OPTIONAL.get(pipeline.code, ()) if p not in paths]


class ClientRequestForm(forms.Form):
    """A new acceptance, processing or shipment request as the client fills it in."""

    def __init__(self, *args: Any, pipeline: Pipeline, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pipeline = pipeline
        self.requirements = client_requirements(pipeline)
        # A field is required on the form when its requirement has one path and always
        # applies; «text or file» and conditional ones are checked in ``clean``.
        plain = {r.paths[0] for r in self.requirements if len(r.paths) == 1 and r.applies is None}
        for path in client_form_paths(pipeline):
            field = deal_form_field(path)
            field.required = path in plain
            if path == "comment":
                field.label = _("Comment for the manager")
                field.max_length = COMMENT_MAX_LENGTH
            self.fields[field_key(path)] = field

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.errors:
            return cleaned
        deal = PIPELINE_MODELS[self.pipeline.code](pipeline=self.pipeline.code)
        for key, value in cleaned.items():
            if value not in (None, "", []):
                setattr(deal, key, value)
        for requirement in self.requirements:
            if not requirement.is_met(deal):
                self.add_error(field_key(requirement.paths[0]), _("This field is required."))
        return cleaned

    def data_for_service(self) -> dict[str, Any]:
        """The filled fields by their spec codes (what ``deal_create`` takes)."""
        return {
            key: value
            for key, value in self.cleaned_data.items()
            if value not in (None, "", [], False)
        }


class ClientLoginForm(AuthenticationForm):
    """Django's sign-in (so django-axes counts every failure as on the staff page), open only
    to users with an enabled client account."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "not_client": NOT_A_CLIENT,
    }

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        if client_account_of(user) is None:
            raise forms.ValidationError(self.error_messages["not_client"], code="not_client")


class ClientPasswordResetForm(PasswordResetForm):
    """«Forgot your password»: only a client's address gets the portal's link, never an
    employee's (they reset theirs on the staff page)."""

    def get_users(self, email: str):
        accounts = ClientAccount.objects.filter(
            user__email__iexact=email, user__is_active=True, disabled_at__isnull=True
        ).select_related("user")
        # An invited client who lost the first link gets one here too (no usable password yet).
        return (a.user for a in accounts)


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"), max_length=254)


class ShipmentListForm(forms.Form):
    file = forms.FileField(label=_("Shipment list (XLSX or CSV)"))
