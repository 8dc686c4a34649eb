"""The client's mail in the admin: sent and received messages read-only; an unmatched reply
attached to a deal with «Привязать к сделке» (the deal's number in the action's field)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from correspondence import services
from correspondence.models import IncomingAttachment, IncomingEmail, MailboxState, OutgoingEmail
from fulfillment.exceptions import ApplicationError


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "deal", "to", "subject", "status", "attempts", "sent_at"]
    list_filter = ["status", "purpose"]
    search_fields = ["to", "subject", "message_id"]
    list_select_related = ["deal"]
    date_hierarchy = "created_at"


class AttachmentInline(admin.TabularInline):
    model = IncomingAttachment
    extra = 0
    fields = ["name", "file", "content_type", "size"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class DealNumberActionForm(ActionForm):
    deal = forms.IntegerField(label=_("Deal number"), required=False, min_value=1)


class UnmatchedFilter(admin.SimpleListFilter):
    title = _("deal")
    parameter_name = "matched"

    def lookups(self, request, model_admin):
        return [("no", _("unmatched")), ("yes", _("on a deal"))]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(deal__isnull=True)
        if self.value() == "yes":
            return queryset.filter(deal__isnull=False)
        return queryset


@admin.register(IncomingEmail)
class IncomingEmailAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "from_address", "subject", "deal", "matched_by"]
    list_filter = [UnmatchedFilter, "matched_by"]
    search_fields = ["from_address", "subject", "key"]
    list_select_related = ["deal"]
    inlines = [AttachmentInline]
    action_form = DealNumberActionForm
    actions = ["attach_to_deal"]

    @admin.action(description=_("Attach to the deal"))
    def attach_to_deal(self, request, queryset) -> None:
        number = request.POST.get("deal", "").strip()
        if not number.isdigit():
            self.message_user(request, gettext("Enter a deal number."), messages.ERROR)
            return
        attached = 0
        for email in queryset:
            try:
                services.incoming_attach(email=email, deal_number=int(number), actor=request.user)
            except ApplicationError as error:
                self.message_user(request, f"{email}: {error.message}", messages.ERROR)
            else:
                attached += 1
        if attached:
            self.message_user(
                request,
                gettext("E-mails attached to deal №%(number)s: %(count)s.")
                % {"number": number, "count": attached},
                messages.SUCCESS,
            )


@admin.register(MailboxState)
class MailboxStateAdmin(ReadOnlyAdmin):
    list_display = ["mailbox", "uidvalidity", "last_uid", "checked_at", "last_error"]
