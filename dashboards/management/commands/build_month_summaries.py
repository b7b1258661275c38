"""python manage.py build_month_summaries [--all]

Counts the leaders' numbers of every past month whose kept counts are missing or out of date (what beat does
every ten minutes), or of every past month with ``--all``. Run it once after loading cases by other means
than the workflow (a restored backup, a bulk load): such cases do not change any month's version.
"""

import time

from django.core.management.base import BaseCommand

from dashboards import summaries


class Command(BaseCommand):
    help = "重新汇总过去各月的领导统计数据（月度汇总）；--all 重新汇总全部月份。"

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="全部月份重新汇总，不论是否已是最新")

    def handle(self, *args, all=False, **options):
        started = time.monotonic()
        if all:
            summaries.forget()
        built = summaries.refresh()
        for month in built:
            self.stdout.write(f"{month:%Y-%m}")
        self.stdout.write(f"已汇总 {len(built)} 个月，用时 {time.monotonic() - started:.1f} 秒。")
