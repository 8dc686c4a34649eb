"""Client accounts in the admin: read, invite again, disable — through the portal's services
(the invite e-mail goes on commit as from the deal card). New accounts are made by inviting a
contact person from a deal card."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from fulfillment.exceptions import ApplicationError
from portal.accounts import client_access_disable, client_invite
from portal.models import ClientAccount, ClientAction


@admin.register(ClientAccount)
class ClientAccountAdmin(admin.ModelAdmin):
    list_display = ("contact", "company", "email", "invited_at", "activated_at", "disabled_at")
    list_select_related = ("contact__company", "user")
    search_fields = ("contact__name", "contact__company__name", "user__email")
    readonly_fields = (
        "user",
        "contact",
        "invited_by",
        "invited_at",
        "activated_at",
        "disabled_at",
    )
    actions = ("invite_again", "disable")

    @admin.display(description=_("company"))
    def company(self, account: ClientAccount) -> str:
        return account.contact.company.name

    @admin.display(description=_("E-mail"))
    def email(self, account: ClientAccount) -> str:
        return account.user.email

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=_("Invite again"))
    def invite_again(self, request, queryset) -> None:
        for account in queryset.select_related("contact", "user"):
            try:
                client_invite(contact=account.contact, email=account.user.email, actor=request.user)
            except ApplicationError as error:
                self.message_user(request, error.message, messages.ERROR)
        self.message_user(request, gettext("Invitations are sent."))

    @admin.action(description=_("Disable access"))
    def disable(self, request, queryset) -> None:
        for account in queryset.select_related("contact", "user"):
            client_access_disable(account=account, actor=request.user)


@admin.register(ClientAction)
class ClientActionAdmin(admin.ModelAdmin):
    list_display = ("created_at", "deal", "actor", "kind")
    list_select_related = ("deal", "actor")
    list_filter = ("kind",)
    readonly_fields = ("deal", "actor", "kind", "details", "created_at")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
