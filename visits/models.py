"""Visits, the people who make them, and (with the case pipeline) revisits (domain.md, visits app).

- ``Visit`` 走访记录: who went, when, what kind, which households, what was heard and done.
- ``CadreProfile`` 干部信息: a user's post and phone (printed on contact cards) and whether the user is a
  people's deputy (人大代表). A user is a deputy when ``cadre_profile.is_deputy`` is set (admin:
  系统配置 → 干部与代表信息). Deputies record their contacts with voters as visits of kind 代表联系选民.
- ``VillageLeader`` 村干部: a village's leaders (书记、主任…) as printed on the contact cards; they need
  no account.
- ``Revisit`` 回访: one call or visit back to a petitioner after the reply. A reached revisit moves the
  case through ``petitions.workflow.petition_revisit`` (closed, or back to in_progress); an unreached one
  is only recorded here, and three of them since the reply let a leader close the case with a reason.
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from households.models import Household, Township, Village
from households.phones import validate_phone
from petitions.models import Petition, PetitionEvent, Satisfaction
from visits.querysets import RevisitQuerySet, VisitQuerySet


class Visit(models.Model):
    class Kind(models.TextChoices):
        HOME_VISIT = "home_visit", "入户走访"
        NIGHT_VISIT = "night_visit", "夜访"
        CHAT = "chat", "拉家常"
        FIELD_STUDY = "field_study", "蹲点调研"
        FORUM = "forum", "座谈会"
        HEARING = "hearing", "民情恳谈会"
        PHONE_CALL = "phone_call", "电话联系"
        DEPUTY_CONTACT = "deputy_contact", "代表联系选民"

    #: Kinds that are about particular households: at least one household must be chosen.
    HOUSEHOLD_KINDS = frozenset({Kind.HOME_VISIT, Kind.NIGHT_VISIT, Kind.CHAT, Kind.PHONE_CALL})
    #: Kinds a people's deputy counts as contacts with voters, in person-contacts (人次): a forum of 30 counts 30.
    DEPUTY_KINDS = frozenset({Kind.DEPUTY_CONTACT, Kind.FORUM, Kind.HEARING})

    kind = models.CharField("走访方式", max_length=20, choices=Kind.choices, default=Kind.HOME_VISIT)
    visited_at = models.DateTimeField("走访时间")
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="visits", verbose_name="村")
    households = models.ManyToManyField(Household, related_name="visits", verbose_name="走访户", blank=True)
    # Who went, each in a role (VisitParticipant): a 1+2+N night visit is one leader leading, two duty cadres and
    # N village cadres.
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="VisitParticipant",
        related_name="visits",
        verbose_name="走访人员",
        blank=True,
    )
    heard = models.TextField("听到的情况")
    # 人次: how many people were met (a voters' forum of 30 counts 30); at least the number of people who went.
    head_count = models.PositiveIntegerField("人次", default=1, help_text="见到的群众人数；座谈会按实到人数计。")
    done_on_spot = models.TextField("现场办理情况", blank=True)
    # The sweep (排查) this visit was made under; what needs following up is an item (lists.Item) of the visit.
    sweep = models.ForeignKey(
        "lists.Sweep", on_delete=models.SET_NULL, null=True, blank=True, related_name="visits", verbose_name="排查"
    )
    # Cases raised on this visit (channel 走访); linked by visits.services.visit_link_petition.
    petitions = models.ManyToManyField(Petition, related_name="visits", verbose_name="转办诉求", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="visits_recorded",
        verbose_name="记录人",
    )
    # Set by the browser (also for a visit written offline): sending the same visit twice creates one.
    client_key = models.UUIDField("提交标识", null=True, blank=True, unique=True, editable=False)
    created_at = models.DateTimeField("记录时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "走访记录"
        ordering = ["-visited_at", "-pk"]
        indexes = [
            # The visit list, newest first, and the month windows of the coverage figures.
            models.Index(fields=["-visited_at"], name="visit_visited_at_idx"),
            # A liaison's list: their villages, newest first.
            models.Index(fields=["village", "-visited_at"], name="visit_village_visited_idx"),
            # The deputies' yearly count of 代表联系选民.
            models.Index(fields=["kind", "visited_at"], name="visit_kind_visited_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.village.name} {timezone.localtime(self.visited_at):%Y-%m-%d}"


class VisitParticipant(models.Model):
    """One person who went on a visit, in their role (1+2+N: 带队领导, 值班干部, 村干部; or 其他)."""

    class Role(models.TextChoices):
        LEAD = "lead", "带队领导"
        DUTY = "duty", "值班干部"
        VILLAGE = "village", "村干部"
        OTHER = "other", "其他"

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="team", verbose_name="走访记录")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="visit_roles", verbose_name="人员"
    )
    role = models.CharField("角色", max_length=10, choices=Role.choices, default=Role.OTHER)

    class Meta:
        # The table the plain many-to-many had before the roles (visits 0008 kept its rows).
        db_table = "visits_visit_participants"
        unique_together = [("visit", "user")]
        verbose_name = verbose_name_plural = "走访人员"

    def __str__(self):
        return f"{self.get_role_display()} {self.user}"


class CadreProfile(models.Model):
    class DeputyLevel(models.TextChoices):
        TOWNSHIP = "township", "乡镇人大代表"
        COUNTY = "county", "县（区）人大代表"
        CITY = "city", "市（州）人大代表"
        PROVINCE = "province", "省人大代表"
        NATIONAL = "national", "全国人大代表"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cadre_profile", verbose_name="用户"
    )
    post = models.CharField("职务", max_length=50, blank=True)
    phone = models.CharField("联系电话", max_length=20, blank=True, validators=[validate_phone])
    is_deputy = models.BooleanField("人大代表", default=False)
    deputy_level = models.CharField("代表层级", max_length=10, choices=DeputyLevel.choices, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "干部与代表信息"

    def __str__(self):
        return self.user.get_full_name() or self.user.get_username()


class VillageLeader(models.Model):
    """A village's leaders as printed on the contact cards (村党支部书记、村委会主任…)."""

    village = models.ForeignKey(Village, on_delete=models.CASCADE, related_name="leaders", verbose_name="村")
    name = models.CharField("姓名", max_length=50)
    post = models.CharField("职务", max_length=50)
    phone = models.CharField("联系电话", max_length=20, blank=True, validators=[validate_phone])
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "村干部"
        ordering = ["village", "sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["village", "name", "post"], name="village_leader_unique_post"),
        ]

    def __str__(self):
        return f"{self.village.name}{self.post} {self.name}"


class Revisit(models.Model):
    class Method(models.TextChoices):
        PHONE = "phone", "电话"
        DOOR = "door", "上门"
        SMS = "sms", "短信"

    petition = models.ForeignKey(Petition, on_delete=models.PROTECT, related_name="revisits", verbose_name="诉求")
    method = models.CharField("回访方式", max_length=10, choices=Method.choices, default=Method.PHONE)
    reached = models.BooleanField("联系上", default=True)
    solved = models.BooleanField("问题已解决", default=False)
    # The same values as the case's event (petitions.choices.Satisfaction); empty when not reached.
    satisfaction = models.CharField("满意度", max_length=20, choices=Satisfaction.choices, blank=True)
    comment = models.TextField("回访意见", blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="revisits", verbose_name="回访人"
    )
    created_at = models.DateTimeField("回访时间", auto_now_add=True)
    # The case's event this revisit wrote (reached revisits only).
    event = models.OneToOneField(
        PetitionEvent,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="revisit",
        verbose_name="办理记录",
        editable=False,
    )

    objects = RevisitQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "回访记录"
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The queue's attempt count and a case's revisits: petition_id = … AND created_at >= replied_at.
            models.Index(fields=["petition", "created_at"], name="revisit_petition_created_idx"),
        ]
        constraints = [
            # Reached: a verdict; not reached: none.
            models.CheckConstraint(
                condition=(models.Q(reached=True) & ~models.Q(satisfaction=""))
                | (models.Q(reached=False) & models.Q(satisfaction="") & models.Q(solved=False)),
                name="revisit_satisfaction_iff_reached",
            ),
        ]

    def __str__(self):
        return f"{self.petition.tracking_number} {self.get_method_display()}回访"

    @property
    def outcome(self) -> str:
        if not self.reached:
            return "未联系上"
        return f"{'已解决' if self.solved else '未解决'}，{self.get_satisfaction_display()}"


# --- Quotas and the contact households' monthly report (domain.md "Contact households' monthly report") -------


def validate_quota(value) -> None:
    """A quota is a whole number above zero."""
    if value is None or value <= 0:
        raise ValidationError("定额必须是大于0的整数，不能为0或负数。")


class ContactQuota(models.Model):
    """A township's quotas (定额): how often each contact household is visited, how many visits each cadre makes
    a month and a year (township cadres and county-unit cadres apart) and a deputy's yearly person-contacts.
    A township without a row has the defaults (``quota_for``)."""

    class Frequency(models.TextChoices):
        WEEKLY = "weekly", "每周至少走访一次"
        MONTHLY = "monthly", "每月至少走访一次"

    township = models.OneToOneField(
        Township, on_delete=models.CASCADE, related_name="contact_quota", verbose_name="乡镇"
    )
    household_frequency = models.CharField(
        "联系户走访频次", max_length=10, choices=Frequency.choices, default=Frequency.MONTHLY
    )
    monthly_visits = models.IntegerField("每名干部每月走访（户次）", default=5, validators=[validate_quota])
    yearly_visits_township = models.IntegerField("乡镇干部每年走访（户次）", default=150, validators=[validate_quota])
    yearly_visits_county = models.IntegerField("县直单位干部每年走访（户次）", default=100, validators=[validate_quota])
    deputy_yearly_contacts = models.IntegerField(
        "人大代表每年联系选民（人次）", default=40, validators=[validate_quota]
    )

    QUOTA_FIELDS = ("monthly_visits", "yearly_visits_township", "yearly_visits_county", "deputy_yearly_contacts")

    class Meta:
        verbose_name = verbose_name_plural = "民情联系定额"
        constraints = [
            models.CheckConstraint(condition=models.Q(**{f"{name}__gt": 0}), name=f"contact_quota_{name}_positive")
            for name in ("monthly_visits", "yearly_visits_township", "yearly_visits_county", "deputy_yearly_contacts")
        ]

    def __str__(self):
        return f"{self.township}民情联系定额"

    def yearly_visits(self, county_unit: bool) -> int:
        return self.yearly_visits_county if county_unit else self.yearly_visits_township


def quota_for(township_id: int | None) -> ContactQuota:
    """The township's quotas, or the defaults of the documents when it set none (unsaved)."""
    found = ContactQuota.objects.filter(township_id=township_id).first() if township_id else None
    return found or ContactQuota(township_id=township_id)


class ContactReport(models.Model):
    """民情联系卡月报: one cadre's report of their contact households for one month, drafted on the 1st from the
    month's visits (``visits.reports.contact_report_figures``), edited and submitted by the cadre by the 3rd."""

    class Status(models.TextChoices):
        DRAFT = "draft", "待报送"
        SUBMITTED = "submitted", "已按时报送"
        LATE = "late", "逾期报送"

    cadre = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="contact_reports", verbose_name="联系干部"
    )
    # The township of the cadre's contact households: its compilation counts the report.
    township = models.ForeignKey(
        Township, on_delete=models.PROTECT, related_name="contact_reports", verbose_name="乡镇"
    )
    # A county-unit cadre's unit (县直单位): the county also compiles per unit.
    unit = models.ForeignKey(
        "petitions.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contact_reports",
        verbose_name="县直单位",
    )
    month = models.DateField("月份", help_text="该月1日")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    submitted_at = models.DateTimeField("报送时间", null=True, blank=True)

    # The figures, built from the month's visits (never typed in).
    households_total = models.PositiveIntegerField("联系户数", default=0)
    households_visited = models.PositiveIntegerField("已走访户数", default=0)
    unvisited = models.JSONField("未走访户", default=list, blank=True)
    visits_count = models.PositiveIntegerField("走访次数", default=0)
    people_met = models.PositiveIntegerField("走访人次", default=0)
    opinions_count = models.PositiveIntegerField("收集意见（条）", default=0)
    opinions_by_subject = models.JSONField("意见分类", default=dict, blank=True)
    settled_count = models.PositiveIntegerField("现场化解（件）", default=0)
    cases_raised = models.PositiveIntegerField("转办诉求（件）", default=0)
    cases_finished = models.PositiveIntegerField("其中已办结（件）", default=0)
    cases = models.JSONField("转办诉求明细", default=list, blank=True)
    built_at = models.DateTimeField("生成时间", default=timezone.now)

    # The cadre's own words.
    summary = models.TextField("民情综述", blank=True)
    settled_note = models.TextField("现场化解情况", blank=True)
    suggestions = models.TextField("意见建议", blank=True)

    first_reminder_at = models.DateTimeField("2日提醒时间", null=True, blank=True, editable=False)
    second_reminder_at = models.DateTimeField("3日提醒时间", null=True, blank=True, editable=False)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    #: The figures summed by a compilation.
    SUMMED = (
        "households_total",
        "households_visited",
        "visits_count",
        "people_met",
        "opinions_count",
        "settled_count",
        "cases_raised",
        "cases_finished",
    )

    class Meta:
        verbose_name = verbose_name_plural = "民情联系卡月报"
        ordering = ["-month", "township", "cadre__first_name", "pk"]
        constraints = [models.UniqueConstraint(fields=["cadre", "month"], name="contact_report_one_per_month")]
        indexes = [
            # The board and the compilation: township_id = … AND month = ….
            models.Index(fields=["township", "month"], name="contact_report_township_idx"),
        ]

    def __str__(self):
        return f"{self.cadre.get_full_name() or self.cadre.get_username()} {self.month:%Y年%-m月}民情联系卡月报"

    @property
    def deadline(self) -> dt.date:
        """Due by the 3rd of the next month (inclusive)."""
        nxt = dt.date(self.month.year + self.month.month // 12, self.month.month % 12 + 1, 1)
        return nxt.replace(day=3)

    def is_overdue(self, today: dt.date | None = None) -> bool:
        """Not submitted and past the 3rd."""
        return self.status == self.Status.DRAFT and (today or timezone.localdate()) > self.deadline

    def is_locked(self, today: dt.date | None = None) -> bool:
        """Submitted and past the 3rd: changed only with a reason, recorded as a late edit."""
        return self.status != self.Status.DRAFT and (today or timezone.localdate()) > self.deadline

    @property
    def coverage_percent(self) -> int:
        return round(100 * self.households_visited / self.households_total) if self.households_total else 0


class SpecialReport(models.Model):
    """民情专题报告: a matter beyond the cadre's authority, attached to their monthly report."""

    report = models.ForeignKey(
        ContactReport, on_delete=models.CASCADE, related_name="special_reports", verbose_name="月报"
    )
    title = models.CharField("标题", max_length=100)
    content = models.TextField("情况")
    proposal = models.TextField("建议", blank=True)
    created_at = models.DateTimeField("填报时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "民情专题报告"
        ordering = ["report", "pk"]

    def __str__(self):
        return self.title


class ContactReportEdit(models.Model):
    """A change to a submitted report after the 3rd (逾期更正): who, when, why and what changed."""

    report = models.ForeignKey(ContactReport, on_delete=models.CASCADE, related_name="late_edits", verbose_name="月报")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, verbose_name="更正人")
    by_name = models.CharField("更正人姓名", max_length=150, blank=True)
    at = models.DateTimeField("更正时间", default=timezone.now)
    reason = models.TextField("更正说明")
    changes = models.JSONField("更正内容", default=dict, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "月报逾期更正记录"
        ordering = ["report", "at"]

    def __str__(self):
        return f"{self.report} 逾期更正 {self.at:%Y-%m-%d}"
