from django.contrib import admin

from warehouse.models import (
    DefaultAssignee,
    PushSubscription,
    RecountEvent,
    RecountLine,
    RecountOp,
    RecountPhoto,
    WorkSession,
)


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


class ReadOnlyAdmin(admin.ModelAdmin):
    """The recount is written by its services only (the phone's ops, the shipment list, the
    finish); the admin shows it to support staff and changes nothing."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(RecountLine)
class RecountLineAdmin(ReadOnlyAdmin):
    list_display = ["deal", "article", "barcode", "name", "expected", "counted", "defective"]
    list_select_related = ["deal"]
    search_fields = ["article", "barcode", "name", "deal__title"]
    raw_id_fields = ["deal"]


@admin.register(RecountPhoto)
class RecountPhotoAdmin(ReadOnlyAdmin):
    list_display = ["line", "file", "uploaded_by", "created_at"]
    list_select_related = ["line", "uploaded_by"]
    raw_id_fields = ["line"]


@admin.register(RecountOp)
class RecountOpAdmin(ReadOnlyAdmin):
    list_display = ["op_id", "deal", "line", "kind", "field", "delta", "actor", "created_at"]
    list_select_related = ["deal", "line", "actor"]
    search_fields = ["op_id"]


@admin.register(RecountEvent)
class RecountEventAdmin(ReadOnlyAdmin):
    list_display = ["deal", "kind", "actor", "created_at", "lines", "counted", "defective"]
    list_select_related = ["deal", "actor"]
