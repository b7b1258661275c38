"""python manage.py import_households FILE [--dry-run]

Prints each problem on its own line beginning 第N行 (N as Excel shows it), then the counts of new, updated,
unchanged and rejected rows. If any row is rejected nothing is written and the command exits non-zero.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from households import importer


class Command(BaseCommand):
    help = "从 Excel 导入户籍台账（先检查，全部无误才写入）。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="台账文件（.xlsx）")
        parser.add_argument("--dry-run", action="store_true", help="只检查并统计，不写入。")

    def handle(self, *args, file, dry_run=False, **options):
        if not Path(file).is_file():
            raise CommandError(f"找不到文件：{file}")
        try:
            report = importer.preview(file) if dry_run else importer.apply(file)
        except importer.ImportFileError as exc:
            raise CommandError(str(exc)) from None
        for problem in report.problems:
            self.stdout.write(str(problem))
        for warning in report.warnings:
            self.stdout.write(f"提示：{warning}")
        for notice in report.notices:
            self.stdout.write(f"提示：{notice}")
        for line in report.summary_lines():
            self.stdout.write(line)
        if not report.ok:
            raise CommandError(f"有 {report.rejected} 行有误，未导入任何数据。")
        if dry_run:
            self.stdout.write("试运行：未写入任何数据。")
        else:
            self.stdout.write(self.style.SUCCESS("导入完成。"))
