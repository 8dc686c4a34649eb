"""The price list, clients' agreed prices, our requisites, document templates, and the
generated documents (read-only) in the admin."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from documents.models import (
    AgreedPrice,
    Document,
    DocumentTemplate,
    OurCompany,
    Price,
    Service,
)
from documents.rendering import default_html


class PriceInline(admin.TabularInline):
    model = Price
    extra = 1
    fields = ("valid_from", "price", "vat_mode")


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "unit", "sort", "active")
    list_editable = ("sort", "active")
    search_fields = ("name", "code")
    inlines = [PriceInline]


@admin.register(AgreedPrice)
class AgreedPriceAdmin(admin.ModelAdmin):
    list_display = ("company", "service", "price", "vat_mode", "valid_from", "source_deal")
    list_filter = ("service",)
    search_fields = ("company__name", "company__inn", "service__name")
    autocomplete_fields = ("company",)
    raw_id_fields = ("source_deal",)
    date_hierarchy = "valid_from"


@admin.register(OurCompany)
class OurCompanyAdmin(admin.ModelAdmin):
    list_display = ("name", "inn", "tax_mode", "vat_rate")

    def has_add_permission(self, request: HttpRequest) -> bool:
        # One row: once it exists it is edited, never added again.
        return super().has_add_permission(request) and not OurCompany.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(DocumentTemplate)
class DocumentTemplateAdmin(admin.ModelAdmin):
    list_display = ("kind", "updated_at")
    readonly_fields = ("default",)
    fields = ("kind", "html", "default")

    @admin.display(description=_("shipped default (delete this template to use it again)"))
    def default(self, obj: DocumentTemplate) -> str:
        return default_html(obj.kind) if obj and obj.kind else ""

    def get_changeform_initial_data(self, request: HttpRequest) -> dict:
        initial = super().get_changeform_initial_data(request)
        kind = initial.get("kind")
        if kind in Document.Kind.values:
            initial.setdefault("html", default_html(kind))
        return initial


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ("__str__", "deal", "issued_on", "amount", "created_by", "created_at")
    list_filter = ("kind", "year")
    search_fields = ("number", "deal__title")
    raw_id_fields = ("deal",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # made from the deal's card or the API only

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
