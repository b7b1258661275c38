"""The ledger: townships, villages, village groups, households, people and their tags (domain.md).

One installation serves a county (县 → 乡镇 → 村): each ``Township`` has its own center, villages, departments,
tracking numbers and public board; its staff see only their township (minqing.access).
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from households.idcard import validate_id_number
from households.phones import validate_phone
from households.querysets import HouseholdQuerySet, PersonQuerySet, VillageQuerySet


class Township(models.Model):
    """乡镇: a township center (乡镇民情信息中心) of the county, with its villages and departments."""

    name = models.CharField("乡镇名称", max_length=50, unique=True)
    code = models.CharField(
        "简码",
        max_length=6,
        unique=True,
        validators=[RegexValidator(r"^[A-Z]{1,6}$", "简码为1至6个大写字母，如 DX。")],
        help_text="公示栏网址中使用，如 /public/DX/；1至6个大写字母。",
    )
    number_prefix = models.CharField(
        "受理编号前缀",
        max_length=8,
        unique=True,
        validators=[RegexValidator(r"^[A-Z]{2,8}$", "前缀为2至8个大写字母，如 MQDX。")],
        help_text="受理编号的字母部分，如 MQDX → MQDX202611-0042。各乡镇不同，编号永不重复。",
    )
    center_name = models.CharField("中心名称", max_length=50, help_text="如 鼎新乡民情信息中心")
    hotline = models.CharField("咨询电话", max_length=30, blank=True)
    address = models.CharField("中心地址", max_length=100, blank=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)
    # The township's own staff (center staff and leaders); liaisons and department staff belong through their
    # villages and departments (minqing.access.scope_for).
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="乡镇工作人员", related_name="townships", blank=True
    )

    class Meta:
        verbose_name = verbose_name_plural = "乡镇"
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.name


def county_center_name() -> str:
    """The county center's name (县民情中心), from the installation's county (settings.MINQING COUNTY_NAME)."""
    return f"{settings.MINQING['COUNTY_NAME']}民情中心"


def center_name_for(scope) -> str:
    """Whose name heads a page or a print for ``scope``: its township's center, or the county's for a reader of
    several townships."""
    if scope.sees_every_township or len(scope.township_ids) != 1:
        return county_center_name()
    return Township.objects.filter(pk__in=scope.township_ids).values_list("center_name", flat=True).first() or ""


class Village(models.Model):
    township = models.ForeignKey(Township, on_delete=models.PROTECT, related_name="villages", verbose_name="乡镇")
    name = models.CharField("村名", max_length=50)
    code = models.CharField("统计用区划代码", max_length=12, blank=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)
    # A village's liaisons (村联络员) are kept with the village (style.md B1).
    liaisons = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name="村联络员",
        related_name="liaison_villages",
        blank=True,
    )

    objects = VillageQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "村"
        ordering = ["sort_order", "name"]
        constraints = [models.UniqueConstraint(fields=["township", "name"], name="village_name_per_township")]

    def __str__(self):
        return self.name


class Group(models.Model):
    """村民小组 inside a village."""

    village = models.ForeignKey(Village, on_delete=models.CASCADE, related_name="groups", verbose_name="村")
    name = models.CharField("村民小组", max_length=50)

    class Meta:
        verbose_name = verbose_name_plural = "村民小组"
        ordering = ["village__sort_order", "name"]
        constraints = [models.UniqueConstraint(fields=["village", "name"], name="group_unique_per_village")]

    def __str__(self):
        return f"{self.village.name}{self.name}"

    def clean(self):
        """One group per meaning in a village: 第一组 beside 1组 is refused (cleaning.group_key)."""
        from households.cleaning import group_key

        if not self.village_id or not self.name:
            return
        key = group_key(self.name)
        for other in Group.objects.filter(village_id=self.village_id).exclude(pk=self.pk).only("name"):
            if group_key(other.name) == key:
                raise ValidationError({"name": f"本村已有“{other.name}”，与“{self.name}”是同一个村民小组。"})


class Tag(models.Model):
    """户类别 / 人员类别. Sensitive tags (低保, 特困, 残疾, 监测户 …) are shown only to staff who need them."""

    class Kind(models.TextChoices):
        HOUSEHOLD = "household", "户类别"
        PERSON = "person", "人员类别"

    name = models.CharField("名称", max_length=30)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    sensitive = models.BooleanField("敏感信息", default=False)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "类别标签"
        ordering = ["kind", "sort_order", "name"]
        constraints = [models.UniqueConstraint(fields=["kind", "name"], name="tag_unique_per_kind")]

    def __str__(self):
        return self.name


class Household(models.Model):
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="households", verbose_name="村")
    group = models.ForeignKey(
        Group,
        on_delete=models.PROTECT,
        related_name="households",
        verbose_name="村民小组",
        null=True,
        blank=True,
    )
    household_no = models.CharField("户号", max_length=30)
    head_name = models.CharField("户主姓名", max_length=50)
    head_id_number = models.CharField(
        "户主身份证号",
        max_length=18,
        null=True,
        blank=True,
        unique=True,
        validators=[validate_id_number],
        error_messages={"unique": "这个身份证号已登记为另一户的户主。"},
    )
    phone = models.CharField("联系电话", max_length=20, blank=True, validators=[validate_phone])
    address = models.CharField("家庭住址", max_length=200, blank=True)
    size = models.PositiveSmallIntegerField("家庭人口", null=True, blank=True)
    # Any tag may be put on a household (real ledgers list 留守老人 or 残疾人 under 户类别); Tag.kind says
    # where a tag is offered first.
    tags = models.ManyToManyField(Tag, verbose_name="户类别", related_name="households", blank=True)
    # The cadre who keeps contact with the household (联系干部, 民情联系户).
    contact_cadre = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contact_households",
        verbose_name="联系干部",
    )
    notes = models.TextField("备注", blank=True)
    created_at = models.DateTimeField("建档时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "户"
        # The unique (village, household_no) index below serves this ordering: no join, no sort.
        ordering = ["village_id", "household_no"]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "household_no"],
                name="household_unique_no_per_village",
                violation_error_message="本村已有这个户号。",
            ),
            models.CheckConstraint(condition=~Q(head_id_number=""), name="household_head_id_null_not_blank"),
        ]
        indexes = [
            # The ledger list: ordered by household number inside a village.
            models.Index(fields=["household_no"], name="household_no_idx"),
            # The search box and the intake page's type-ahead look up head names and phones.
            models.Index(fields=["head_name"], name="household_head_name_idx"),
            models.Index(fields=["phone"], name="household_phone_idx"),
        ]

    def __str__(self):
        return f"{self.village.name} {self.household_no} {self.head_name}"

    def get_absolute_url(self):
        return reverse("households:detail", args=[self.pk])

    def has_sensitive_tags(self) -> bool:
        """Does the household, or one of its members, carry a sensitive tag? (one query)"""
        return Tag.objects.filter(Q(households=self) | Q(people__household=self), sensitive=True).exists()


class Person(models.Model):
    class Relation(models.TextChoices):
        HEAD = "户主", "户主"
        SPOUSE = "配偶", "配偶"
        CHILD = "子女", "子女"
        PARENT = "父母", "父母"
        GRANDCHILD = "孙子女", "孙子女"
        GRANDPARENT = "祖父母", "祖父母"
        SIBLING = "兄弟姐妹", "兄弟姐妹"
        CHILD_IN_LAW = "儿媳/女婿", "儿媳/女婿"
        OTHER = "其他", "其他"

    class Sex(models.TextChoices):
        MALE = "M", "男"
        FEMALE = "F", "女"

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="members", verbose_name="户")
    name = models.CharField("姓名", max_length=50)
    relation = models.CharField("与户主关系", max_length=10, choices=Relation.choices, default=Relation.OTHER)
    id_number = models.CharField(
        "身份证号",
        max_length=18,
        null=True,
        blank=True,
        unique=True,
        validators=[validate_id_number],
        error_messages={"unique": "这个身份证号已登记为另一位家庭成员。"},
    )
    sex = models.CharField("性别", max_length=1, choices=Sex.choices, blank=True)
    birth_date = models.DateField("出生日期", null=True, blank=True)
    phone = models.CharField("联系电话", max_length=20, blank=True, validators=[validate_phone])
    tags = models.ManyToManyField(Tag, verbose_name="人员类别", related_name="people", blank=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "家庭成员"
        ordering = ["household_id", "pk"]
        indexes = [models.Index(fields=["name"], name="person_name_idx")]
        constraints = [models.CheckConstraint(condition=~Q(id_number=""), name="person_id_number_null_not_blank")]

    def __str__(self):
        return self.name


class HouseholdEvent(models.Model):
    """One line of the ledger's own history of a household (一事一记), append-only.

    Written only by households.services and the importer; read by households.timeline. The note never
    names a tag (tags may be sensitive), only which fields changed.
    """

    class Action(models.TextChoices):
        CREATED = "created", "建档"
        UPDATED = "updated", "修改户信息"
        MEMBER_ADDED = "member_added", "新增家庭成员"
        MEMBER_UPDATED = "member_updated", "修改家庭成员"
        MEMBER_REMOVED = "member_removed", "删除家庭成员"
        CONTACT_CHANGED = "contact_changed", "调整联系干部"
        HEAD_CHANGED = "head_changed", "变更户主"

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="events", verbose_name="户")
    action = models.CharField("事项", max_length=20, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="操作人",
    )
    # Copied at write time so the history survives a renamed or deleted account.
    actor_name = models.CharField("操作人", max_length=150, blank=True)
    created_at = models.DateTimeField("时间", default=timezone.now)
    note = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "户籍变动记录"
        ordering = ["-created_at", "-pk"]
        # The household page's timeline: one household's events, newest first.
        indexes = [models.Index(fields=["household", "-created_at"], name="household_event_timeline_idx")]

    def __str__(self):
        return f"{self.household_id} {self.get_action_display()}"


class SensitiveAccessLog(models.Model):
    """Who saw a household's sensitive data (低保, 特困, 残疾, 监测户 …), and when. Read by admins."""

    class Action(models.TextChoices):
        VIEW = "view", "查看户页"
        EDIT = "edit", "打开编辑"
        FILTER = "filter", "按敏感类别筛选"
        EXPORT = "export", "导出台账"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="查看人"
    )
    user_name = models.CharField("查看人", max_length=150)
    household = models.ForeignKey(
        Household,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sensitive_access",
        verbose_name="户",
    )
    action = models.CharField("方式", max_length=10, choices=Action.choices)
    note = models.CharField("说明", max_length=300, blank=True)
    created_at = models.DateTimeField("时间", default=timezone.now, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "敏感信息查看记录"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.user_name} {self.get_action_display()} {self.created_at:%Y-%m-%d %H:%M}"


def import_path(instance, filename: str) -> str:
    # A random name: MEDIA_ROOT may be on a web server's path, the name must not be guessable.
    return f"imports/{uuid.uuid4().hex}.xlsx"


class HouseholdImport(models.Model):
    """One Excel import started from the import page: the uploaded file and its two runs in the background,
    the check (``stage`` preview: what would happen) and, once the clerk confirms, the import (``stage``
    apply). Each run's ``status`` moves pending → running → ready / failed by a compare-and-set in
    households.services, as the monthly report's does. A running row writes ``progress`` and ``heartbeat_at``
    as it goes, so a worker that died mid-run can be told from a slow one (``started_at``, ``heartbeat_at``).
    The uploaded file is removed once imported, cancelled or failed, and by beat once the preview is left.
    """

    class Stage(models.TextChoices):
        PREVIEW = "preview", "检查"
        APPLY = "apply", "导入"

    class Status(models.TextChoices):
        PENDING = "pending", "排队中"
        RUNNING = "running", "进行中"
        READY = "ready", "已完成"
        FAILED = "failed", "失败"
        CANCELLED = "cancelled", "已取消"

    original_name = models.CharField("原文件名", max_length=200)
    file = models.FileField("文件", upload_to=import_path, blank=True, max_length=200)
    stage = models.CharField("阶段", max_length=10, choices=Stage.choices, default=Stage.PREVIEW)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField("进度（%）", default=0)
    replace_conflicts = models.BooleanField("替换冲突的户主", default=False)
    # The township the ledger goes into: a ledger names its villages, and two townships may share a 和平村.
    township = models.ForeignKey(
        Township, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name="乡镇"
    )
    # households.import_report.ImportReport.as_dict() of the last run: what the page shows.
    report = models.JSONField("结果", default=dict, blank=True)
    error = models.TextField("失败原因", blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="上传人",
    )
    created_at = models.DateTimeField("上传时间", default=timezone.now)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    heartbeat_at = models.DateTimeField("最近进展时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "户籍台账导入"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="household_import_progress_le_100"),
        ]

    def __str__(self):
        return f"{self.original_name}（{self.get_stage_display()}{self.get_status_display()}）"

    @property
    def is_busy(self) -> bool:
        return self.status in (self.Status.PENDING, self.Status.RUNNING)

    @property
    def is_applied(self) -> bool:
        return self.stage == self.Stage.APPLY and self.status == self.Status.READY

    @property
    def awaits_confirmation(self) -> bool:
        return self.stage == self.Stage.PREVIEW and self.status == self.Status.READY

    @property
    def can_confirm(self) -> bool:
        """Checked, without a bad row, and it would write something (or replace a head)."""
        report = self.report or {}
        writes = sum(report.get(sheet, {}).get(n, 0) for sheet in ("households", "members") for n in ("new", "updated"))
        return self.awaits_confirmation and not report.get("problem_count") and bool(writes or report.get("conflicts"))
