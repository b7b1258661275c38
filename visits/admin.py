from django.contrib import admin

from visits.models import (
    CadreProfile,
    ContactQuota,
    ContactReport,
    SpecialReport,
    VillageLeader,
    Visit,
    VisitParticipant,
)


class VisitParticipantInline(admin.TabularInline):
    model = VisitParticipant
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    list_display = ["visited_at", "kind", "village", "created_by"]
    list_filter = ["kind", "village"]
    search_fields = ["heard", "done_on_spot"]
    date_hierarchy = "visited_at"
    list_select_related = ["village", "created_by"]
    raw_id_fields = ["households", "created_by", "sweep"]
    inlines = [VisitParticipantInline]
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


@admin.register(ContactQuota)
class ContactQuotaAdmin(admin.ModelAdmin):
    """民情联系定额: per township; each number must be above zero (the model's validators say so in Chinese)."""

    list_display = [
        "township", "household_frequency", "monthly_visits", "yearly_visits_township", "yearly_visits_county",
        "deputy_yearly_contacts",
    ]  # fmt: skip
    list_select_related = ["township"]


class SpecialReportInline(admin.StackedInline):
    model = SpecialReport
    extra = 0


@admin.register(ContactReport)
class ContactReportAdmin(admin.ModelAdmin):
    """Read-only: reports are drafted by build_contact_reports and written by their cadres."""

    list_display = ["month", "township", "cadre", "status", "submitted_at"]
    list_filter = ["status", "township", "month"]
    list_select_related = ["township", "cadre"]
    inlines = [SpecialReportInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
