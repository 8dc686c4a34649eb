"""The audit trail: which fields of a deal, a company or a contact person changed, from what
to what, by whom and when.

The services that write those rows take a ``snapshot`` of the fields they are about to set,
save, and then ``record_changes`` in the same transaction: a field whose value is the same
as before records nothing, so a form sent unchanged leaves no trace.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal
from pathlib import PurePath
from typing import Any, NamedTuple

from django.contrib.auth import get_user_model
from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext

from deals.fields import MultipleChoiceField
from deals.models import Company, Contact, Deal, FieldChange
from fulfillment.roles import AnyUser, acting_person, person_name


class Recorded(NamedTuple):
    """A field's value as the trail keeps it: as data, and as people saw it."""

    value: Any
    text: str


def recorded(field: models.Field, value: Any) -> Recorded:
    """``value`` of ``field`` as the trail keeps it: a reference by id and name, a file by its
    name, a choice by its code and label, a date in ISO form; empty is ``None``."""
    if isinstance(value, models.Model):
        name = person_name(value) if isinstance(value, get_user_model()) else str(value)
        return Recorded(value.pk, name)
    if isinstance(field, models.FileField):
        name = getattr(value, "name", value) or ""
        return Recorded(name, PurePath(name).name) if name else Recorded(None, "")
    if isinstance(field, models.BooleanField):
        if value is None:
            return Recorded(None, "")
        return Recorded(bool(value), gettext("yes") if value else gettext("no"))
    if value is None or value == "" or value == []:
        return Recorded(None, "")
    if isinstance(field, MultipleChoiceField):
        labels = dict(field.item_choices)
        return Recorded(list(value), ", ".join(str(labels.get(item, item)) for item in value))
    if field.choices:
        return Recorded(value, str(dict(field.flatchoices).get(value, value)))
    if isinstance(field, models.DecimalField):  # 1500 and 1500.00 are the same amount
        value = Decimal(value).quantize(Decimal(1).scaleb(-field.decimal_places))
        return Recorded(str(value), formats.number_format(value, force_grouping=True))
    if isinstance(value, datetime.datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        return Recorded(value.isoformat(), formats.date_format(local, "d.m.Y H:i"))
    if isinstance(value, datetime.date):
        return Recorded(value.isoformat(), formats.date_format(value, "d.m.Y"))
    return Recorded(value, str(value))


def snapshot(instance: models.Model, names: Iterable[str]) -> dict[str, Recorded]:
    """The current values of ``names`` on ``instance``, taken before a service changes them."""
    fields = {name: instance._meta.get_field(name) for name in names}
    return {name: recorded(field, getattr(instance, name)) for name, field in fields.items()}


def stored_snapshot(
    instance: models.Model, names: Iterable[str], *, lock: bool = False
) -> dict[str, Recorded]:
    """The values of ``names`` as the database has them (nothing read when there are none):
    for a service handed an instance its caller may have changed or loaded long ago (a model
    form sets its instance's fields when it validates). ``lock``: lock the row as an UPDATE
    does, until the end of the transaction."""
    names = list(names)
    if not names:
        return {}
    rows = type(instance)._default_manager.filter(pk=instance.pk)
    if lock:
        rows = rows.select_for_update(no_key=True)
    return snapshot(rows.get(), names)


def record_changes(
    *,
    instance: Deal | Company | Contact,
    before: Mapping[str, Recorded],
    actor: AnyUser | None,
    deal: Deal | None = None,
    at: datetime.datetime | None = None,
) -> list[FieldChange]:
    """Write a ``FieldChange`` for each field of ``before`` whose saved value differs now.

    ``actor`` is who changed it (``None``: the automation); ``deal`` is the deal through
    whose card a company's details were changed. Call it after the save, in its transaction.
    """
    if not before:
        return []
    after = snapshot(instance, before)
    owner: dict[str, Any]
    if isinstance(instance, Deal):
        owner = {"subject": FieldChange.Subject.DEAL, "deal": instance}
    elif isinstance(instance, Company):
        owner = {"subject": FieldChange.Subject.COMPANY, "company": instance, "deal": deal}
    else:
        owner = {
            "subject": FieldChange.Subject.CONTACT,
            "contact": instance,
            "company_id": instance.company_id,
        }
    at = at or timezone.now()
    actor = acting_person(actor)
    changes = [
        FieldChange(
            **owner,
            field=name,
            old_value=old.value,
            new_value=after[name].value,
            old_text=old.text,
            new_text=after[name].text,
            actor=actor,
            created_at=at,
        )
        for name, old in before.items()
        if old.value != after[name].value
    ]
    return FieldChange.objects.bulk_create(changes)
