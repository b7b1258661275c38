"""Admin: configuration (departments, categories, the holiday calendar) is edited here; cases are only read.

No admin form has ``status``: every change of a case goes through petitions/workflow.py.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from petitions import deadlines, holidays, workflow
from petitions.forms import kind_order
from petitions.holiday_forms import ArrangementForm, RangeFormSet, read_forms, suggested_year
from petitions.models import (
    Attachment,
    Category,
    CategoryLimit,
    Department,
    DirectoryEntry,
    ExtensionRequest,
    Holiday,
    Petition,
    PetitionEvent,
    PublicAnswer,
    Reply,
    Representative,
    SupervisionNotice,
    TrackingCounter,
)


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "township", "kind", "village", "phone", "sort_order"]
    list_filter = ["township", "kind"]
    list_select_related = ["township", "village"]
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

    def get_ordering(self, request):
        return [kind_order(), "sort_order", "subject"]  # 咨询 … 检举控告, as every category select


@admin.register(CategoryLimit)
class CategoryLimitAdmin(admin.ModelAdmin):
    """A township's own time limits (or default department) for a county-wide category."""

    list_display = ["township", "category", "sign_working_days", "reply_working_days", "default_department"]
    list_filter = ["township"]
    list_select_related = ["township", "category", "default_department"]


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    """节假日安排: enter a year's holidays and make-up working days when the State Council publishes them.

    录入全年安排 (``year/``) takes the whole arrangement at once (petitions/holidays.py): pasted text or a table,
    shown as the year's calendar with the cases whose deadlines will move, then saved in one transaction.
    Single rows may still be added, changed and deleted here; every change of the calendar recomputes the
    running cases' deadlines it moves (期限重算, through the workflow).
    """

    list_display = ["date", "weekday", "kind", "name"]
    list_filter = ["kind"]
    date_hierarchy = "date"
    search_fields = ["name"]
    change_list_template = "admin/petitions/holiday/change_list.html"

    @admin.display(description="星期")
    def weekday(self, obj):
        return f"星期{holidays.WEEKDAYS[obj.date.weekday()]}"

    def get_urls(self):
        urls = [path("year/", self.admin_site.admin_view(self.year_view), name="petitions_holiday_year")]
        return urls + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "calendar_warning": deadlines.calendar_warning()}
        return super().changelist_view(request, extra_context)

    # --- 录入全年安排 ---------------------------------------------------------------------------------

    def year_view(self, request):
        """GET: the form (?year= loads that year's rows). POST ``_preview``: read and check, then show the
        calendar and what will change; POST ``_confirm``: read again and save; POST ``_edit``: back to the form."""
        if not (self.has_add_permission(request) and self.has_delete_permission(request)):
            raise PermissionDenied
        if request.method == "POST":
            form = ArrangementForm(request.POST)
            formset = RangeFormSet(request.POST, prefix="range")
            arrangement = read_forms(form, formset) if "_edit" not in request.POST else None
            if arrangement is not None and "_confirm" in request.POST:
                rows, report = holidays.arrangement_save(arrangement, by=request.user)
                self.message_user(
                    request,
                    f"已保存{arrangement.year}年节假日安排：放假{arrangement.count(holidays.REST)}天，"
                    f"调休上班{arrangement.count(holidays.WORK)}天（新增{len(rows.added)}条、删除{len(rows.removed)}条、"
                    f"修改{len(rows.changed)}条记录）。{report.summary()}",
                    messages.SUCCESS,
                )
                url = reverse("admin:petitions_holiday_changelist")
                return HttpResponseRedirect(f"{url}?date__year={arrangement.year}")
            if arrangement is not None:
                return self._year_page(request, form, formset, preview=holidays.arrangement_preview(arrangement))
        else:
            try:
                year = int(request.GET.get("year") or suggested_year())
            except ValueError:
                year = suggested_year()
            text = holidays.to_lines(holidays.year_rows(year)) if 2000 <= year <= 2099 else ""
            form = ArrangementForm(initial={"year": year, "text": text})
            formset = RangeFormSet(prefix="range")
        return self._year_page(request, form, formset)

    def _year_page(self, request, form, formset, preview=None):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "录入全年节假日安排" if preview is None else "确认节假日安排",
            "form": form,
            "formset": formset,
            "preview": preview,
            "calendar_warning": deadlines.calendar_warning(),
            "weekdays": holidays.WEEKDAYS,
        }
        return TemplateResponse(request, "admin/petitions/holiday/year_form.html", context)

    # --- Single rows: the running cases follow every change -----------------------------------------------

    def save_model(self, request, obj, form, change):
        days = {obj.date} | ({form.initial["date"]} if change and form.initial.get("date") else set())
        report = holidays.holidays_edit(
            days, lambda: super(HolidayAdmin, self).save_model(request, obj, form, change), by=request.user
        )
        self._tell(request, report)

    def delete_model(self, request, obj):
        report = holidays.holidays_edit(
            [obj.date], lambda: super(HolidayAdmin, self).delete_model(request, obj), by=request.user
        )
        self._tell(request, report)

    def delete_queryset(self, request, queryset):
        days = list(queryset.values_list("date", flat=True))
        if days:
            report = holidays.holidays_edit(
                days, lambda: super(HolidayAdmin, self).delete_queryset(request, queryset), by=request.user
            )
            self._tell(request, report)

    def _tell(self, request, report):
        if report.changed_days:
            self.message_user(request, report.summary(), messages.INFO)


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


class InternalMixin:
    """Bookkeeping nobody configures: left off the admin index (its pages still open by address, read only)."""

    def has_module_permission(self, request):
        return False


@admin.register(TrackingCounter)
class TrackingCounterAdmin(InternalMixin, ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["month", "last_number"]


@admin.register(DirectoryEntry)
class DirectoryEntryAdmin(admin.ModelAdmin):
    """联系方式公开栏: what the township publishes of its leaders, cadres and village liaisons."""

    list_display = ["display_name", "post", "section", "township", "office_phone", "is_published", "sort_order"]
    list_filter = ["township", "section", "is_published"]
    list_editable = ["is_published", "sort_order"]
    list_select_related = ["township", "user"]
    search_fields = ["name", "post", "duties", "user__first_name"]
    filter_horizontal = ["villages"]
    autocomplete_fields = []
    fields = ["township", "section", "user", "name", "post", "duties", "villages", "office_phone", "is_published",
              "sort_order"]  # fmt: skip

    @admin.display(description="姓名")
    def display_name(self, obj):
        return obj.display_name


@admin.register(PublicAnswer)
class PublicAnswerAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Read only: a 公开反馈 is written by the township's leaders on their own page (petitions/answers.py)."""

    list_display = ["title", "township", "village", "category", "is_published", "updated_at"]
    list_filter = ["township", "is_published"]
    list_select_related = ["township", "village", "category"]
