"""python manage.py import_households FILE [--dry-run] [--replace-conflicts] [--township CODE]

Prints each problem on its own line beginning 第N行 (N as Excel shows it), each conflict of head as
``第N行 冲突：和平村 001号户 户主 张三 (…) → 李四 (…)``, the notes (a note repeated on many rows once, with
its count), then the counts of new, updated, unchanged and rejected rows. If any row is rejected, or a head
conflicts and --replace-conflicts is not given, nothing is written and the command exits non-zero.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from households import importer
from households.models import Township


class Command(BaseCommand):
    help = "从 Excel 导入户籍台账（先检查，全部无误才写入；户主与台账不同的户须加 --replace-conflicts 才会替换）。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="台账文件（.xlsx）")
        parser.add_argument("--dry-run", action="store_true", help="只检查并统计，不写入。")
        parser.add_argument("--township", help="导入到哪个乡镇（简码，如 DX）；只有一个乡镇时可不填。")
        parser.add_argument(
            "--replace-conflicts",
            action="store_true",
            help="村和户号相同而户主不同的户，按文件替换户主（记入各户的台账记录）。",
        )

    def handle(self, *args, file, dry_run=False, replace_conflicts=False, township=None, **options):
        if not Path(file).is_file():
            raise CommandError(f"找不到文件：{file}")
        place = None
        if township:
            place = Township.objects.filter(code=township.upper()).first()
            if place is None:
                codes = "、".join(Township.objects.values_list("code", flat=True))
                raise CommandError(f"没有简码为 {township} 的乡镇（现有：{codes}）。")
        try:
            if dry_run:
                report = importer.preview(file, replace_conflicts=replace_conflicts, township=place)
            else:
                report = importer.apply(file, replace_conflicts=replace_conflicts, township=place)
        except importer.ImportFileError as exc:
            raise CommandError(str(exc)) from None
        for problem in report.problems:
            self.stdout.write(str(problem))
        if unlisted := report.unlisted_problems():
            self.stdout.write(f"……另有 {unlisted} 处有误未列出（只列出前 {len(report.problems)} 处）。")
        for conflict in report.conflicts:
            self.stdout.write(str(conflict))
        for note in report.note_lines():
            self.stdout.write(f"提示：{note}")
        for notice in report.notices:
            self.stdout.write(f"提示：{notice}")
        for line in report.summary_lines():
            self.stdout.write(line)
        if report.problem_count:
            raise CommandError(f"有 {report.rejected} 行有误，未导入任何数据。")
        if report.conflicts and not replace_conflicts:
            raise CommandError(
                f"有 {len(report.conflicts)} 户的户主与台账不同（冲突），未导入任何数据。"
                "逐户核对无误后，加 --replace-conflicts 再导入。"
            )
        if dry_run:
            self.stdout.write("试运行：未写入任何数据。")
        else:
            self.stdout.write(self.style.SUCCESS("导入完成。"))
