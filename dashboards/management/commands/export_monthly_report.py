"""python manage.py export_monthly_report 2026-10 [--out FILE] [--township CODE]

Builds a month's report in the foreground. With ``--out`` the workbook is written to FILE and no stored
report changes; without it, the month's stored report (the one the leaders download) is rebuilt.

``--township CODE`` (the township's 简码, e.g. DX) chooses the township; without it, the only township when
there is one, and the county workbook (县级汇总) when there are several.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from dashboards.exports import build_workbook
from dashboards.models import report_title
from dashboards.periods import Period, PeriodError
from households.models import Township


class Command(BaseCommand):
    help = (
        "在前台生成某月的民情月报（Excel）。例：export_monthly_report 2026-10 --township DX --out 民情月报.xlsx；"
        "不指定乡镇时，只有一个乡镇则生成该乡镇的月报，有多个乡镇则生成全县汇总。"
    )

    def add_arguments(self, parser):
        parser.add_argument("month", help="月份，格式 YYYY-MM，如 2026-10")
        parser.add_argument("--out", help="写入的文件路径；不给出时重新生成系统中保存的该月月报")
        parser.add_argument("--township", metavar="CODE", help="乡镇简码，如 DX；不给出时见上")

    def handle(self, *args, month, out=None, township=None, **options):
        try:
            period = Period.parse_month(month)
        except PeriodError as e:
            raise CommandError(str(e)) from None
        place = self._township(township)
        title = report_title(place, period.start.year, period.start.month)
        started = time.monotonic()
        if out:
            stats = build_workbook(period, out, township=place)
            where = out
        else:
            report = self._stored(period, place)
            stats = None
            where = report.file.path if report.file else ""
        seconds = time.monotonic() - started
        if stats is not None:
            rows = "，".join(f"{sheet} {n} 行" for sheet, n in stats.rows.items())
            self.stdout.write(f"{title}已写入 {where}（{rows}），用时 {seconds:.1f} 秒。")
        else:
            self.stdout.write(f"{title}已重新生成：{where}，用时 {seconds:.1f} 秒。")

    def _township(self, code: str | None) -> Township | None:
        """The township of ``--township``; without it the only one, or None (the county workbook)."""
        if code:
            found = Township.objects.filter(code=code.strip().upper()).first()
            if found is None:
                known = "、".join(f"{t.code}（{t.name}）" for t in Township.objects.order_by("sort_order", "name"))
                raise CommandError(f"没有简码为 {code} 的乡镇。现有：{known or '无'}")
            return found
        townships = list(Township.objects.all()[:2])
        return townships[0] if len(townships) == 1 else None

    def _stored(self, period: Period, township: Township | None):
        from dashboards.models import MonthlyReport
        from dashboards.services import monthly_report_build, monthly_report_request

        report, pending = monthly_report_request(
            township=township, year=period.start.year, month=period.start.month, enqueue=False
        )
        if pending:
            report = monthly_report_build(report_id=report.pk) or MonthlyReport.objects.get(pk=report.pk)
        if report.status == MonthlyReport.Status.FAILED:
            raise CommandError(report.error)
        if report.status != MonthlyReport.Status.READY:
            raise CommandError(f"该月月报正在由后台任务生成（{report.get_status_display()}），请稍后再试。")
        return report
