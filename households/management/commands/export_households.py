"""python manage.py export_households --out FILE [--township CODE] [--village 名称] — the ledger in the import's
columns (of one township, and one of its villages, when given)."""

from django.core.management.base import BaseCommand, CommandError

from households.excel import write_ledger
from households.models import Household, Village


class Command(BaseCommand):
    help = "把户籍台账导出为 Excel（列与导入相同，导出后再导入不会有任何变化）。"

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="输出文件（.xlsx）")
        parser.add_argument("--township", help="只导出这个乡镇（简码，如 DX）")
        parser.add_argument("--village", help="只导出这个村（村名；多个乡镇有同名村时请同时给出 --township）")

    def handle(self, *args, out, village=None, township=None, **options):
        households = Household.objects.all()
        villages = Village.objects.all()
        if township:
            households = households.filter(village__township__code=township.upper())
            villages = villages.filter(township__code=township.upper())
        if village:
            found = list(villages.filter(name=village.strip())[:2])
            if not found:
                raise CommandError(f"村“{village}”不存在。")
            if len(found) > 1:
                raise CommandError(f"多个乡镇都有“{village}”，请用 --township 指明乡镇。")
            households = households.filter(village=found[0])
        count = write_ledger(households, out)
        self.stdout.write(self.style.SUCCESS(f"已导出 {count} 户到 {out}"))
