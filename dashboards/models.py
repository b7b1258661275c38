"""The dashboards read everything and own one thing: the stored monthly report (民情月报).

``MonthlyReport`` is one row per township and month, and one more per month for the county workbook (县级汇总,
``township`` empty): a township's report holds only that township's cases, visits and revisits; the county's
sets the townships side by side (``dashboards.exports``). Its status moves pending → running → ready / failed, always by
a compare-and-set in ``dashboards.services`` (an UPDATE filtered on the expected old status), so two
workers or a task delivered twice cannot both build it. It is a job row (``minqing.jobs``): a running row
whose heartbeat stopped has lost its worker and is failed. Building again reuses the row and replaces its
file. The file is served by a view to the leaders and admins of its township and to the county
(``MonthlyReport.objects.visible_to``), never from a public media URL.
"""

import uuid

from django.conf import settings
from django.db import models

from dashboards.querysets import MonthlyReportQuerySet

#: How the county workbook (a report of no township) is named.
COUNTY_LABEL = "全县"


def report_title(township, year: int, month: int) -> str:
    """鼎新乡2026年3月民情月报; 全县2026年3月民情月报（县级汇总） for the county workbook (``township`` None)."""
    if township is None:
        return f"{COUNTY_LABEL}{year}年{month}月民情月报（县级汇总）"
    return f"{township.name}{year}年{month}月民情月报"


def report_path(instance, filename: str) -> str:
    # A random name: MEDIA_ROOT may be on a web server's path, the name must not be guessable.
    place = instance.township.code if instance.township_id else "county"
    return f"reports/{instance.year}/{instance.year}-{instance.month:02d}-{place}-{uuid.uuid4().hex}.xlsx"


class MonthlyReport(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "排队中"
        RUNNING = "running", "生成中"
        READY = "ready", "已生成"
        FAILED = "failed", "生成失败"

    # Empty: the county workbook (县级汇总), every township side by side.
    township = models.ForeignKey(
        "households.Township",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="乡镇",
        help_text="空表示全县汇总。",
    )
    year = models.PositiveSmallIntegerField("年份")
    month = models.PositiveSmallIntegerField("月份")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField("进度（%）", default=0)
    error = models.TextField("失败原因", blank=True)
    file = models.FileField("文件", upload_to=report_path, blank=True, max_length=200)
    size = models.PositiveIntegerField("文件大小（字节）", default=0)
    case_count = models.PositiveIntegerField("诉求件数", default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="申请人",
    )
    requested_at = models.DateTimeField("申请时间", null=True, blank=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    # Written with the progress while a task builds the report; a running row without one for minqing.jobs.LOST_AFTER
    # has lost its worker.
    heartbeat_at = models.DateTimeField("心跳时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    objects = MonthlyReportQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "民情月报"
        ordering = ["-year", "-month"]
        constraints = [
            # One row per township and month, and one county row per month. Two partial constraints rather than
            # one with nulls_distinct=False, which SQLite (the default database) does not enforce.
            models.UniqueConstraint(
                fields=["township", "year", "month"],
                condition=models.Q(township__isnull=False),
                name="monthly_report_one_per_township_month",
            ),
            models.UniqueConstraint(
                fields=["year", "month"],
                condition=models.Q(township__isnull=True),
                name="monthly_report_one_county_per_month",
            ),
            models.CheckConstraint(condition=models.Q(month__gte=1, month__lte=12), name="monthly_report_month_1_12"),
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="monthly_report_progress_le_100"),
        ]

    def __str__(self):
        return self.title

    @property
    def label(self) -> str:
        return f"{self.year}年{self.month}月"

    @property
    def is_county(self) -> bool:
        return self.township_id is None

    @property
    def place(self) -> str:
        """鼎新乡, or 全县 for the county workbook (reads ``township``: select it with the row)."""
        return COUNTY_LABEL if self.is_county else self.township.name

    @property
    def title(self) -> str:
        return report_title(self.township, self.year, self.month)

    @property
    def key(self) -> str:
        return f"{self.year}-{self.month:02d}"

    @property
    def is_busy(self) -> bool:
        return self.status in (self.Status.PENDING, self.Status.RUNNING)

    @property
    def download_name(self) -> str:
        place = f"{COUNTY_LABEL}汇总" if self.is_county else self.township.name
        return f"民情月报-{place}-{self.year}年{self.month:02d}月.xlsx"


class Summary(models.Model):
    """The counts of the leaders' seven measures (dashboards.metrics) over one span for one group of cases, so
    that a year is read from a few thousand of these rows instead of from every case it counts. A span is a
    past calendar month, or one past day of the last year (``start`` = ``end``).

    ``grain`` says how the span is grouped, always within a township: by village and lead department
    (``place``: the overall figures and the township, village and department groupings) or by category and
    channel (``topic``: the subject and channel groupings). Each count is the span's count of one part of one
    measure, exactly as ``metrics.measure_parts`` defines it for that span. The revisit counts are of each
    case's last revisit in the span; ``next_revisit_on`` is the day of that case's next revisit (empty when
    there is none), so a longer period counts the revisit only when the next one falls after the period.

    Rows are written only by ``dashboards.summaries.build`` and used only while their span's
    ``SummaryBuild.versions`` still equals the sum of its days' ``petitions.DayVersion``."""

    class Grain(models.TextChoices):
        PLACE = "place", "村与牵头单位"
        TOPIC = "topic", "诉求分类与来源渠道"

    start = models.DateField("起始日期")
    end = models.DateField("截止日期")
    grain = models.CharField("分组", max_length=10, choices=Grain.choices)
    township = models.ForeignKey("households.Township", on_delete=models.CASCADE, related_name="+", verbose_name="乡镇")
    village = models.ForeignKey(
        "households.Village", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name="村"
    )
    lead_department = models.ForeignKey(
        "petitions.Department",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="牵头单位",
    )
    # 包案领导 (issue 18): the place grain also splits by the case's owning leader, for the grouping by owner.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="包案领导",
    )
    category = models.ForeignKey(
        "petitions.Category", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name="诉求分类"
    )
    channel = models.CharField("来源渠道", max_length=20, blank=True)
    next_revisit_on = models.DateField("下次回访日期", null=True, blank=True)

    response_rate_d = models.PositiveIntegerField(default=0)
    response_rate_n = models.PositiveIntegerField(default=0)
    on_time_rate_d = models.PositiveIntegerField(default=0)
    on_time_rate_n = models.PositiveIntegerField(default=0)
    resolution_rate_d = models.PositiveIntegerField(default=0)
    resolution_rate_n = models.PositiveIntegerField(default=0)
    satisfaction_rate_d = models.PositiveIntegerField(default=0)
    satisfaction_rate_n = models.PositiveIntegerField(default=0)
    satisfaction_rate_satisfied = models.PositiveIntegerField(default=0)
    satisfaction_rate_basic = models.PositiveIntegerField(default=0)
    first_time_resolution_rate_d = models.PositiveIntegerField(default=0)
    first_time_resolution_rate_n = models.PositiveIntegerField(default=0)
    village_resolution_rate_d = models.PositiveIntegerField(default=0)
    village_resolution_rate_n = models.PositiveIntegerField(default=0)
    repeat_rate_d = models.PositiveIntegerField(default=0)
    repeat_rate_n = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = verbose_name_plural = "统计汇总"
        indexes = [models.Index(fields=["grain", "start"], name="summary_grain_start_idx")]

    def __str__(self):
        return f"{self.start}–{self.end} {self.get_grain_display()}"


class SummaryBuild(models.Model):
    """When a span's ``Summary`` rows were counted, and the sum of its days' ``petitions.DayVersion`` read just
    before: the rows are current exactly while that sum has not moved (versions only grow)."""

    start = models.DateField("起始日期")
    end = models.DateField("截止日期")
    versions = models.PositiveBigIntegerField("数据版本合计")
    built_at = models.DateTimeField("汇总时间")
    rows = models.PositiveIntegerField("行数", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "统计汇总记录"
        constraints = [models.UniqueConstraint(fields=["start", "end"], name="summary_build_one_per_span")]

    def __str__(self):
        return f"{self.start}–{self.end} v{self.versions}"
