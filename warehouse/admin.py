from django.contrib import admin

from warehouse.models import DefaultAssignee, WorkSession


@admin.register(WorkSession)
class WorkSessionAdmin(admin.ModelAdmin):
    list_display = ["task", "worker", "started_at", "stopped_at"]
    list_filter = ["worker"]
    list_select_related = ["task", "worker"]
    readonly_fields = ["task", "worker", "started_at", "stopped_by"]


@admin.register(DefaultAssignee)
class DefaultAssigneeAdmin(admin.ModelAdmin):
    list_display = ["pipeline", "assignee"]
