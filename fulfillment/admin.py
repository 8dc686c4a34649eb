from django.contrib import admin

from fulfillment.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "event", "text", "read_at", "emailed_at"]
    list_filter = ["event"]
    list_select_related = ["recipient"]
    readonly_fields = ["recipient", "event", "text", "url", "created_at", "read_at", "emailed_at"]

    def has_add_permission(self, request) -> bool:
        return False
