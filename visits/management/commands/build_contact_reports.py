"""``manage.py build_contact_reports YYYY-MM``: draft that month's contact-household reports (民情联系卡月报).

Running it again drafts nothing more; a month not yet ended is refused. Beat runs it for last month on the 1st
(``visits.build_contact_reports``)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from dashboards.periods import Period, PeriodError
from visits.querysets import Month
from visits.reports import contact_reports_build


class Command(BaseCommand):
    help = "生成指定月份（YYYY-MM）各联系干部的民情联系卡月报草稿；重复运行不会重复生成。"

    def add_arguments(self, parser):
        parser.add_argument("month", help="月份，如 2026-11")

    def handle(self, *args, month: str, **options):
        try:
            period = Period.parse_month(month)
        except PeriodError as e:
            raise CommandError(str(e)) from None
        target = Month(period.start.year, period.start.month)
        try:
            made = contact_reports_build(target)
        except ValidationError as e:
            raise CommandError(" ".join(e.messages)) from None
        self.stdout.write(self.style.SUCCESS(f"{target.label}：新生成月报草稿 {made} 份。"))
