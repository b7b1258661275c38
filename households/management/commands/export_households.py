"""python manage.py export_households --out FILE [--village 名称] — the ledger in the import's columns."""

from django.core.management.base import BaseCommand, CommandError

from households.excel import write_ledger
from households.models import Household, Village


class Command(BaseCommand):
    help = "把户籍台账导出为 Excel（列与导入相同，导出后再导入不会有任何变化）。"

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="输出文件（.xlsx）")
        parser.add_argument("--village", help="只导出这个村（村名）")

    def handle(self, *args, out, village=None, **options):
        households = Household.objects.all()
        if village:
            try:
                households = households.filter(village=Village.objects.get(name=village.strip()))
            except Village.DoesNotExist:
                raise CommandError(f"村“{village}”不存在。") from None
        count = write_ledger(households, out)
        self.stdout.write(self.style.SUCCESS(f"已导出 {count} 户到 {out}"))
