from django.contrib import admin
from django.contrib.admin.utils import unquote

from households.models import (
    Group,
    Household,
    HouseholdEvent,
    HouseholdImport,
    Person,
    SensitiveAccessLog,
    Tag,
    Township,
    Village,
)
from households.services import sensitive_access_record


class GroupInline(admin.TabularInline):
    model = Group
    extra = 0


@admin.register(Township)
class TownshipAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "number_prefix", "center_name", "hotline", "sort_order"]
    search_fields = ["name", "code"]
    filter_horizontal = ["staff"]

    def get_readonly_fields(self, request, obj=None):
        # A prefix in use is part of every number already given: it never changes.
        return ["number_prefix"] if obj is not None and obj.petitions.exists() else []


@admin.register(Village)
class VillageAdmin(admin.ModelAdmin):
    list_display = ["name", "township", "code", "sort_order"]
    list_filter = ["township"]
    list_select_related = ["township"]
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
    list_filter = ["village", "tags"]
    search_fields = ["household_no", "head_name", "head_id_number", "phone"]
    list_select_related = ["village", "group"]
    raw_id_fields = ["contact_cadre"]
    filter_horizontal = ["tags"]
    inlines = [PersonInline]

    # Reading a household's sensitive tags here is logged as on the ledger's own pages (households/views.py).

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        household = Household.objects.filter(pk=unquote(object_id)).first() if object_id.isdigit() else None
        if household is not None and response.status_code == 200 and household.has_sensitive_tags():
            sensitive_access_record(
                user=request.user, action=SensitiveAccessLog.Action.VIEW, household=household, note="管理后台"
            )
        return response

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        ids = [v for key, value in request.GET.items() if key.startswith("tags") for v in value.split(",")]
        ids = [int(v) for v in ids if v.isdigit()]
        for tag in Tag.objects.filter(pk__in=ids, sensitive=True) if ids else ():
            sensitive_access_record(
                user=request.user, action=SensitiveAccessLog.Action.FILTER, note=f"管理后台按“{tag.name}”筛选户"
            )
        return response


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
