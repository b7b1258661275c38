"""python manage.py export_monthly_report 2026-10 [--out FILE]

Builds the month's report in the foreground. With ``--out`` the workbook is written to FILE and no stored
report changes; without it, the month's stored report (the one the leaders download) is rebuilt.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from dashboards.exports import build_monthly_workbook
from dashboards.periods import Period, PeriodError


class Command(BaseCommand):
    help = "在前台生成某月的民情月报（Excel）。例：export_monthly_report 2026-10 --out 民情月报.xlsx"

    def add_arguments(self, parser):
        parser.add_argument("month", help="月份，格式 YYYY-MM，如 2026-10")
        parser.add_argument("--out", help="写入的文件路径；不给出时重新生成系统中保存的该月月报")

    def handle(self, *args, month, out=None, **options):
        try:
            period = Period.parse_month(month)
        except PeriodError as e:
            raise CommandError(str(e)) from None
        started = time.monotonic()
        if out:
            stats = build_monthly_workbook(period, out)
            where = out
        else:
            report = self._stored(period)
            stats = None
            where = report.file.path if report.file else ""
        seconds = time.monotonic() - started
        if stats is not None:
            rows = "，".join(f"{sheet} {n} 行" for sheet, n in stats.rows.items())
            self.stdout.write(f"{period.label}民情月报已写入 {where}（{rows}），用时 {seconds:.1f} 秒。")
        else:
            self.stdout.write(f"{period.label}民情月报已重新生成：{where}，用时 {seconds:.1f} 秒。")

    def _stored(self, period: Period):
        from dashboards.models import MonthlyReport
        from dashboards.services import monthly_report_build, monthly_report_request

        report, pending = monthly_report_request(year=period.start.year, month=period.start.month, enqueue=False)
        if pending:
            report = monthly_report_build(report_id=report.pk) or MonthlyReport.objects.get(pk=report.pk)
        if report.status == MonthlyReport.Status.FAILED:
            raise CommandError(report.error)
        if report.status != MonthlyReport.Status.READY:
            raise CommandError(f"该月月报正在由后台任务生成（{report.get_status_display()}），请稍后再试。")
        return report
