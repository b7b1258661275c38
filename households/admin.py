from django.contrib import admin

from households.models import (
    Group,
    Household,
    HouseholdEvent,
    HouseholdImport,
    Person,
    SensitiveAccessLog,
    Tag,
    Village,
)


class GroupInline(admin.TabularInline):
    model = Group
    extra = 0


@admin.register(Village)
class VillageAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "sort_order"]
    search_fields = ["name"]
    filter_horizontal = ["liaisons"]
    inlines = [GroupInline]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "sensitive", "sort_order"]
    list_filter = ["kind", "sensitive"]


class PersonInline(admin.TabularInline):
    model = Person
    extra = 0
    filter_horizontal = ["tags"]


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = ["household_no", "head_name", "village", "group", "phone"]
    list_filter = ["village"]
    search_fields = ["household_no", "head_name", "head_id_number", "phone"]
    list_select_related = ["village", "group"]
    raw_id_fields = ["contact_cadre"]
    filter_horizontal = ["tags"]
    inlines = [PersonInline]


class ReadOnlyAdmin(admin.ModelAdmin):
    """A record nobody edits: admins read it, only the code writes it."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SensitiveAccessLog)
class SensitiveAccessLogAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user_name", "action", "household", "note"]
    list_filter = ["action", "created_at"]
    search_fields = ["user_name", "household__head_name", "household__household_no", "note"]
    date_hierarchy = "created_at"
    list_select_related = ["household__village"]


@admin.register(HouseholdEvent)
class HouseholdEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "household", "action", "actor_name", "note"]
    list_filter = ["action"]
    search_fields = ["household__head_name", "household__household_no", "actor_name"]
    date_hierarchy = "created_at"
    list_select_related = ["household__village"]


@admin.register(HouseholdImport)
class HouseholdImportAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "original_name", "requested_by", "stage", "status", "progress", "finished_at"]
    list_filter = ["stage", "status"]
    exclude = ["report"]  # what the import page shows; large
    date_hierarchy = "created_at"
