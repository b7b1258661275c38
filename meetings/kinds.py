"""The meeting kinds every installation starts with (domain.md, "the working rhythm"); the admin edits them and
adds others (系统配置 → 会议类型). Created by the migration ``0002_default_kinds`` and again, if missing, by
``seed_demo`` (a flushed test database has none)."""

from __future__ import annotations

import datetime as dt

NINE = dt.time(9, 0)

# name, level, rhythm, weekday (1 = Monday), day of month, days planned ahead, default time
DEFAULT_KINDS = [
    # 村两委分析会: every village committee, weekly on Tuesday.
    ("村两委分析会", "village", "weekly", 2, None, 7, NINE),
    # 职能办公室月度分析会: each township office, monthly, on the 3rd (before the joint meeting on the 5th).
    ("职能办公室月度分析会", "office", "monthly", None, 3, 14, NINE),
    # 党政联席分析会: the township, monthly on the 5th.
    ("党政联席分析会", "township", "monthly", None, 5, 14, NINE),
    # 民情研判会: ad hoc, when a matter needs it.
    ("民情研判会", "township", "none", None, None, 7, None),
    # 月排查周调度: the weekly dispatch of the monthly sweep; sweeps come with a later issue, so no rhythm yet.
    ("月排查周调度", "township", "none", None, None, 7, None),
]


def ensure_default_kinds(MeetingKind, log=None) -> int:
    """Create the default kinds that are missing (by name); returns how many were created."""
    made = 0
    for order, (name, level, rhythm, weekday, day, ahead, time) in enumerate(DEFAULT_KINDS, start=1):
        _, created = MeetingKind.objects.get_or_create(
            name=name,
            defaults={
                "level": level,
                "rhythm": rhythm,
                "weekday": weekday,
                "day_of_month": day,
                "plan_days_ahead": ahead,
                "default_time": time,
                "sort_order": order,
            },
        )
        if created:
            made += 1
            if log:
                log(f"会议类型：{name}")
    return made
