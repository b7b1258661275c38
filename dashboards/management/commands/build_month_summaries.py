"""python manage.py build_month_summaries [--stale-only]

Counts the leaders' numbers of every past month, and every past day of the last year, again. Run it after
loading or changing cases by other means than the app (a bulk load, an SQL UPDATE): such changes move no
day's version, so the command first moves every day on (no kept count and no remembered figure from before is
used again), then counts every span. ``--stale-only`` counts only the spans whose cases changed through the
app since they were counted, as beat does every ten minutes.
"""

import time

from django.core.management.base import BaseCommand

from dashboards import summaries


class Command(BaseCommand):
    help = (
        "重新汇总过去各月及近一年各日的领导统计数据（批量导入或直接修改数据库后运行）；"
        "--stale-only 仅汇总通过系统办理而变动的时段。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--stale-only", action="store_true", help="只重新汇总经系统办理而变动的时段（与定时任务相同）"
        )
        parser.add_argument("--all", action="store_true", help="全部重新汇总（现为默认，保留此参数以兼容旧脚本）")

    def handle(self, *args, stale_only=False, **options):
        started = time.monotonic()
        built = summaries.refresh() if stale_only else summaries.recount_all()
        for span in built:
            self.stdout.write(span.label)
        self.stdout.write(f"已汇总 {len(built)} 个时段，用时 {time.monotonic() - started:.1f} 秒。")
