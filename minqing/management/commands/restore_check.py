"""python manage.py restore_check FILE --into postgres://…/empty_db — restore a backup into an empty database and
compare the row counts of every table with the backup's manifest. Exits non-zero on any difference."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from minqing.backups import BackupError, Target, restore_and_compare
from minqing.settings import database_from_url


class Command(BaseCommand):
    help = "把备份恢复到一个空数据库，并逐表核对行数。"

    def add_arguments(self, parser):
        parser.add_argument("dump", help="backup_db 生成的备份文件")
        parser.add_argument(
            "--into", required=True, help="空的目标数据库，如 postgres://postgres@127.0.0.1:5432/minqing_restore"
        )

    def handle(self, *args, dump, into, **options):
        try:
            target = Target.from_settings(database_from_url(into))
            differences = restore_and_compare(Path(dump), target)
        except BackupError as e:
            raise CommandError(str(e)) from e
        if differences:
            for line in differences:
                self.stdout.write(line)
            raise CommandError(f"恢复不完整：{len(differences)} 张表行数不一致。")
        self.stdout.write(self.style.SUCCESS(f"恢复完成，{target.name} 各表行数与备份一致。"))
