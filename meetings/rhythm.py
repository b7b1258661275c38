"""When a body meets (a kind's default rhythm), which bodies hold a kind of meeting, and what a meeting is called.
Pure reads; ``meetings.services.meetings_plan_due`` plans from them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings

from households.models import Township, Village
from meetings.models import Level, MeetingKind, Rhythm
from petitions.models import Department


def occurrences(kind: MeetingKind, first: dt.date, last: dt.date) -> list[dt.date]:
    """The days from ``first`` to ``last`` (both included) on which ``kind`` meets by its rhythm: every such
    weekday, or that day of every month; none for a kind without a rhythm."""
    days = []
    if kind.rhythm == Rhythm.WEEKLY and kind.weekday:
        day = first + dt.timedelta(days=(kind.weekday - first.isoweekday()) % 7)
        while day <= last:
            days.append(day)
            day += dt.timedelta(days=7)
    elif kind.rhythm == Rhythm.MONTHLY and kind.day_of_month:
        year, month = first.year, first.month
        while dt.date(year, month, 1) <= last:
            day = dt.date(year, month, min(kind.day_of_month, 28))
            if first <= day <= last:
                days.append(day)
            year, month = year + month // 12, month % 12 + 1
    return days


@dataclass(frozen=True)
class Body:
    """Who holds a meeting: a village (with its committee, if any), an office, a township or the county."""

    level: str
    township: Township | None = None
    village: Village | None = None
    department: Department | None = None

    @property
    def key(self) -> str:
        if self.level == Level.VILLAGE:
            return f"village:{self.village.pk}"
        if self.level == Level.OFFICE:
            return f"office:{self.department.pk}"
        if self.level == Level.TOWNSHIP:
            return f"township:{self.township.pk}"
        return "county"

    @property
    def name(self) -> str:
        if self.level == Level.VILLAGE:
            return self.village.name
        if self.level == Level.OFFICE:
            return f"{self.township.name}{self.department.name}" if self.township else self.department.name
        if self.level == Level.TOWNSHIP:
            return self.township.name
        return settings.MINQING["COUNTY_NAME"]

    # The attributes minqing.access.Scope.may_keep_meeting reads, as on a Meeting.
    @property
    def township_id(self):
        return self.township.pk if self.township else None

    @property
    def village_id(self):
        return self.village.pk if self.village else None

    @property
    def department_id(self):
        return self.department.pk if self.department else None


def bodies(level: str) -> Iterator[Body]:
    """Every body that holds meetings of ``level``: each village, each township office (乡镇站所), each township,
    and the county once."""
    if level == Level.VILLAGE:
        committees = {d.village_id: d for d in Department.objects.filter(kind=Department.Kind.VILLAGE)}
        for village in Village.objects.select_related("township").order_by("township__sort_order", "sort_order"):
            yield Body(level, village.township, village, committees.get(village.pk))
    elif level == Level.OFFICE:
        for department in Department.objects.filter(kind=Department.Kind.OFFICE).select_related("township"):
            yield Body(level, department.township, None, department)
    elif level == Level.TOWNSHIP:
        for township in Township.objects.all():
            yield Body(level, township)
    else:
        yield Body(level)


def body_of(level: str, *, township=None, village=None, department=None) -> Body:
    """The body of a meeting planned by hand: the township comes from the village or the office; a village's
    committee goes with the village."""
    if level == Level.VILLAGE and village is not None:
        committee = Department.objects.filter(village=village, kind=Department.Kind.VILLAGE).first()
        return Body(level, village.township, village, committee)
    if level == Level.OFFICE and department is not None:
        return Body(level, department.township, None, department)
    if level == Level.TOWNSHIP:
        return Body(level, township)
    return Body(level)


def meeting_title(kind: MeetingKind, body: Body, date: dt.date) -> str:
    """和平村2026年12月8日村两委分析会; a monthly meeting by its month: 鼎新乡2026年12月党政联席分析会."""
    when = f"{date.year}年{date.month}月" + ("" if kind.rhythm == Rhythm.MONTHLY else f"{date.day}日")
    return f"{body.name}{when}{kind.name}"[:100]
