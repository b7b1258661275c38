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

from django.conf import settings
from django.db import models
from django.utils import timezone

from households.models import Household, Village
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

    kind = models.CharField("走访方式", max_length=20, choices=Kind.choices, default=Kind.HOME_VISIT)
    visited_at = models.DateTimeField("走访时间")
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="visits", verbose_name="村")
    households = models.ManyToManyField(Household, related_name="visits", verbose_name="走访户", blank=True)
    # The 1+2+N night-visit team: one leader, two duty cadres and N village cadres.
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="visits", verbose_name="走访人员", blank=True
    )
    heard = models.TextField("听到的情况")
    done_on_spot = models.TextField("现场办理情况", blank=True)
    needs_follow_up = models.BooleanField("需要跟进", default=False)
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
