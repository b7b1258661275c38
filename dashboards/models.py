"""The dashboards read everything and own one thing: the stored monthly report (民情月报).

``MonthlyReport`` is one row per month. Its status moves pending → running → ready / failed, always by
a compare-and-set in ``dashboards.services`` (an UPDATE filtered on the expected old status), so two
workers or a task delivered twice cannot both build it. Building again reuses the row and replaces its
file. The file is served by a view to leaders and admins only, never from a public media URL.
"""

import uuid

from django.conf import settings
from django.db import models


def report_path(instance, filename: str) -> str:
    # A random name: MEDIA_ROOT may be on a web server's path, the name must not be guessable.
    return f"reports/{instance.year}/{instance.year}-{instance.month:02d}-{uuid.uuid4().hex}.xlsx"


class MonthlyReport(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "排队中"
        RUNNING = "running", "生成中"
        READY = "ready", "已生成"
        FAILED = "failed", "生成失败"

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
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "民情月报"
        ordering = ["-year", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["year", "month"], name="monthly_report_one_per_month"),
            models.CheckConstraint(condition=models.Q(month__gte=1, month__lte=12), name="monthly_report_month_1_12"),
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="monthly_report_progress_le_100"),
        ]

    def __str__(self):
        return f"{self.label}民情月报"

    @property
    def label(self) -> str:
        return f"{self.year}年{self.month}月"

    @property
    def key(self) -> str:
        return f"{self.year}-{self.month:02d}"

    @property
    def is_busy(self) -> bool:
        return self.status in (self.Status.PENDING, self.Status.RUNNING)

    @property
    def download_name(self) -> str:
        return f"民情月报-{self.year}年{self.month:02d}月.xlsx"
