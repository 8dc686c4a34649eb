"""The message form of «Отправить клиенту» and the deal number of «Привязать к сделке»."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from correspondence.services import BODY_MAX_LENGTH, SUBJECT_MAX_LENGTH
from deals.models import Contact


class RecipientChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, contact: Contact) -> str:
        return f"{contact.name} <{contact.email}>"


class ComposeForm(forms.Form):
    """The template's subject and text, editable before sending, to one of the client's
    contact persons with an e-mail."""

    contact = RecipientChoiceField(
        queryset=Contact.objects.none(), label=_("Recipient"), empty_label=None
    )
    subject = forms.CharField(label=_("Subject"), max_length=SUBJECT_MAX_LENGTH)
    body = forms.CharField(
        label=_("Message text"),
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 14}),
        strip=True,
    )

    def __init__(self, *args, recipients: list[Contact], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = Contact.objects.filter(pk__in=[c.pk for c in recipients])


class AttachForm(forms.Form):
    deal = forms.IntegerField(label=_("Deal number"), min_value=1, max_value=2**63 - 1)
