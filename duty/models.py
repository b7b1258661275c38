"""Rotas (值班表) and the mailbox (民意信箱): who is on which post of a township on a day, the swaps, and each box's
openings. "Who is on duty" is answered by ``duty.rota`` only; writes go through ``duty.services``."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from households.models import Township
from minqing.roles import Role

WEEKDAYS = [(0, "周一"), (1, "周二"), (2, "周三"), (3, "周四"), (4, "周五"), (5, "周六"), (6, "周日")]
#: The most people one post may hold per day (the grid shows this many selects at most).
MAX_CAPACITY = 6


class Post(models.Model):
    """值班岗位: a post of the rota, the same in every township; the admin may add more (``code`` is what code asks
    for: the four seeded posts' codes are constants below)."""

    LEADER = "leader_on_duty"  # 带班领导, also the leader's 接访日
    DESK = "desk"  # 座班接待
    HOTLINE = "hotline"  # 民心电话值守
    NIGHT = "night_visit"  # 夜访值班

    code = models.SlugField("代码", max_length=30, unique=True)
    name = models.CharField("岗位名称", max_length=20, unique=True)
    capacity = models.PositiveSmallIntegerField(
        "每日人数",
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_CAPACITY)],
        help_text=f"每天最多安排几人（1至{MAX_CAPACITY}）；为1时只能安排一人。",
    )
    role = models.CharField(
        "担任角色",
        max_length=20,
        choices=Role.choices,
        blank=True,
        help_text="只有该角色可以担任；不填则本乡镇工作人员均可。",
    )
    description = models.CharField("说明", max_length=100, blank=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "值班岗位"
        ordering = ["sort_order", "pk"]

    def __str__(self):
        return self.name


class RotaEntry(models.Model):
    """One person on one post of a township on one day. ``slot`` numbers the people of a post's day from 0; the
    two constraints keep a post's day within its capacity (slots < capacity) and a person on it once, whatever
    two planners save at the same moment."""

    township = models.ForeignKey(Township, on_delete=models.CASCADE, related_name="rota_entries", verbose_name="乡镇")
    date = models.DateField("日期")
    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="entries", verbose_name="岗位")
    slot = models.PositiveSmallIntegerField("序号", default=0)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="rota_entries", verbose_name="值班人员"
    )
    planned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="排班人"
    )
    planned_at = models.DateTimeField("排班时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "值班安排"
        ordering = ["date", "post__sort_order", "slot"]
        constraints = [
            models.UniqueConstraint(fields=["township", "date", "post", "slot"], name="rota_slot_once"),
            models.UniqueConstraint(fields=["township", "date", "post", "user"], name="rota_person_once"),
        ]
        # "Who is on duty in T on D" (duty.rota) and a month's grid both read by township and date.
        indexes = [models.Index(fields=["township", "date"], name="rota_township_date")]

    def __str__(self):
        return f"{self.date} {self.post} {self.user}"


class Swap(models.Model):
    """换班: ``from_user`` handed a day's post to ``to_user``; the rota entry now names ``to_user``."""

    township = models.ForeignKey(Township, on_delete=models.CASCADE, related_name="rota_swaps", verbose_name="乡镇")
    date = models.DateField("日期")
    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="swaps", verbose_name="岗位")
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="原值班人"
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="替班人"
    )
    reason = models.CharField("换班原因", max_length=200)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="登记人"
    )
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "换班记录"
        ordering = ["-date", "-pk"]

    def __str__(self):
        return f"{self.date} {self.post}：{self.from_user} → {self.to_user}"


class Absence(models.Model):
    """请假、出差: a person who may not be put on any post between the two dates (inclusive)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="absences", verbose_name="人员"
    )
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期")
    reason = models.CharField("事由", max_length=50, default="请假")

    class Meta:
        verbose_name = verbose_name_plural = "请假出差"
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(condition=models.Q(end_date__gte=models.F("start_date")), name="absence_dates")
        ]

    def __str__(self):
        return f"{self.user} {self.reason} {self.start_date}—{self.end_date}"


class Mailbox(models.Model):
    """民意信箱: a box of the township at a place, opened on a fixed weekday by the person responsible."""

    township = models.ForeignKey(Township, on_delete=models.CASCADE, related_name="mailboxes", verbose_name="乡镇")
    place = models.CharField("设置地点", max_length=100)
    weekday = models.PositiveSmallIntegerField("开箱日", choices=WEEKDAYS, default=1)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="mailboxes", verbose_name="开箱责任人"
    )
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("设置时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "民意信箱"
        ordering = ["township", "place"]

    def __str__(self):
        return f"{self.township} · {self.place}"


class MailboxOpening(models.Model):
    """开箱记录: who opened a box with which witness, how many letters were in it; each letter becomes a case
    (channel 民意信箱) registered from the opening's page and listed in ``letters``."""

    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="openings", verbose_name="信箱")
    date = models.DateField("开箱日期")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="开箱人"
    )
    witness = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="见证人"
    )
    letter_count = models.PositiveSmallIntegerField("信件数", default=0)
    note = models.CharField("备注", max_length=200, blank=True)
    letters = models.ManyToManyField(
        "petitions.Petition", related_name="mailbox_openings", blank=True, verbose_name="登记的诉求"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="登记人"
    )
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "信箱开箱记录"
        ordering = ["-date", "-pk"]
        constraints = [models.UniqueConstraint(fields=["mailbox", "date"], name="mailbox_opening_once_a_day")]

    def __str__(self):
        return f"{self.mailbox} {self.date}"


class MailboxReminder(models.Model):
    """A box not opened on its day (``due_date``): written by the daily scan, sent once to the person responsible
    (claimed by compare-and-set on ``sent_at IS NULL``, as petitions.Reminder)."""

    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="reminders", verbose_name="信箱")
    due_date = models.DateField("应开箱日")
    created_at = models.DateTimeField("发现时间", auto_now_add=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    recipients = models.PositiveSmallIntegerField("接收人数", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "信箱未开箱提醒"
        constraints = [models.UniqueConstraint(fields=["mailbox", "due_date"], name="mailbox_reminder_once")]

    def __str__(self):
        return f"{self.mailbox} {self.due_date}"
