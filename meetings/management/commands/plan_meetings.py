"""python manage.py plan_meetings [--date 2026-12-01] — plan the coming meetings of every body that has a rhythm
(each kind's rhythm days up to its ``plan_days_ahead``), with their agendas, and send the reminders of today's and
tomorrow's meetings. What beat runs daily; running it twice plans and reminds nothing more."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from meetings.services import meeting_reminders_send, meetings_plan_due


class Command(BaseCommand):
    help = "按各类会议的召开周期安排即将召开的会议（生成议程），并提醒主持人和记录人；重复运行不会重复安排。"

    def add_arguments(self, parser):
        parser.add_argument("--date", help="按这一天安排（YYYY-MM-DD），默认今天。")

    def handle(self, *args, date=None, **options):
        try:
            today = dt.date.fromisoformat(date) if date else None
        except ValueError:
            raise CommandError("日期格式应为 YYYY-MM-DD。") from None
        planned = meetings_plan_due(today)
        for meeting in planned:
            self.stdout.write(f"已安排：{meeting.title}（议题{meeting.items.count()}项）")
        reminded = meeting_reminders_send(today)
        self.stdout.write(self.style.SUCCESS(f"已安排 {len(planned)} 个会议，发送 {reminded} 条会议提醒。"))
