from django.contrib import admin

from visits.models import CadreProfile, VillageLeader, Visit


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    list_display = ["visited_at", "kind", "village", "created_by", "needs_follow_up"]
    list_filter = ["kind", "village", "needs_follow_up"]
    search_fields = ["heard", "done_on_spot"]
    date_hierarchy = "visited_at"
    list_select_related = ["village", "created_by"]
    raw_id_fields = ["households", "created_by"]
    filter_horizontal = ["participants"]
    readonly_fields = ["client_key", "created_at", "updated_at"]


@admin.register(CadreProfile)
class CadreProfileAdmin(admin.ModelAdmin):
    """A user's post and phone (printed on contact cards) and the 人大代表 mark."""

    list_display = ["user", "post", "phone", "is_deputy", "deputy_level"]
    list_filter = ["is_deputy", "deputy_level"]
    search_fields = ["user__username", "user__first_name", "post", "phone"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]


@admin.register(VillageLeader)
class VillageLeaderAdmin(admin.ModelAdmin):
    list_display = ["village", "post", "name", "phone", "sort_order"]
    list_filter = ["village"]
    search_fields = ["name", "phone"]
    list_select_related = ["village"]
