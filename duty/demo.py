"""The demo's rotas and mailboxes (seed_demo, after the accounts): the default posts (configuration); then for each
demo township a rota for the current month — its leader 带班领导 every day, so the public board shows today's — and
one 民意信箱 with its last three Tuesday openings. The same on every machine; a second run adds nothing."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from duty import services
from duty.models import Mailbox, MailboxOpening, Post, RotaEntry
from duty.posts import ensure_default_posts
from households.models import Township

# township code → (leader, desk, hotline, night-visit cadres, mailbox place)
DEMO_ROTAS = {
    "DX": ("leader", "reception", "reception", ("handler", "handler2"), "鼎新乡政府大门左侧"),
    "HX": ("leader_hx", "reception_hx", "reception_hx", ("handler_hx",), "和兴镇便民服务中心门口"),
}


def seed_config(log) -> None:
    ensure_default_posts(Post, log)


def seed_sample(log) -> None:
    users = {u.username: u for u in get_user_model().objects.all()}
    posts = {p.code: p for p in Post.objects.filter(is_active=True)}
    today = timezone.localdate()
    days = services.month_days(today.year, today.month)
    for code, (leader, desk, hotline, night, place) in DEMO_ROTAS.items():
        township = Township.objects.filter(code=code).first()
        if township is None or leader not in users or not {Post.LEADER, Post.DESK, Post.HOTLINE} <= set(posts):
            log(f"示例值班表：缺少乡镇 {code}、演示账号或值班岗位，跳过。")
            continue
        if not RotaEntry.objects.filter(township=township, date__gte=days[0], date__lte=days[-1]).exists():
            cells: services.Cells = {}
            for day in days:
                cells[(day, posts[Post.LEADER].pk)] = [users[leader].pk]
                if day.weekday() < 5:
                    cells[(day, posts[Post.DESK].pk)] = [users[desk].pk]
                cells[(day, posts[Post.HOTLINE].pk)] = [users[hotline].pk]
                cadres = [users[n].pk for n in night if n in users]
                if Post.NIGHT in posts and cadres and day.weekday() in (0, 2):  # night visits Monday and Wednesday
                    cells[(day, posts[Post.NIGHT].pk)] = cadres
            services.rota_save_month(
                by=users[leader],
                township=township,
                days=days,
                posts=list(posts.values()),
                cells=cells,
                version=services.month_version(township, days),
            )
            log(f"示例值班表：{township.name}{today.year}年{today.month}月")
        _mailbox(township, users[desk], users[leader], place, today, log)


def _mailbox(township, clerk, leader, place, today: dt.date, log) -> None:
    if Mailbox.objects.filter(township=township).exists():
        return
    box = Mailbox.objects.create(township=township, place=place, weekday=1, responsible=clerk)
    last_tuesday = today - dt.timedelta(days=(today.weekday() - 1) % 7 or 7)
    for weeks, letters in ((2, 1), (1, 0), (0, 2)):
        MailboxOpening.objects.create(
            mailbox=box,
            date=last_tuesday - dt.timedelta(weeks=weeks),
            opened_by=clerk,
            witness=leader,
            letter_count=letters,
            note="" if letters else "信箱内无来信",
            recorded_by=clerk,
        )
    log(f"示例民意信箱：{township.name} {place}")
