"""The stage deadlines' rules and the production calendar, kept by administrators; the digests
sent, read-only."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from deadlines.models import CalendarDay, OverdueDigest, StageDeadline
from deals.pipelines import PIPELINES


def stage_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Every open stage, grouped by pipeline (the rule's pipeline must match: ``clean``)."""
    return [("", "---------")] + [
        (str(p.label), [(s.code, str(s.label)) for s in p.open_stages]) for p in PIPELINES.values()
    ]


class StageDeadlineForm(forms.ModelForm):
    stage = forms.ChoiceField(choices=stage_choices)

    class Meta:
        model = StageDeadline
        fields = ["pipeline", "stage", "amount", "unit", "base"]


@admin.register(StageDeadline)
class StageDeadlineAdmin(admin.ModelAdmin):
    form = StageDeadlineForm
    list_display = ["pipeline", "stage_name", "amount", "unit", "base", "updated_at"]
    list_filter = ["pipeline", "unit", "base"]

    @admin.display(description=_("stage"), ordering="stage")
    def stage_name(self, rule: StageDeadline) -> str:
        return rule.stage_label


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["day", "working", "note"]
    list_filter = ["working"]
    date_hierarchy = "day"
    search_fields = ["note"]


@admin.register(OverdueDigest)
class OverdueDigestAdmin(admin.ModelAdmin):
    list_display = ["day", "recipient", "deals", "created_at"]
    date_hierarchy = "day"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
