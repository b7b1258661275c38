"""python manage.py build_month_summaries [--all]

Counts the leaders' numbers of every past month, and every past day of the last year, whose kept counts are
missing or out of date (what beat does every ten minutes), or of all of them with ``--all``. Run it once after
loading cases by other means than the app (a bulk load): such cases change no day's version.
"""

import time

from django.core.management.base import BaseCommand

from dashboards import summaries


class Command(BaseCommand):
    help = "重新汇总过去各月及本月已过各日的领导统计数据；--all 全部重新汇总。"

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="全部重新汇总，不论是否已是最新")

    def handle(self, *args, all=False, **options):
        started = time.monotonic()
        if all:
            summaries.forget()
        built = summaries.refresh()
        for span in built:
            self.stdout.write(span.label)
        self.stdout.write(f"已汇总 {len(built)} 个时段，用时 {time.monotonic() - started:.1f} 秒。")
