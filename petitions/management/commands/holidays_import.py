"""Enter a year's holiday arrangement from a text file: ``manage.py holidays_import YEAR FILE [--dry-run]``.

FILE holds one line per rest day or range and per make-up working day, ``#`` starting a comment::

    # 2027年节假日安排
    2027-01-01 休 元旦
    2027-02-06..2027-02-12 休 春节
    2027-02-14 班 春节

(the State Council's own wording is read too, as on the admin's form). On any problem — a make-up day inside a
holiday, an overlap, a date outside YEAR — it prints every problem and exits non-zero, writing nothing.
Otherwise the year's rows are replaced and every running case whose deadlines move is recomputed (one 期限重算
event each), in one transaction. Entering the same file again changes nothing.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from petitions import holidays


class Command(BaseCommand):
    help = "从文本文件录入一年的节假日安排（放假日与调休上班日），并重新计算受影响诉求的期限。"

    def add_arguments(self, parser):
        parser.add_argument("year", type=int, help="年份，如 2027")
        parser.add_argument("file", help="安排文件（UTF-8），每行一个放假日期或区间、或一个调休上班日")
        parser.add_argument("--dry-run", action="store_true", help="只检查并显示将要发生的变化，不保存")

    def handle(self, *args, year: int, file: str, dry_run: bool, **options):
        try:
            text = Path(file).read_text(encoding="utf-8-sig")
        except FileNotFoundError as e:
            raise CommandError(f"找不到文件：{file}") from e
        except UnicodeDecodeError as e:
            raise CommandError(f"文件不是UTF-8编码：{file}") from e
        arrangement = holidays.read(year, text)
        if not arrangement.ok:
            raise CommandError(
                f"{year}年节假日安排有误，未保存：\n" + "\n".join(f"  {problem}" for problem in arrangement.problems)
            )
        rest, work = arrangement.count(holidays.REST), arrangement.count(holidays.WORK)
        self.stdout.write(f"{year}年：放假{rest}天，调休上班{work}天。")
        if dry_run:
            preview = holidays.arrangement_preview(arrangement)
            rows = preview.rows
            self.stdout.write(f"将新增{len(rows.added)}条、删除{len(rows.removed)}条、修改{len(rows.changed)}条记录。")
            for change in preview.recompute.changes:
                self.stdout.write(f"  {change.petition.tracking_number}：{change.describe()}")
            self.stdout.write(f"（预览）{preview.recompute.summary()}")
            return
        rows, report = holidays.arrangement_save(arrangement)
        self.stdout.write(
            f"已保存：新增{len(rows.added)}条、删除{len(rows.removed)}条、修改{len(rows.changed)}条记录。"
        )
        for change in report.changes:
            self.stdout.write(f"  {change.petition.tracking_number}：{change.describe()}")
        self.stdout.write(report.summary())
