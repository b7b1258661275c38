"""Admin: configuration (departments, categories, the holiday calendar) is edited here; cases are only read.

No admin form has ``status``: every change of a case goes through petitions/workflow.py.
"""

from django.contrib import admin
from django.utils import timezone

from petitions import workflow
from petitions.models import (
    Attachment,
    Category,
    Department,
    ExtensionRequest,
    Holiday,
    Petition,
    PetitionEvent,
    Reply,
    Representative,
    SupervisionNotice,
    TrackingCounter,
)


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "village", "phone", "sort_order"]
    list_filter = ["kind"]
    filter_horizontal = ["staff"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not (change and "kind" in form.changed_data):
            return
        first = Petition.objects.order_by("received_at").values_list("received_at", flat=True).first()
        if first:
            # 化解在村率 counts the cases led by a village committee: every kept count (dashboards.summaries) is
            # out of date, and the figures are counted from the cases until the counts are kept again.
            workflow.all_days_changed(timezone.localdate(first), timezone.localdate())


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = [
        "subject",
        "kind",
        "default_department",
        "sign_working_days",
        "reply_working_days",
        "statutory_applies",
        "is_active",
        "sort_order",
    ]
    list_editable = ["sign_working_days", "reply_working_days", "is_active", "sort_order"]
    list_filter = ["kind", "is_active", "default_department"]
    search_fields = ["subject"]


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    """节假日安排: enter a year's holidays and make-up working days when the State Council publishes them."""

    list_display = ["date", "kind", "name"]
    list_filter = ["kind"]
    date_hierarchy = "date"
    search_fields = ["name"]


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(ReadOnlyMixin, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False


class RepresentativeInline(ReadOnlyInline):
    model = Representative
    fields = ["name", "phone", "id_number"]
    readonly_fields = fields


class AttachmentInline(ReadOnlyInline):
    model = Attachment
    fields = ["kind", "original_name", "content_type", "size", "uploaded_by", "created_at"]
    readonly_fields = fields


class ExtensionRequestInline(ReadOnlyInline):
    model = ExtensionRequest
    fields = ["department", "requested_by", "reason", "days", "statutory_days", "status", "decided_by", "decided_at"]
    readonly_fields = fields


class ReplyInline(ReadOnlyInline):
    model = Reply
    fields = ["decision", "facts", "basis", "delivery", "department", "replied_by", "created_at"]
    readonly_fields = fields


class SupervisionNoticeInline(ReadOnlyInline):
    model = SupervisionNotice
    fields = ["note", "created_by", "created_at"]
    readonly_fields = fields


class PetitionEventInline(ReadOnlyInline):
    model = PetitionEvent
    fields = ["created_at", "action", "from_status", "to_status", "actor_name", "note"]
    readonly_fields = fields


@admin.register(Petition)
class PetitionAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Read only: cases are registered and moved on in the application, through the workflow."""

    list_display = ["tracking_number", "received_at", "petitioner_name", "village", "category", "status"]
    list_filter = ["status", "channel", "category__kind", "supervised"]
    search_fields = ["tracking_number", "petitioner_name", "petitioner_phone", "summary"]
    date_hierarchy = "received_at"
    list_select_related = ["village", "category"]
    inlines = [
        RepresentativeInline,
        AttachmentInline,
        ExtensionRequestInline,
        ReplyInline,
        SupervisionNoticeInline,
        PetitionEventInline,
    ]

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser or super().has_view_permission(request, obj)


@admin.register(PetitionEvent)
class PetitionEventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """The append-only history: readable, never added, changed or deleted here."""

    list_display = ["created_at", "petition", "action", "from_status", "to_status", "actor_name"]
    list_filter = ["action", "to_status"]
    search_fields = ["petition__tracking_number", "actor_name", "note"]
    list_select_related = ["petition"]
    date_hierarchy = "created_at"


@admin.register(TrackingCounter)
class TrackingCounterAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["month", "last_number"]
