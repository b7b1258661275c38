from django.contrib import admin

from duty.models import Absence, Mailbox, MailboxOpening, Post, RotaEntry, Swap


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "capacity", "role", "sort_order", "is_active"]
    list_editable = ["sort_order", "is_active"]


@admin.register(RotaEntry)
class RotaEntryAdmin(admin.ModelAdmin):
    list_display = ["date", "township", "post", "slot", "user"]
    list_filter = ["township", "post"]
    date_hierarchy = "date"
    raw_id_fields = ["user", "planned_by"]


@admin.register(Swap)
class SwapAdmin(admin.ModelAdmin):
    list_display = ["date", "township", "post", "from_user", "to_user", "reason", "recorded_by", "recorded_at"]
    list_filter = ["township", "post"]


@admin.register(Absence)
class AbsenceAdmin(admin.ModelAdmin):
    list_display = ["user", "reason", "start_date", "end_date"]
    raw_id_fields = ["user"]


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    list_display = ["place", "township", "weekday", "responsible", "is_active"]
    list_filter = ["township"]


@admin.register(MailboxOpening)
class MailboxOpeningAdmin(admin.ModelAdmin):
    list_display = ["date", "mailbox", "opened_by", "witness", "letter_count"]
    raw_id_fields = ["letters"]
