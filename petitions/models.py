"""Departments, categories, petitions and their history (domain.md, the case pipeline).

Nothing here changes a petition's ``status``: every state change goes through one function of
``petitions/workflow.py``, which also writes the case's append-only ``PetitionEvent``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone

from households.models import Household, Township, Village
from petitions.choices import (  # noqa: F401 — re-exported: petitions.models is where others look
    FINISHED_STATUSES,
    GROUP_VISIT_MIN,
    OPEN_STATUSES,
    RUNNING_STATUSES,
    STATUS_COLOURS,
    Action,
    Channel,
    Satisfaction,
    Status,
)
from petitions.querysets import PetitionEventQuerySet, PetitionQuerySet


class Department(models.Model):
    """A handling unit (承办单位): a township office or a village committee of one township, or a county-level
    unit (县直单位, no township) to which any township may hand a case up (移交县直单位)."""

    class Kind(models.TextChoices):
        OFFICE = "office", "乡镇站所"
        VILLAGE = "village", "村委会"
        COUNTY = "county", "县直单位"

    township = models.ForeignKey(
        Township,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="departments",
        verbose_name="所属乡镇",
        help_text="县直单位不填。",
    )
    name = models.CharField("名称", max_length=50)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices, default=Kind.OFFICE)
    village = models.OneToOneField(
        Village,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="committee",
        verbose_name="所属村",
    )
    phone = models.CharField("电话", max_length=20, blank=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)
    # A department's staff (承办人) are kept with the department (style.md B1).
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name="承办人员",
        related_name="departments",
        blank=True,
    )

    class Meta:
        verbose_name = verbose_name_plural = "承办单位"
        ordering = ["kind", "sort_order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["township", "name"], name="department_name_per_township"),
            models.UniqueConstraint(
                fields=["name"], condition=models.Q(township__isnull=True), name="county_unit_name_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(kind="county", township__isnull=True)
                | (~models.Q(kind="county") & models.Q(township__isnull=False)),
                name="department_county_units_have_no_township",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.kind == self.Kind.COUNTY and self.township_id:
            raise ValidationError({"township": "县直单位不属于任何乡镇，请留空。"})
        if self.kind != self.Kind.COUNTY and not self.township_id:
            raise ValidationError({"township": "乡镇站所和村委会须选择所属乡镇。"})
        if self.village_id and self.township_id and self.village.township_id != self.township_id:
            raise ValidationError({"village": "所属村不在所选乡镇。"})


class Category(models.Model):
    """诉求分类: the kind (咨询 … 检举控告) and the subject (土地承包, 低保 …), with the township's time limits.

    The limits are configuration (domain.md, time limits): the reference township signs within 1 working
    day and replies within 0 (即办), 5 (一般) or 15 (复杂) working days, counted from the day of routing.
    """

    class Kind(models.TextChoices):
        CONSULTATION = "consultation", "咨询"
        SUGGESTION = "suggestion", "意见建议"
        COMPLAINT = "complaint", "投诉"
        HELP = "help", "求助"
        DISPUTE = "dispute", "矛盾纠纷"
        ACCUSATION = "accusation", "检举控告"

    kind = models.CharField("诉求类型", max_length=20, choices=Kind.choices)
    subject = models.CharField("诉求事项", max_length=30)
    default_department = models.ForeignKey(
        Department,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="default_for_categories",
        verbose_name="默认承办单位",
    )
    sign_working_days = models.PositiveSmallIntegerField(
        "签收时限（工作日）", default=1, help_text="交办后几个工作日内签收。"
    )
    reply_working_days = models.PositiveSmallIntegerField(
        "答复时限（工作日）", default=5, help_text="交办后几个工作日内答复：即办填 0，一般 5，复杂 15。"
    )
    statutory_applies = models.BooleanField(
        "适用法定办理期限",
        default=True,
        help_text="《信访工作条例》：受理之日起 60 日内办结（可延长一次，不超过 30 日）。咨询、意见建议类可不适用。",
    )
    is_active = models.BooleanField("启用", default=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "诉求分类"
        ordering = ["kind", "sort_order", "subject"]
        constraints = [models.UniqueConstraint(fields=["kind", "subject"], name="category_unique_kind_subject")]

    def __str__(self):
        return f"{self.get_kind_display()}·{self.subject}"

    @property
    def is_accusation(self) -> bool:
        return self.kind == self.Kind.ACCUSATION

    def default_department_in(self, township_id: int | None) -> Department | None:
        """The default department for a case of ``township_id``: the township's own choice (``CategoryLimit``),
        else — categories being county-wide — the township's department of the same name as the category's
        default (another township's 民政办 → this township's 民政办)."""
        return self.limits_in(township_id).default_department

    def limits_in(self, township_id: int | None) -> Limits:
        """The time limits and default department that hold for a case of ``township_id``: the county-wide
        category's, each replaced where the township set its own (``CategoryLimit``). Two queries at most."""
        override = CategoryLimit.objects.filter(township_id=township_id, category=self).first() if township_id else None
        default = (
            override.default_department if override and override.default_department_id else self.default_department
        )
        if default is not None and default.township_id not in (township_id, None):
            default = Department.objects.filter(township_id=township_id, name=default.name).first()
        return Limits(
            sign_working_days=self.sign_working_days
            if override is None or override.sign_working_days is None
            else override.sign_working_days,
            reply_working_days=self.reply_working_days
            if override is None or override.reply_working_days is None
            else override.reply_working_days,
            default_department=default,
        )


@dataclass(frozen=True)
class Limits:
    """What a category asks of a case in one township (``Category.limits_in``)."""

    sign_working_days: int
    reply_working_days: int
    default_department: Department | None


class CategoryLimit(models.Model):
    """A township's own time limits or default department for a county-wide category (domain.md: every number
    is configuration, per subject and per deployment; provinces and townships set their own). Empty fields
    keep the county's."""

    township = models.ForeignKey(
        Township, on_delete=models.CASCADE, related_name="category_limits", verbose_name="乡镇"
    )
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="limits", verbose_name="诉求分类")
    sign_working_days = models.PositiveSmallIntegerField(
        "签收时限（工作日）", null=True, blank=True, help_text="不填则按全县统一时限。"
    )
    reply_working_days = models.PositiveSmallIntegerField(
        "答复时限（工作日）", null=True, blank=True, help_text="不填则按全县统一时限。"
    )
    default_department = models.ForeignKey(
        Department,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="默认承办单位",
        help_text="本乡镇的单位；不填则按全县统一设置中同名的本乡镇单位。",
    )

    class Meta:
        verbose_name = verbose_name_plural = "乡镇自定诉求时限"
        constraints = [models.UniqueConstraint(fields=["township", "category"], name="category_limit_one_per_township")]

    def __str__(self):
        return f"{self.township}·{self.category}"

    def clean(self):
        from django.core.exceptions import ValidationError

        department = self.default_department
        if department is not None and department.township_id not in (self.township_id, None):
            raise ValidationError({"default_department": "请选择本乡镇的单位（或县直单位）。"})


class Petition(models.Model):
    """民情诉求: one matter, one record (一事一记).

    ``village`` may be empty for a petitioner from outside the township or a matter of no single village;
    such a case is seen by the center and the departments it is routed to, never by a liaison.
    ``household`` is the ledger household when the petitioner was found in it.
    """

    tracking_number = models.CharField("受理编号", max_length=20, unique=True, editable=False)
    # The township whose center took the case: its numbering, board, staff and numbers (minqing.access).
    township = models.ForeignKey(
        Township, on_delete=models.PROTECT, related_name="petitions", verbose_name="乡镇", editable=False
    )
    channel = models.CharField("来源渠道", max_length=20, choices=Channel.choices)
    received_at = models.DateTimeField("受理时间")
    # Who was on duty when it came in (duty.rota): the day's 带班领导 who received it (接访领导, chosen at the desk,
    # pre-filled), the 座班接待 clerk, and for a phone case the 民心电话值守 attendant.
    received_by_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="received_petitions",
        verbose_name="接访领导",
    )
    desk_attendant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="desk_petitions",
        verbose_name="座班接待",
    )
    hotline_attendant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="hotline_petitions",
        verbose_name="民心电话值守",
    )

    petitioner_name = models.CharField("诉求人", max_length=50)
    petitioner_phone = models.CharField("联系电话", max_length=20, blank=True)
    petitioner_id_number = models.CharField("身份证号", max_length=18, blank=True)
    household = models.ForeignKey(
        Household,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="petitions",
        verbose_name="所属户",
    )
    village = models.ForeignKey(
        Village,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="petitions",
        verbose_name="所属村",
    )
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="petitions", verbose_name="诉求分类")
    summary = models.CharField("诉求摘要", max_length=200)
    content = models.TextField("诉求内容")
    head_count = models.PositiveSmallIntegerField("来访人数", default=1)

    is_urgent = models.BooleanField("紧急", default=False)
    is_repeat = models.BooleanField("重复访", default=False)
    is_skip_level = models.BooleanField("越级访", default=False)
    repeat_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="repeats",
        verbose_name="重复于",
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_cases",
        verbose_name="并入",
    )

    status = models.CharField("状态", max_length=30, choices=Status.choices, default=Status.REGISTERED, editable=False)
    # Bumped by every workflow action: the compare-and-set filters on it, so a stale copy always loses.
    version = models.PositiveIntegerField("版本", default=0, editable=False)

    # Village triage (待村处理): the village committee's analysis (村两委分析意见), written when it settles the matter
    # in the village or sends it up to the township; ``settled_in_village`` (在村化解) is set by the settlement and
    # cleared by a sending up, and 化解在村率 counts the closed cases that carry it (dashboards.metrics).
    village_analysis = models.TextField("村两委分析意见", blank=True)
    settled_in_village = models.BooleanField("在村化解", default=False, editable=False)

    # Routing (批示、交办).
    instruction = models.TextField("领导批示", blank=True)
    lead_department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_petitions",
        verbose_name="牵头单位",
    )
    assisting_departments = models.ManyToManyField(
        Department, blank=True, related_name="assisted_petitions", verbose_name="协办单位"
    )
    routed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="routed_petitions",
        verbose_name="交办人",
    )
    routed_at = models.DateTimeField("交办时间", null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="signed_petitions",
        verbose_name="签收人",
    )
    signed_at = models.DateTimeField("签收时间", null=True, blank=True)

    # 领导包案 (domain.md "Ownership and duty"): one leader owns a hard case to the end, with a plan, a working team and
    # a target date; set and handed on only by the workflow (包案, 移交包案). The owner gets the case's reminders and
    # supervision notices besides the department.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="owned_petitions",
        verbose_name="包案领导",
    )
    owner_plan = models.TextField("包案方案", blank=True, editable=False)
    owner_team = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="petition_teams", verbose_name="工作专班"
    )
    owner_due = models.DateField("包案目标日期", null=True, blank=True, editable=False)

    # The township clock (working days, petitions.deadlines.add_working_days).
    sign_by = models.DateField("签收期限", null=True, blank=True)
    reply_by = models.DateField("答复期限", null=True, blank=True)
    reply_working_days = models.PositiveSmallIntegerField(
        "答复时限（工作日）", null=True, blank=True, help_text="交办时采用的时限；领导直接指定日期时为空。"
    )
    deadline_provisional = models.BooleanField(
        "期限暂按周一至周五计算", default=False, help_text="计算期限时该年度节假日安排尚未录入。"
    )
    # The statutory clock (《信访工作条例》, calendar days, counted by the Civil Code rule).
    notice_by = models.DateField("告知期限（15日）", null=True, blank=True)
    finish_by = models.DateField("法定办结期限（60日）", null=True, blank=True)
    finish_extended = models.BooleanField("法定期限已延长", default=False)
    review_by = models.DateField("复查申请期限（30日）", null=True, blank=True)

    replied_at = models.DateTimeField("答复时间", null=True, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField("重办次数", default=0)
    supervised = models.BooleanField("督办", default=False)
    closed_without_satisfaction = models.BooleanField("未经满意回访办结", default=False)
    # Why it was closed without a satisfied revisit, not accepted or withdrawn.
    closure_reason = models.TextField("办结/不予受理/撤回理由", blank=True)
    directed_to = models.CharField("引导至", max_length=100, blank=True, help_text="不予受理时告知的途径，如人民法院。")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="registered_petitions",
        verbose_name="登记人",
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = PetitionQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "民情诉求"
        ordering = ["-received_at", "-pk"]
        indexes = [
            # overdue() / due_soon(): status IN (assigned, in_progress) AND reply_by < / BETWEEN dates.
            models.Index(fields=["status", "reply_by"], name="petition_status_reply_by_idx"),
            # Sign-for reminders: status = assigned AND sign_by < today.
            models.Index(fields=["status", "sign_by"], name="petition_status_sign_by_idx"),
            # Every list's default order and the date-range filter.
            models.Index(fields=["received_at"], name="petition_received_at_idx"),
            # A liaison's queue: village_id IN (…) AND status = ….
            models.Index(fields=["village", "status"], name="petition_village_status_idx"),
            # A department's queue: lead_department_id IN (…) AND status = ….
            models.Index(fields=["lead_department", "status"], name="petition_dept_status_idx"),
            # Repeat detection at intake: same phone or same ID number.
            models.Index(fields=["petitioner_phone"], name="petition_phone_idx"),
            models.Index(fields=["petitioner_id_number"], name="petition_id_number_idx"),
            # The queues, newest first (bench/county.py at 500,000 cases): status = … ORDER BY received_at DESC
            # walks only that state's cases, not the whole table backwards (a handler's 待签收: 700 → 14 ms).
            models.Index(fields=["status", "-received_at"], name="petition_status_received_idx"),
            # 已超期 / 即将到期 newest first: only the running cases (assigned, in progress) are walked.
            models.Index(
                fields=["-received_at"],
                condition=Q(status__in=["assigned", "in_progress"]),
                name="petition_running_received_idx",
            ),
            # 督办事项 newest first: only the supervised cases.
            models.Index(fields=["-received_at"], condition=Q(supervised=True), name="petition_supervised_idx"),
            # 待公示 (awaiting_publication) oldest reply first: a township's replied and closed cases in reply order,
            # so the leader's desk reads its first five without sorting every closed case (200 → 0.1 ms at county
            # scale) and counts them from the index.
            models.Index(
                fields=["township", "replied_at", "id"],
                condition=Q(status__in=["replied", "closed"]),
                name="petition_to_publish_idx",
            ),
            # The leaders' numbers of a month or a few days (dashboards.metrics): each measure counts the cases
            # whose routed, replied or closed time falls in the period, read by a bitmap OR of these indexes
            # and the received and reply-deadline ones above instead of a scan of every case. Replied and
            # closed times count only with their status, which leads: the revisit queue (status = replied
            # ORDER BY replied_at) walks only the replied cases, not every case ever replied to.
            models.Index(fields=["routed_at"], name="petition_routed_at_idx"),
            models.Index(fields=["status", "replied_at"], name="petition_status_replied_idx"),
            models.Index(fields=["status", "closed_at"], name="petition_status_closed_idx"),
            # 我包的案件: owner_id = … newest first.
            models.Index(fields=["owner", "-received_at"], name="petition_owner_received_idx"),
        ]

    def __str__(self):
        return f"{self.tracking_number} {self.summary}"

    @property
    def status_colour(self) -> str:
        return Status.colour(self.status)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_group_visit(self) -> bool:
        """集体访: five or more people came (querysets.GROUP_VISIT in a query)."""
        return self.head_count >= GROUP_VISIT_MIN


class Representative(models.Model):
    """One of at most five representatives of a group visit (集体访)."""

    petition = models.ForeignKey(
        Petition, on_delete=models.CASCADE, related_name="representatives", verbose_name="诉求"
    )
    name = models.CharField("姓名", max_length=50)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    id_number = models.CharField("身份证号", max_length=18, blank=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "集体访代表"
        ordering = ["petition_id", "sort_order", "pk"]

    def __str__(self):
        return self.name


class PetitionEvent(models.Model):
    """One step of a case's history (一事一记), written only by petitions/workflow.py and never changed.

    For an action that does not change the state, ``from_status == to_status``.
    """

    petition = models.ForeignKey(Petition, on_delete=models.PROTECT, related_name="events", verbose_name="诉求")
    action = models.CharField("操作", max_length=30, choices=Action.choices)
    from_status = models.CharField("原状态", max_length=30, choices=Status.choices, blank=True)
    to_status = models.CharField("新状态", max_length=30, choices=Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="petition_events",
        verbose_name="操作人",
    )
    # Copied in at write time, so the history still names a deleted or renamed account.
    actor_name = models.CharField("操作人姓名", max_length=150, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    note = models.TextField("说明", blank=True)
    data = models.JSONField("数据", default=dict, blank=True, encoder=DjangoJSONEncoder)

    objects = PetitionEventQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "办理记录"
        ordering = ["-created_at", "-pk"]
        indexes = [
            # Dashboards: events of one kind in a period (response rate, first-time resolution).
            models.Index(fields=["action", "created_at"], name="petition_event_action_idx"),
            # The revisit measures: each case's last revisit in a period (dashboards.metrics), read from the
            # index alone on PostgreSQL (INCLUDE; other databases ignore it).
            models.Index(
                fields=["created_at"],
                include=["petition_id", "id"],
                condition=models.Q(action="revisit"),
                name="petition_event_revisit_idx",
            ),
        ]

    def __str__(self):
        return f"{self.get_action_display()} {self.created_at:%Y-%m-%d %H:%M}"


def attachment_path(instance, filename: str) -> str:
    # The original name is kept in a column; the stored name carries no personal text.
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"petitions/{instance.created_at:%Y/%m}/{uuid.uuid4().hex}{suffix}"


class Attachment(models.Model):
    class Kind(models.TextChoices):
        MATERIAL = "material", "诉求材料"
        PHOTO = "photo", "现场照片"
        MEDIATION_AGREEMENT = "mediation_agreement", "调解协议"
        REPLY_LETTER = "reply_letter", "答复意见书"
        OTHER = "other", "其他"

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="attachments", verbose_name="诉求")
    file = models.FileField("文件", upload_to=attachment_path)
    kind = models.CharField("类型", max_length=30, choices=Kind.choices, default=Kind.MATERIAL)
    original_name = models.CharField("原文件名", max_length=200)
    content_type = models.CharField("文件类型", max_length=100)
    size = models.PositiveIntegerField("大小（字节）")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="petition_attachments",
        verbose_name="上传人",
    )
    created_at = models.DateTimeField("上传时间", default=timezone.now, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = "附件"
        ordering = ["petition_id", "created_at", "pk"]

    def __str__(self):
        return self.original_name


class ExtensionRequest(models.Model):
    """申请延期: ``days`` working days more on the township clock; ``statutory_days`` (≤ 30, once) on the 60 days."""

    class Status(models.TextChoices):
        PENDING = "pending", "待审批"
        APPROVED = "approved", "已批准"
        DENIED = "denied", "已驳回"
        LAPSED = "lapsed", "已失效"  # the case was replied to before a leader decided

    petition = models.ForeignKey(
        Petition, on_delete=models.CASCADE, related_name="extension_requests", verbose_name="诉求"
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="extension_requests", verbose_name="申请单位"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="申请人",
    )
    reason = models.TextField("延期理由")
    days = models.PositiveSmallIntegerField("延长工作日")
    statutory_days = models.PositiveSmallIntegerField("延长法定期限（日）", default=0)
    status = models.CharField("审批状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="审批人",
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decision_note = models.TextField("审批意见", blank=True)
    created_at = models.DateTimeField("申请时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "延期申请"
        ordering = ["petition_id", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["petition"], condition=Q(status="pending"), name="extension_one_pending_per_petition"
            ),
        ]

    def __str__(self):
        return f"{self.petition.tracking_number} 延期{self.days}个工作日"


class Reply(models.Model):
    """答复意见: the facts found, the decision and its basis, and how it reached the petitioner."""

    class Decision(models.TextChoices):
        SUPPORT = "support", "支持"
        EXPLAINED = "explained", "解释说明"
        NOT_SUPPORTED = "not_supported", "不予支持"

    class Delivery(models.TextChoices):
        IN_PERSON = "in_person", "当面"
        PHONE = "phone", "电话"
        WRITTEN = "written", "书面送达"
        SMS = "sms", "短信"

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="replies", verbose_name="诉求")
    facts = models.TextField("查明事实")
    decision = models.CharField("答复结论", max_length=20, choices=Decision.choices)
    basis = models.TextField("政策依据", blank=True)
    content = models.TextField("答复意见", blank=True)
    delivery = models.CharField("送达方式", max_length=20, choices=Delivery.choices)
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replies",
        verbose_name="答复单位",
    )
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="答复人",
    )
    created_at = models.DateTimeField("答复时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "答复"
        ordering = ["petition_id", "-created_at", "-pk"]

    def __str__(self):
        return f"{self.petition.tracking_number} {self.get_decision_display()}"


class SupervisionNotice(models.Model):
    """督办: a leader's notice on an open case."""

    petition = models.ForeignKey(
        Petition, on_delete=models.CASCADE, related_name="supervision_notices", verbose_name="诉求"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="督办人",
    )
    note = models.TextField("督办意见")
    created_at = models.DateTimeField("督办时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "督办通知"
        ordering = ["petition_id", "-created_at"]

    def __str__(self):
        return f"{self.petition.tracking_number} 督办"


class Holiday(models.Model):
    """The admin's calendar over chinese-calendar: a rest day or a make-up working day (调休上班).

    A year with any row here counts as known: its other dates follow chinese-calendar if it knows the
    year, otherwise Monday to Friday, without the provisional mark (petitions/deadlines.py).
    """

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", "放假"
        WORKDAY = "workday", "调休上班"

    date = models.DateField("日期", unique=True)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    name = models.CharField("名称", max_length=30, blank=True, help_text="如：春节、国庆节。")

    class Meta:
        verbose_name = verbose_name_plural = "节假日安排"
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {self.get_kind_display()} {self.name}".strip()


class TrackingCounter(models.Model):
    """The last tracking number given under a prefix in a month (``MQDX202611`` → 42 for MQDX202611-0042)."""

    month = models.CharField("编号前缀与月份", max_length=16, unique=True)
    last_number = models.PositiveIntegerField("已用序号", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "受理编号计数"

    def __str__(self):
        return f"{self.month}: {self.last_number}"


class Publication(models.Model):
    """公示: what the public board (公示栏) shows of one case, as a leader approved it (domain.md, the public board).

    The summary and result are written for the public by staff, never the petitioner's own words; the village,
    subject, department and date received are copied in at publication, so the board shows what was approved;
    the dates of the reply and of the closing are the case's own (a case closed later shows its 办结日期). The
    petitioner's name appears only masked (张某) unless ``name_consent`` records a separate written consent.
    Written only by ``workflow.petition_publish`` / ``petition_unpublish`` (each one event in the case's
    history); the public pages read it only through ``petitions/public.py``, which applies the masking.
    """

    petition = models.OneToOneField(Petition, on_delete=models.PROTECT, related_name="publication", verbose_name="诉求")
    public_summary = models.TextField("公示摘要")
    decision = models.CharField("答复结论", max_length=20, choices=Reply.Decision.choices, blank=True)
    result = models.TextField("办理结果")
    village = models.ForeignKey(
        Village,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="publications",
        verbose_name="所属村",
    )
    subject = models.CharField("诉求事项", max_length=30)
    department_name = models.CharField("承办单位", max_length=50, blank=True)
    received_on = models.DateField("受理日期")

    is_published = models.BooleanField("公示中", default=False)
    published_at = models.DateTimeField("公示时间", null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="公示审批人",
    )
    unpublished_at = models.DateTimeField("撤下时间", null=True, blank=True)
    unpublished_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="撤下人",
    )
    unpublish_reason = models.TextField("撤下理由", blank=True)

    # A separate written consent (书面同意) to show the full name; who recorded it and when.
    name_consent = models.BooleanField("诉求人书面同意公开姓名", default=False)
    consent_note = models.CharField(
        "书面同意说明", max_length=200, blank=True, help_text="如：同意书已签字，存档于信访档案第12卷。"
    )
    consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="同意书登记人",
    )
    consent_recorded_at = models.DateTimeField("同意书登记时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "公示"
        ordering = ["-published_at", "-pk"]
        indexes = [
            # The board, the feed and the JSON: is_published AND … ORDER BY published_at DESC.
            models.Index(fields=["is_published", "-published_at"], name="publication_board_idx"),
            # The month filter: is_published AND received_on BETWEEN first and last day of the month.
            models.Index(fields=["is_published", "received_on"], name="publication_month_idx"),
        ]

    def __str__(self):
        return f"{self.petition.tracking_number} 公示"


class Reminder(models.Model):
    """One deadline reminder of one level for one case: found due by the scan (petitions/reminders.py),
    sent once. ``sent_at`` is empty until a scan claims the row (compare-and-set on ``sent_at IS NULL``)."""

    class Level(models.TextChoices):
        SIGN_OVERDUE = "sign_overdue", "超期未签收"
        DUE_SOON = "due_soon", "即将到期"
        OVERDUE = "overdue", "已超期"
        SUPERVISED = "supervised", "督办"
        REVISIT_DUE = "revisit_due", "回访到期"

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="reminders", verbose_name="诉求")
    level = models.CharField("提醒类型", max_length=20, choices=Level.choices)
    created_at = models.DateTimeField("发现时间", auto_now_add=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    recipients = models.PositiveSmallIntegerField("接收人数", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "到期提醒"
        ordering = ["-created_at", "-pk"]
        constraints = [
            # Each case gets each level of reminder once (style.md B7).
            models.UniqueConstraint(fields=["petition", "level"], name="reminder_once_per_level"),
        ]

    def __str__(self):
        return f"{self.petition_id} {self.get_level_display()}"


class EventNotification(models.Model):
    """The outbox row of one workflow event that tells somebody (petitions/notify.py): written on commit,
    claimed by compare-and-set on ``sent_at IS NULL`` by the task or, if the broker was down, by the
    periodic sweep — so the event is announced once."""

    event = models.OneToOneField(
        PetitionEvent, on_delete=models.CASCADE, related_name="notification", verbose_name="办理记录"
    )
    created_at = models.DateTimeField("记录时间", auto_now_add=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    recipients = models.PositiveSmallIntegerField("接收人数", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "办理通知"
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The sweep: unsent rows, oldest first (a small partial index; sent rows are the bulk).
            models.Index(
                fields=["created_at"], condition=Q(sent_at__isnull=True), name="event_notification_unsent_idx"
            ),
        ]

    def __str__(self):
        return f"{self.event_id} {'已发送' if self.sent_at else '待发送'}"


class DayVersion(models.Model):
    """A counter per calendar day (Asia/Shanghai), bumped by ``petitions.workflow`` in the same transaction as
    every change to a case that counts on that day: the day of its received, routed, replied or closed time,
    its reply deadline or one of its revisits, before or after the change.

    The leaders' numbers keep the counts of past months and of this month's past days
    (``dashboards.summaries``) together with the sum of their days' versions when they were counted; kept
    counts whose days have moved on since are not used. A day with no row is at version 0."""

    day = models.DateField("日期", primary_key=True)
    version = models.PositiveBigIntegerField("版本", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "统计数据版本"

    def __str__(self):
        return f"{self.day:%Y-%m-%d} v{self.version}"


# --- The public side of the documents (issue 21): the contact directory and the answers for a class of cases ---


class DirectoryEntry(models.Model):
    """联系方式公开栏: one person as the township chooses to publish them — post, duties, the villages they are
    responsible for, an office phone. A person's private mobile never appears unless the township publishes it
    as the office phone; nothing of any petitioner is here. Kept in the admin; read by ``/public/directory/``."""

    class Section(models.TextChoices):
        LEADER = "leader", "乡镇领导"
        CADRE = "cadre", "乡镇干部"
        VILLAGE = "village", "村联络员和联系干部"

    township = models.ForeignKey(
        Township, on_delete=models.CASCADE, related_name="directory_entries", verbose_name="乡镇"
    )
    section = models.CharField("栏目", max_length=10, choices=Section.choices, default=Section.CADRE)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="directory_entries",
        verbose_name="对应账号",
        help_text="可不填；公开的姓名以下方“公开姓名”为准，不填姓名时用账号的姓名。",
    )
    name = models.CharField("公开姓名", max_length=30, blank=True)
    post = models.CharField("职务", max_length=50, help_text="如：乡党委书记、民政办主任、村民情联络员。")
    duties = models.CharField("分管工作", max_length=200, blank=True)
    villages = models.ManyToManyField(
        Village, blank=True, related_name="directory_entries", verbose_name="联系（包）村"
    )
    office_phone = models.CharField(
        "办公电话", max_length=30, blank=True, help_text="只填办公电话；个人手机号只有本人同意作为办公电话时才填。"
    )
    is_published = models.BooleanField("公开", default=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "联系方式公开栏"
        ordering = ["township", "section", "sort_order", "pk"]

    def __str__(self):
        return f"{self.display_name} {self.post}"

    @property
    def display_name(self) -> str:
        if self.name:
            return self.name
        if self.user_id:
            return self.user.get_full_name() or self.user.first_name or ""
        return ""

    def clean(self):
        from django.core.exceptions import ValidationError

        if not self.name and not self.user_id:
            raise ValidationError({"name": "请填写公开姓名，或选择对应账号。"})


class PublicAnswer(models.Model):
    """公开反馈: one published answer for a class of cases (a subject in a village, say 大井村 饮水), written once by a
    leader of the township; each linked case's public notice and progress lookup show it. Written only through
    ``petitions/answers.py``, which checks who may write it and which cases may be linked."""

    township = models.ForeignKey(Township, on_delete=models.PROTECT, related_name="public_answers", verbose_name="乡镇")
    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, null=True, blank=True, related_name="public_answers", verbose_name="村"
    )
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="public_answers",
        verbose_name="诉求事项",
    )
    title = models.CharField("标题", max_length=60, help_text="如：关于大井村饮水问题的统一答复。")
    body = models.TextField("反馈内容", help_text="面向公众：问题是什么、查明的情况、怎么解决、什么时候解决。")
    petitions = models.ManyToManyField(Petition, blank=True, related_name="public_answers", verbose_name="答复的诉求")
    is_published = models.BooleanField("公开", default=True)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="撰写领导",
    )
    created_at = models.DateTimeField("撰写时间", default=timezone.now)
    updated_at = models.DateTimeField("修改时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "公开反馈"
        ordering = ["-updated_at", "-pk"]

    def __str__(self):
        return self.title
