"""Who can be responsible for a deal, and the «Ответственный» selects that offer them.

The selects are on the board's and the list's filters and on every deal form, so their
options are kept in the cache: staff change seldom, and reading them cost a joined query on
every such page. Any change to a user, a group or a membership drops the cached list (the
receivers below), and it expires after ``CHOICES_TIMEOUT`` in any case (a bulk update sends no
signal). A submitted choice is always checked against the database, never against the cache.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _

from fulfillment.roles import Role, person_name

CHOICES_KEY = "deals:responsible-choices"
CHOICES_TIMEOUT = 300  # seconds
# The roles whose active members may be responsible for a deal (they see and move it).
RESPONSIBLE_ROLES = (Role.MANAGER, Role.DIRECTOR)
NOT_RESPONSIBLE = _(
    "%(name)s cannot be responsible for a deal: choose an active manager or the director."
)


def sales_staff() -> models.QuerySet:
    """Who can be responsible for a deal: active managers and directors. The one answer for
    the selects' choices and the services' check (``may_be_responsible``)."""
    return _sales_staff().all()


def may_be_responsible(user: Any) -> bool:
    """Whether ``user`` may be made responsible for a deal (checked in the database)."""
    return getattr(user, "pk", None) is not None and sales_staff().filter(pk=user.pk).exists()


@functools.cache
def _sales_staff() -> models.QuerySet:
    # Built once and only ever copied (never evaluated): every select of the responsible
    # carries this query to check the choice, and building its join cost more than the copy.
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=[str(r) for r in RESPONSIBLE_ROLES])
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def responsible_choices() -> list[tuple[int, str]]:
    """``(id, name)`` of ``sales_staff()`` in its order, from the cache when it holds them."""
    choices = cache.get(CHOICES_KEY)
    if choices is None:
        choices = [(user.pk, person_name(user)) for user in sales_staff()]
        cache.set(CHOICES_KEY, choices, CHOICES_TIMEOUT)
    return choices


def forget_responsible_choices(**kwargs: Any) -> None:
    cache.delete(CHOICES_KEY)


def connect_signals() -> None:
    """Drop the cached choices whenever who they list or how they are named may change."""
    user_model = get_user_model()
    for signal in (post_save, post_delete):
        for sender in (user_model, Group):
            signal.connect(forget_responsible_choices, sender=sender, dispatch_uid=CHOICES_KEY)
    m2m_changed.connect(
        forget_responsible_choices, sender=user_model.groups.through, dispatch_uid=CHOICES_KEY
    )


class ResponsibleChoiceIterator(ModelChoiceIterator):
    """The options of a responsible select: ``responsible_choices()``, not the field's query."""

    def __iter__(self) -> Iterator[tuple[Any, str]]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        yield from responsible_choices()

    def __len__(self) -> int:
        return len(responsible_choices()) + (self.field.empty_label is not None)

    def __bool__(self) -> bool:
        return self.field.empty_label is not None or bool(responsible_choices())


class ResponsibleSelect(forms.Select):
    """The select of a responsible: its options printed by one loop of one template. Django's
    select includes a template per option, and the board, the list and every deal form show
    this select."""

    template_name = "deals/widgets/responsible_select.html"

    def get_context(self, name: str, value: Any, attrs: dict | None) -> dict:
        context = forms.Widget.get_context(self, name, value, attrs)  # not the option groups
        chosen = set(context["widget"]["value"])
        context["widget"]["options"] = [
            (str(option), label, str(option) in chosen) for option, label in self.choices
        ]
        return context


class ResponsibleChoiceField(forms.ModelChoiceField):
    """A person among ``sales_staff()``: offered from the cache, checked in the database."""

    iterator = ResponsibleChoiceIterator
    widget = ResponsibleSelect
