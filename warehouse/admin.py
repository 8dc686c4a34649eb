from django.contrib import admin

from warehouse.models import DefaultAssignee, PushSubscription, WorkSession


@admin.register(WorkSession)
class WorkSessionAdmin(admin.ModelAdmin):
    list_display = ["task", "worker", "started_at", "stopped_at"]
    list_filter = ["worker"]
    list_select_related = ["task", "worker"]
    readonly_fields = ["task", "worker", "started_at", "stopped_by"]


@admin.register(DefaultAssignee)
class DefaultAssigneeAdmin(admin.ModelAdmin):
    list_display = ["pipeline", "assignee"]


@admin.register(PushSubscription)
class PushSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["user", "user_agent", "created_at"]
    list_select_related = ["user"]
    readonly_fields = ["user", "endpoint", "p256dh", "auth", "user_agent", "created_at"]

    def has_add_permission(self, request) -> bool:
        return False  # only a browser can create one
