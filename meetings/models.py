"""Meetings that decide (三级民情分析, domain.md "the working rhythm"; issue 17).

- ``MeetingKind`` 会议类型: 村两委分析会, 职能办公室月度分析会, 党政联席分析会, 民情研判会, 月排查周调度 and
  whatever the admin adds, each with its level (村/办/乡/县) and its default rhythm (weekly on a weekday,
  monthly on a day, or none), from which ``manage.py plan_meetings`` plans the coming meetings of every body.
- ``Meeting`` 民情分析会: one meeting of one body — a village, an office (a ``Department``), a township or the
  county — on a date, with its chair, secretary, attendees (accounts and free-text names) and status: planned,
  held, minutes approved (审定, then fixed).
- ``AgendaItem`` 议题: what the meeting looks at. Built when the meeting is planned from what waits at its level
  (``meetings/agenda.py``); the secretary adds cases and free-text topics and removes items. An item on a case
  keeps the case's ``version`` as it was when the item was made: a decision on a case that changed since fails.
- ``Decision`` 决定: the measure (方案), the responsible department or person, the due date; on a case it acts
  through ``petitions.workflow`` in the same transaction (``event``); without a case it is a tracked decision
  ticked off when done. The next meeting of the same body opens with them (``meetings/followup.py``).
- ``MeetingReminder``: the reminder to a meeting's chair and secretary, sent once.

Every change goes through ``meetings/services.py``; pages read through ``Meeting.objects.visible_to(scope)``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from households.models import Township, Village
from meetings.querysets import MeetingQuerySet
from petitions.models import Department, Petition, PetitionEvent


class Level(models.TextChoices):
    """Whose meeting it is (三级: 村, 办, 乡, and the county above). ``minqing.access.Scope.may_keep_meeting``
    reads these values."""

    VILLAGE = "village", "村级"
    OFFICE = "office", "办级（站所）"
    TOWNSHIP = "township", "乡镇级"
    COUNTY = "county", "县级"


class Rhythm(models.TextChoices):
    NONE = "none", "不定期"
    WEEKLY = "weekly", "每周"
    MONTHLY = "monthly", "每月"


WEEKDAYS = [(1, "周一"), (2, "周二"), (3, "周三"), (4, "周四"), (5, "周五"), (6, "周六"), (7, "周日")]


class MeetingKind(models.Model):
    name = models.CharField("名称", max_length=30, unique=True)
    level = models.CharField("会议层级", max_length=10, choices=Level.choices)
    rhythm = models.CharField("召开周期", max_length=10, choices=Rhythm.choices, default=Rhythm.NONE)
    weekday = models.PositiveSmallIntegerField("每周几召开", choices=WEEKDAYS, null=True, blank=True)
    day_of_month = models.PositiveSmallIntegerField(
        "每月几日召开", null=True, blank=True, help_text="1–28 日（每个月都有的日子）。"
    )
    plan_days_ahead = models.PositiveSmallIntegerField(
        "提前几天安排", default=7, help_text="定期会议提前几天自动安排，并生成议程。"
    )
    waiting_days = models.PositiveSmallIntegerField(
        "待批示超过几天列入议程", default=3, help_text="乡镇级会议：待批示超过这个天数的诉求列入议程。"
    )
    default_time = models.TimeField("默认开始时间", null=True, blank=True)
    default_place = models.CharField("默认地点", max_length=100, blank=True)
    is_active = models.BooleanField("启用", default=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "会议类型"
        ordering = ["sort_order", "pk"]

    def __str__(self):
        return self.name

    def clean(self):
        from django.core.exceptions import ValidationError

        errors = {}
        if self.rhythm == Rhythm.WEEKLY and not self.weekday:
            errors["weekday"] = "每周召开的会议请选择星期几。"
        if self.rhythm == Rhythm.MONTHLY and not (self.day_of_month and 1 <= self.day_of_month <= 28):
            errors["day_of_month"] = "每月召开的会议请填写 1–28 日。"
        if errors:
            raise ValidationError(errors)

    @property
    def rhythm_text(self) -> str:
        if self.rhythm == Rhythm.WEEKLY and self.weekday:
            return f"每{dict(WEEKDAYS)[self.weekday]}"
        if self.rhythm == Rhythm.MONTHLY and self.day_of_month:
            return f"每月{self.day_of_month}日"
        return "不定期"


class Meeting(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", "已安排"
        HELD = "held", "已召开"
        APPROVED = "approved", "纪要已审定"

    kind = models.ForeignKey(MeetingKind, on_delete=models.PROTECT, related_name="meetings", verbose_name="会议类型")
    level = models.CharField("会议层级", max_length=10, choices=Level.choices, editable=False)
    # The body: a village (and its committee, when one is set up), an office, a township, or the county (none).
    township = models.ForeignKey(
        Township, on_delete=models.PROTECT, null=True, blank=True, related_name="meetings", verbose_name="乡镇"
    )
    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, null=True, blank=True, related_name="meetings", verbose_name="村"
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="meetings", verbose_name="单位"
    )
    #: "village:12", "office:7", "township:3" or "county": one meeting of a kind per body and date when planned
    #: by its rhythm, and the key of "the previous meeting of the same body".
    body_key = models.CharField("会议主体", max_length=30, editable=False)
    title = models.CharField("会议名称", max_length=100)
    date = models.DateField("会议日期")
    start_time = models.TimeField("开始时间", null=True, blank=True)
    place = models.CharField("地点", max_length=100, blank=True)
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="meetings_chaired",
        verbose_name="主持人",
    )
    secretary = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="meetings_recorded",
        verbose_name="记录人",
    )
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="meetings_attended", verbose_name="参会人员"
    )
    other_attendees = models.TextField(
        "其他参会人员", blank=True, help_text="不在系统中的参会人员，如村民代表、党员代表，用顿号或换行分隔。"
    )
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PLANNED, editable=False)
    # The rhythm's day a meeting was planned for by ``plan_meetings`` (moving the meeting keeps it): one meeting of
    # a kind per body and rhythm day, however often the planning runs. Empty for a meeting planned by hand.
    rhythm_date = models.DateField("周期日期", null=True, blank=True, editable=False)
    summary = models.TextField("会议综述", blank=True, help_text="纪要开头的总体情况，可不填。")
    previous = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="上次会议"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="安排人",
    )
    created_at = models.DateTimeField("安排时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    held_at = models.DateTimeField("确认召开时间", null=True, blank=True, editable=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="纪要审定人",
        editable=False,
    )
    approved_at = models.DateTimeField("纪要审定时间", null=True, blank=True, editable=False)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "民情分析会"
        ordering = ["date", "start_time", "pk"]
        constraints = [
            # plan_meetings runs daily (and may run twice): one meeting of a kind per body and rhythm day.
            models.UniqueConstraint(
                fields=["kind", "body_key", "rhythm_date"],
                condition=Q(rhythm_date__isnull=False),
                name="meeting_once_per_rhythm_date",
            ),
        ]
        indexes = [
            # The month's calendar and the leader's "not held by its date": date ranges within a township.
            models.Index(fields=["township", "date"], name="meeting_township_date_idx"),
            # The previous meeting of the same body: body_key = … AND kind = … AND date < … ORDER BY date DESC.
            models.Index(fields=["body_key", "kind", "date"], name="meeting_body_kind_date_idx"),
        ]

    def __str__(self):
        return self.title

    STATUS_COLOURS = {"planned": "secondary", "held": "primary", "approved": "success"}

    @property
    def status_colour(self) -> str:
        return self.STATUS_COLOURS.get(self.status, "secondary")

    def not_held_by(self, today) -> bool:
        """Planned and its day has passed: the leader's desk lists it (未按期召开)."""
        return self.status == self.Status.PLANNED and self.date < today

    @property
    def is_fixed(self) -> bool:
        """Minutes approved by the chair: nothing of the meeting changes any more."""
        return self.status == self.Status.APPROVED

    @property
    def body_name(self) -> str:
        if self.level == Level.VILLAGE and self.village_id:
            return self.village.name
        if self.level == Level.OFFICE and self.department_id:
            return self.department.name if self.township_id is None else f"{self.township.name}{self.department.name}"
        if self.township_id:
            return self.township.name
        return "县级"

    @property
    def other_attendee_names(self) -> list[str]:
        import re

        return [name for name in re.split(r"[、，,;；\s]+", self.other_attendees or "") if name]


class AgendaItem(models.Model):
    class Source(models.TextChoices):
        FOLLOW_UP = "follow_up", "上次会议决定事项"
        TRIAGE = "triage", "待村处理"
        WAITING = "waiting", "待批示超期"
        OVERDUE = "overdue", "超期未办结"
        SUPERVISED = "supervised", "督办事项"
        OPEN = "open", "在办诉求"
        HOTSPOT = "hotspot", "热点问题"
        CONTACT_REPORTS = "contact_reports", "民情联系户走访情况"
        ADDED = "added", "会上增加的诉求"
        TOPIC = "topic", "其他议题"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items", verbose_name="会议")
    position = models.PositiveIntegerField("序号", default=0)
    source = models.CharField("来源", max_length=20, choices=Source.choices)
    petition = models.ForeignKey(
        Petition, on_delete=models.PROTECT, null=True, blank=True, related_name="agenda_items", verbose_name="诉求"
    )
    # The case's version when the item was made (or reloaded): a decision compares it (compare-and-set).
    petition_version = models.PositiveIntegerField("诉求版本", null=True, blank=True, editable=False)
    # A topic's heading and notes; a case is shown from the case itself, to whom may see it.
    title = models.CharField("议题", max_length=200, blank=True)
    detail = models.TextField("说明", blank=True)
    previous_decision = models.ForeignKey(
        "Decision",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="follow_ups",
        verbose_name="上次会议的决定",
    )
    removed = models.BooleanField("已移出议程", default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("加入时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "会议议题"
        ordering = ["meeting", "position", "pk"]
        constraints = [
            # A case is on a meeting's agenda once (removing and adding it again restores the item).
            models.UniqueConstraint(fields=["meeting", "petition"], name="agenda_item_case_once"),
            models.UniqueConstraint(fields=["meeting", "previous_decision"], name="agenda_item_follow_up_once"),
        ]

    def __str__(self):
        return self.title or (self.petition.tracking_number if self.petition_id else "议题")

    @property
    def is_follow_up(self) -> bool:
        return self.source == self.Source.FOLLOW_UP


class DecisionAction(models.TextChoices):
    """What a decision does. On a case, the values are ``petitions.choices.Action`` values: the workflow's table
    says who may take each (``petitions.workflow.can``)."""

    TRACK = "track", "限期落实"
    MEETING_DECISION = "meeting_decision", "研究决定"
    ROUTE = "route", "交办"
    HAND_UP = "hand_up", "移交县直单位"
    SUPERVISE = "supervise", "督办"
    SETTLE_IN_VILLAGE = "settle_in_village", "在村化解"
    SEND_UP = "send_up", "上报乡镇"


class Decision(models.Model):
    """决定: one per agenda item (follow-up items excepted)."""

    item = models.OneToOneField(AgendaItem, on_delete=models.CASCADE, related_name="decision", verbose_name="议题")
    action = models.CharField("决定事项", max_length=20, choices=DecisionAction.choices)
    measure = models.TextField("方案（措施）")
    analysis = models.TextField("分析意见", blank=True)
    owner_department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meeting_decisions",
        verbose_name="责任单位",
    )
    owner_name = models.CharField("责任人", max_length=100, blank=True)
    due_on = models.DateField("完成期限")
    # The case's event the decision wrote (经…研究), for a decision on a case.
    event = models.OneToOneField(
        PetitionEvent,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meeting_decision",
        verbose_name="办理记录",
        editable=False,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="记录人"
    )
    decided_at = models.DateTimeField("记录时间", auto_now_add=True)
    # A tracked decision (no case) is ticked off when done (完成一项、销号一项).
    completed_on = models.DateField("完成日期", null=True, blank=True)
    completed_note = models.TextField("完成情况", blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = verbose_name_plural = "会议决定"
        ordering = ["item__meeting", "item__position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(owner_department__isnull=False) | ~Q(owner_name=""), name="decision_has_an_owner"
            ),
        ]

    def __str__(self):
        return f"{self.get_action_display()}：{self.measure[:30]}"

    @property
    def owner(self) -> str:
        return "、".join(
            part for part in (self.owner_department.name if self.owner_department_id else "", self.owner_name) if part
        )


class MeetingReminder(models.Model):
    """The reminder of a coming meeting to its chair and secretary: written by the daily scan, claimed by
    compare-and-set on ``sent_at IS NULL`` (as ``petitions.Reminder``), so it is sent once."""

    class Kind(models.TextChoices):
        UPCOMING = "upcoming", "会议提醒"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="reminders", verbose_name="会议")
    kind = models.CharField("提醒类型", max_length=20, choices=Kind.choices, default=Kind.UPCOMING)
    created_at = models.DateTimeField("发现时间", auto_now_add=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    recipients = models.PositiveSmallIntegerField("接收人数", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "会议提醒"
        constraints = [models.UniqueConstraint(fields=["meeting", "kind"], name="meeting_reminder_once")]

    def __str__(self):
        return f"{self.meeting_id} {self.get_kind_display()}"
