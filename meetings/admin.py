"""Admin: the meeting kinds (会议类型, with their rhythm) are configuration and edited here; meetings, their agendas
and decisions are only read (they change through meetings/services.py, their decisions through the workflow)."""

from django.contrib import admin

from meetings.models import AgendaItem, Decision, Meeting, MeetingKind


@admin.register(MeetingKind)
class MeetingKindAdmin(admin.ModelAdmin):
    list_display = ["name", "level", "rhythm", "weekday", "day_of_month", "plan_days_ahead", "is_active", "sort_order"]
    list_filter = ["level", "rhythm", "is_active"]
    fields = [
        "name",
        "level",
        "rhythm",
        "weekday",
        "day_of_month",
        "plan_days_ahead",
        "waiting_days",
        "default_time",
        "default_place",
        "is_active",
        "sort_order",
    ]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AgendaItemInline(admin.TabularInline):
    model = AgendaItem
    fields = ["position", "source", "petition", "title", "removed"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdmin):
    list_display = ["title", "date", "kind", "level", "status"]
    list_filter = ["kind", "level", "status", "township"]
    date_hierarchy = "date"
    search_fields = ["title"]
    list_select_related = ["kind"]
    inlines = [AgendaItemInline]


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ["item", "action", "owner_department", "owner_name", "due_on", "completed_on"]
    list_filter = ["action"]
    list_select_related = ["item", "item__petition", "owner_department"]
