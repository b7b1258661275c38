"""Lists that close (清单 + 闭环, domain.md): everything sits on a list that is ticked off.

- ``Item`` 清单事项: a matter heard on a visit, a sweep or a meeting, with an owner and a due date, ticked off
  when done (完成一项、销号一项), given a deadline (限时办结), turned into a case, or closed with a note.
- ``LedgerItem`` 挂帐督办: a serious problem on the supervision ledger, followed with a cadence (每周一问、半月一查、
  每月一调度); each cadence step is a ``LedgerRequest`` the responsible unit answers in writing, until a leader
  strikes the item off (销帐) with its outcome. ``LedgerEvent`` is its history.
- ``Sweep`` 排查: a campaign grouping its visits and items, with coverage per village and per tag.
- ``Sign`` 苗头隐患: an early sign with no petitioner, watched with review dates (``SignReview``).
- ``Bulletin`` 通报: a monthly inspection, quarterly bulletin or half-year review; fixed once issued.

Every status change goes through ``lists.services`` (compare-and-set on the old status).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone

from households.models import Household, Tag, Township, Village
from petitions.models import Department, Petition

# --- Sweeps (排查) -----------------------------------------------------------------------------------------


class Sweep(models.Model):
    class Kind(models.TextChoices):
        MONTHLY = "monthly", "月排查"
        FESTIVAL = "festival", "节前排查"
        SENSITIVE = "sensitive", "敏感期排查"
        JOINT = "joint", "联合排查"
        SPECIAL = "special", "专项排查"
        BLANKET = "blanket", "地毯式排查"

    class Status(models.TextChoices):
        OPEN = "open", "进行中"
        CLOSED = "closed", "已结束"

    township = models.ForeignKey(Township, on_delete=models.PROTECT, related_name="sweeps", verbose_name="乡镇")
    kind = models.CharField("排查类型", max_length=12, choices=Kind.choices, default=Kind.MONTHLY)
    name = models.CharField("名称", max_length=100)
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期")
    villages = models.ManyToManyField(Village, related_name="sweeps", verbose_name="排查村")
    team = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="sweeps", verbose_name="排查人员", blank=True)
    # 六应访: households with any of these tags must all be visited.
    tags = models.ManyToManyField(Tag, related_name="sweeps", verbose_name="应访户类别", blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OPEN)
    summary = models.TextField("排查总结", blank=True)
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sweeps_created", verbose_name="创建人"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "排查"
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")), name="sweep_period_order"),
        ]

    def __str__(self):
        return self.name


# --- Findings checklist (清单) -------------------------------------------------------------------------------


class ItemQuerySet(models.QuerySet):
    def visible_to(self, scope):
        """The center and the county: their townships' items; a liaison: the items of their villages and their own;
        an office's staff: their departments' items and their own."""
        if scope.reads_townships:
            return self.filter(scope.townships_q("township"))
        q = models.Q(owner_id=scope.user_id) if scope.user_id else models.Q(pk__in=[])
        if scope.is_liaison:
            q |= models.Q(village_id__in=scope.village_ids)
        if scope.is_handler:
            q |= models.Q(department_id__in=scope.department_ids)
        return self.filter(q) if (scope.is_liaison or scope.is_handler) else self.none()

    def pending(self):
        return self.filter(status__in=Item.PENDING)

    def overdue(self, today: dt.date | None = None):
        return self.pending().filter(due_date__lt=today or timezone.localdate())


class Item(models.Model):
    class Source(models.TextChoices):
        VISIT = "visit", "走访"
        SWEEP = "sweep", "排查"
        MEETING = "meeting", "会议"
        OTHER = "other", "其他"

    class Status(models.TextChoices):
        OPEN = "open", "待办"
        ASSIGNED = "assigned", "限时办结"
        ON_SPOT = "on_spot", "当场解决"
        DONE = "done", "已办结"
        CASE = "case", "已转诉求"
        CLOSED = "closed", "已销号（附说明）"

    PENDING = (Status.OPEN, Status.ASSIGNED)

    text = models.TextField("事项")
    township = models.ForeignKey(Township, on_delete=models.PROTECT, related_name="items", verbose_name="乡镇")
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="items", verbose_name="村")
    household = models.ForeignKey(
        Household, on_delete=models.SET_NULL, null=True, blank=True, related_name="items", verbose_name="农户"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="items", verbose_name="责任人"
    )
    # An office's items (职能办公室的清单): the office responsible, besides the person.
    department = models.ForeignKey(
        Department, on_delete=models.SET_NULL, null=True, blank=True, related_name="items", verbose_name="责任单位"
    )
    heard_on = models.DateField("发现日期")
    due_date = models.DateField("完成时限")
    source = models.CharField("来源", max_length=10, choices=Source.choices, default=Source.OTHER)
    visit = models.ForeignKey(
        "visits.Visit", on_delete=models.SET_NULL, null=True, blank=True, related_name="items", verbose_name="走访记录"
    )
    sweep = models.ForeignKey(
        Sweep, on_delete=models.SET_NULL, null=True, blank=True, related_name="items", verbose_name="排查"
    )
    meeting = models.ForeignKey(
        "meetings.Meeting",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="checklist_items",
        verbose_name="会议",
    )
    # The case this item became (both ways: ``petition.checklist_item``).
    petition = models.OneToOneField(
        Petition,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="checklist_item",
        verbose_name="转办诉求",
    )
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OPEN)
    note = models.TextField("办理说明", blank=True)
    finished_at = models.DateTimeField("销号时间", null=True, blank=True)
    finished_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="items_finished",
        verbose_name="销号人",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="items_created", verbose_name="登记人"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = ItemQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "清单事项"
        ordering = ["due_date", "pk"]
        indexes = [
            # 我的清单: owner_id = … AND status IN (open, assigned), soonest first; and the desk's overdue items.
            models.Index(fields=["owner", "status", "due_date"], name="item_owner_status_due_idx"),
            # A village's (a liaison's) list and a township's.
            models.Index(fields=["village", "status", "due_date"], name="item_village_status_due_idx"),
            models.Index(fields=["township", "status", "due_date"], name="item_township_status_due_idx"),
        ]
        constraints = [
            # An item is not due before it was heard.
            models.CheckConstraint(condition=models.Q(due_date__gte=models.F("heard_on")), name="item_due_after_heard"),
        ]

    def __str__(self):
        return self.text[:40]

    @property
    def is_pending(self) -> bool:
        return self.status in self.PENDING

    def is_overdue(self, today: dt.date | None = None) -> bool:
        return self.is_pending and self.due_date < (today or timezone.localdate())


# --- Supervision ledger (挂帐督办台账) -----------------------------------------------------------------------


class LedgerItemQuerySet(models.QuerySet):
    def visible_to(self, scope):
        """The center and the county: their townships' items (the county: all); an office's staff: their unit's."""
        if scope.sees_every_township:
            return self.all()
        if scope.reads_townships:
            return self.filter(township_id__in=scope.township_ids)
        if scope.is_handler:
            return self.filter(unit_id__in=scope.department_ids)
        return self.none()


class LedgerItem(models.Model):
    class Status(models.TextChoices):
        ON = "on", "在帐"
        STRUCK = "struck", "已销帐"

    # The township the problem belongs to; None for a county unit's problem put on by the county.
    township = models.ForeignKey(
        Township, on_delete=models.PROTECT, null=True, blank=True, related_name="ledger_items", verbose_name="乡镇"
    )
    title = models.CharField("督办事项", max_length=200)
    description = models.TextField("问题情况", blank=True)
    petitions = models.ManyToManyField(Petition, related_name="ledger_items", verbose_name="关联诉求", blank=True)
    unit = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="ledger_items", verbose_name="责任单位")
    due_date = models.DateField("办结时限")
    started_on = models.DateField("挂帐日期")
    # The cadence, each step configurable per item.
    weekly_ask = models.BooleanField("每周一问", default=True)
    halfmonth_check = models.BooleanField("半月一查", default=True)
    monthly_dispatch = models.BooleanField("每月一调度", default=True)
    answer_days = models.PositiveSmallIntegerField("回复期限（天）", default=3)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.ON)
    put_on_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ledger_items_put_on", verbose_name="挂帐人"
    )
    put_on_at = models.DateTimeField("挂帐时间", default=timezone.now)
    struck_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_items_struck",
        verbose_name="销帐人",
    )
    struck_at = models.DateTimeField("销帐时间", null=True, blank=True)
    outcome = models.TextField("办理结果", blank=True)

    objects = LedgerItemQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "挂帐督办事项"
        ordering = ["due_date", "pk"]
        indexes = [models.Index(fields=["status", "township"], name="ledger_status_township_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="struck") | ~models.Q(outcome=""), name="ledger_struck_has_outcome"
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def cadence(self) -> str:
        """督办方式 in words: "每周一问、每月一调度，3天内书面回复"."""
        steps = (self.weekly_ask, self.halfmonth_check, self.monthly_dispatch)
        kinds = [label for on, label in zip(steps, LedgerRequest.Kind.labels, strict=True) if on]
        return f"{'、'.join(kinds)}，{self.answer_days}天内书面回复"


class LedgerRequest(models.Model):
    """One cadence step: a written request to the unit, answered once (督办回复: 进展、困难、下步打算)."""

    class Kind(models.TextChoices):
        WEEKLY = "weekly", "每周一问"
        HALFMONTH = "halfmonth", "半月一查"
        MONTHLY = "monthly", "每月一调度"

    item = models.ForeignKey(LedgerItem, on_delete=models.CASCADE, related_name="requests", verbose_name="督办事项")
    kind = models.CharField("督办方式", max_length=10, choices=Kind.choices)
    step_on = models.DateField("督办日期")
    answer_by = models.DateField("回复期限")
    created_at = models.DateTimeField("发出时间", default=timezone.now)
    notified_at = models.DateTimeField("提醒时间", null=True, blank=True)
    answered_at = models.DateTimeField("回复时间", null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_answers",
        verbose_name="回复人",
    )
    progress = models.TextField("工作进展", blank=True)
    obstacles = models.TextField("存在困难", blank=True)
    next_step = models.TextField("下步打算", blank=True)
    escalated_at = models.DateTimeField("逾期上报时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "督办请求"
        ordering = ["step_on", "kind", "pk"]
        constraints = [
            # Each cadence step once, however often the daily task runs.
            models.UniqueConstraint(fields=["item", "kind", "step_on"], name="ledger_request_once_per_step"),
        ]
        indexes = [
            # The overdue answers: answered_at IS NULL AND answer_by < today.
            models.Index(fields=["answered_at", "answer_by"], name="ledger_request_open_idx"),
        ]

    def __str__(self):
        return f"{self.item} {self.get_kind_display()} {self.step_on}"

    def is_overdue(self, today: dt.date | None = None) -> bool:
        return self.answered_at is None and self.answer_by < (today or timezone.localdate())


class LedgerEvent(models.Model):
    """The ledger item's history (挂帐、回复、逾期上报、销帐): append-only."""

    item = models.ForeignKey(LedgerItem, on_delete=models.CASCADE, related_name="events", verbose_name="督办事项")
    action = models.CharField("动作", max_length=20)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    actor_name = models.CharField("操作人", max_length=150, blank=True)
    at = models.DateTimeField("时间", default=timezone.now)
    note = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "督办记录"
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.item} {self.action}"


# --- Early signs (苗头隐患) ----------------------------------------------------------------------------------


class SignQuerySet(models.QuerySet):
    def visible_to(self, scope):
        if scope.reads_townships:
            return self.filter(scope.townships_q("township"))
        if scope.is_liaison:
            return self.filter(models.Q(village_id__in=scope.village_ids) | models.Q(watcher_id=scope.user_id))
        return self.none()


class Sign(models.Model):
    class Risk(models.TextChoices):
        LOW = "low", "一般"
        MEDIUM = "medium", "较大"
        HIGH = "high", "重大"

    class Status(models.TextChoices):
        WATCHING = "watching", "关注中"
        RAISED = "raised", "已转诉求"
        CLOSED = "closed", "已消除"

    township = models.ForeignKey(Township, on_delete=models.PROTECT, related_name="signs", verbose_name="乡镇")
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="signs", verbose_name="村")
    households = models.ManyToManyField(Household, related_name="signs", verbose_name="涉及农户", blank=True)
    risk = models.CharField("风险等级", max_length=10, choices=Risk.choices, default=Risk.LOW)
    seen = models.TextField("苗头隐患情况")
    watcher = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="signs_watched", verbose_name="稳控责任人"
    )
    next_review = models.DateField("下次研判日期")
    reminded_for = models.DateField("已提醒的研判日期", null=True, blank=True, editable=False)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.WATCHING)
    petition = models.OneToOneField(
        Petition, on_delete=models.SET_NULL, null=True, blank=True, related_name="sign", verbose_name="转办诉求"
    )
    close_note = models.TextField("消除说明", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="signs_created", verbose_name="登记人"
    )
    created_at = models.DateTimeField("登记时间", default=timezone.now)

    objects = SignQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "苗头隐患"
        ordering = ["next_review", "pk"]

    def __str__(self):
        return self.seen[:40]


class SignReview(models.Model):
    sign = models.ForeignKey(Sign, on_delete=models.CASCADE, related_name="reviews", verbose_name="苗头隐患")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name="研判人")
    at = models.DateTimeField("研判时间", default=timezone.now)
    note = models.TextField("研判情况")
    risk = models.CharField("风险等级", max_length=10, choices=Sign.Risk.choices)
    next_review = models.DateField("下次研判日期", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "研判记录"
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.sign} {self.at:%Y-%m-%d}"


# --- Bulletins (通报) ---------------------------------------------------------------------------------------


class Bulletin(models.Model):
    class Kind(models.TextChoices):
        MONTHLY = "monthly", "月度督查"
        QUARTERLY = "quarterly", "季度通报"
        HALFYEAR = "halfyear", "半年讲评"

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        ISSUED = "issued", "已印发"

    # None: the county's bulletin over every township.
    township = models.ForeignKey(
        Township, on_delete=models.PROTECT, null=True, blank=True, related_name="bulletins", verbose_name="乡镇"
    )
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    period_start = models.DateField("起始日期")
    period_end = models.DateField("截止日期")
    content = models.JSONField("内容", default=dict)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    built_at = models.DateTimeField("生成时间", default=timezone.now)
    issued_at = models.DateTimeField("印发时间", null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, verbose_name="印发人"
    )

    class Meta:
        verbose_name = verbose_name_plural = "通报"
        ordering = ["-period_start", "kind", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["township", "kind", "period_start"], name="bulletin_once_per_period"),
        ]

    def __str__(self):
        place = self.township.name if self.township_id else "全县"
        return f"{place}{self.get_kind_display()}（{self.period_start:%Y-%m-%d}至{self.period_end:%Y-%m-%d}）"
