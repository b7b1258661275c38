"""python manage.py backup_db --out FILE — pg_dump (custom format) plus FILE.counts.json of row counts."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from minqing.backups import BackupError, backup


class Command(BaseCommand):
    help = "用 pg_dump 备份数据库，并在旁边写入各表行数清单（FILE.counts.json），供恢复时核对。"

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="备份文件路径，如 /backup/minqing-2026-11-23.dump")

    def handle(self, *args, out, **options):
        try:
            counts = backup(Path(out))
        except BackupError as e:
            raise CommandError(str(e)) from e
        self.stdout.write(f"已备份 {len(counts)} 张表、{sum(counts.values())} 行到 {out}")
