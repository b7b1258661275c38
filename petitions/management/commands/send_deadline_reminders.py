"""Run one deadline reminder scan in the foreground (what the periodic task does every 15 minutes).

Prints one line per level, ``level: count`` (reminders sent by this run). Run at once again, every
count is 0: each case gets each level of reminder once.
"""

from django.core.management.base import BaseCommand

from petitions.models import Reminder
from petitions.reminders import reminders_scan


class Command(BaseCommand):
    help = "运行一次到期提醒扫描（前台），按提醒类型输出本次发送条数。"

    def handle(self, *args, **options):
        counts = reminders_scan()
        for level in Reminder.Level.values:
            self.stdout.write(f"{level}: {counts[level]}")
