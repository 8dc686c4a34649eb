"""Deal field types that Django lacks: a list of choices stored as JSON (works on SQLite and
PostgreSQL alike)."""

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class MultipleChoiceField(models.JSONField):
    """A list of codes from ``item_choices`` («услуги», «маркетплейсы»)."""

    def __init__(self, *args, item_choices=(), **kwargs) -> None:
        self.item_choices = list(item_choices)
        kwargs.setdefault("default", list)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["item_choices"] = self.item_choices
        return name, path, args, kwargs

    @property
    def item_codes(self) -> list[str]:
        return [code for code, _label in self.item_choices]

    def validate(self, value, model_instance) -> None:
        super().validate(value, model_instance)
        if not isinstance(value, list):
            raise ValidationError(_("Choose from the list."), code="invalid_choice")
        unknown = [v for v in value if v not in self.item_codes]
        if unknown:
            raise ValidationError(
                _("Unknown values: %(values)s."),
                code="invalid_choice",
                params={"values": ", ".join(map(str, unknown))},
            )

    def display(self, value: list[str]) -> str:
        labels = dict(self.item_choices)
        return ", ".join(str(labels.get(v, v)) for v in value or [])

    def formfield(self, **kwargs):
        return forms.MultipleChoiceField(
            choices=self.item_choices,
            required=not self.blank,
            label=self.verbose_name,
            widget=forms.CheckboxSelectMultiple,
            help_text=self.help_text,
        )
