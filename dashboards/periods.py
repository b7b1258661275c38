"""Reporting periods: a month, a quarter, a year or any custom range of whole days (Asia/Shanghai).

A period is inclusive of both its first and its last day. Datetime columns are compared with
``[start_at, end_at)``, where ``end_at`` is local midnight after the last day; date columns with
``[start, end]``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.utils import timezone


class PeriodError(ValueError):
    """A period that cannot be read; the message is for the user (Chinese)."""


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive
    kind: str = "custom"  # month / quarter / year / custom

    def __post_init__(self):
        if self.end < self.start:
            raise PeriodError("结束日期不能早于开始日期。")

    # --- construction -----------------------------------------------------------------------
    @classmethod
    def month(cls, year: int, month: int) -> Period:
        start = dt.date(year, month, 1)
        return cls(start, next_month(start) - dt.timedelta(days=1), "month")

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        if not 1 <= quarter <= 4:
            raise PeriodError("季度应为1至4。")
        start = dt.date(year, 3 * quarter - 2, 1)
        end = next_month(next_month(next_month(start))) - dt.timedelta(days=1)
        return cls(start, end, "quarter")

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 31), "year")

    @classmethod
    def parse_month(cls, value: str) -> Period:
        """'2026-10' → October 2026; PeriodError for anything else."""
        try:
            year, month = (int(part) for part in value.strip().split("-"))
            return cls.month(year, month)
        except (ValueError, AttributeError):
            raise PeriodError(f"月份“{value}”格式不正确，应为 YYYY-MM，如 2026-10。") from None

    @classmethod
    def parse_range(cls, start: str, end: str) -> Period:
        """Two ISO dates (YYYY-MM-DD), both inclusive."""
        first, last = parse_date(start, "开始日期"), parse_date(end, "结束日期")
        return cls(first, last, "custom")

    @classmethod
    def current_month(cls, today: dt.date | None = None) -> Period:
        today = today or timezone.localdate()
        return cls.month(today.year, today.month)

    def named(self) -> Period:
        """The same days as a month, quarter or year when they are exactly one (else itself)."""
        for candidate in (
            Period.month(self.start.year, self.start.month),
            Period.quarter(self.start.year, (self.start.month - 1) // 3 + 1),
            Period.year(self.start.year),
        ):
            if (candidate.start, candidate.end) == (self.start, self.end):
                return candidate
        return self

    # --- arithmetic --------------------------------------------------------------------------
    @property
    def start_at(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.start, dt.time.min))

    @property
    def end_at(self) -> dt.datetime:
        """Local midnight after the last day (exclusive)."""
        return timezone.make_aware(dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min))

    def previous(self) -> Period:
        """The period of the same kind just before (a custom range: the same number of days before)."""
        if self.kind == "month":
            first = self.start - dt.timedelta(days=1)
            return Period.month(first.year, first.month)
        if self.kind == "quarter":
            first = self.start - dt.timedelta(days=1)
            return Period.quarter(first.year, (first.month - 1) // 3 + 1)
        if self.kind == "year":
            return Period.year(self.start.year - 1)
        days = (self.end - self.start).days + 1
        return Period(self.start - dt.timedelta(days=days), self.start - dt.timedelta(days=1), "custom")

    def months(self) -> list[Period]:
        """The calendar months the period touches, in order."""
        out, first = [], self.start.replace(day=1)
        while first <= self.end:
            out.append(Period.month(first.year, first.month))
            first = next_month(first)
        return out

    # --- labels ------------------------------------------------------------------------------
    @property
    def label(self) -> str:
        if self.kind == "month":
            return f"{self.start.year}年{self.start.month}月"
        if self.kind == "quarter":
            return f"{self.start.year}年第{(self.start.month - 1) // 3 + 1}季度"
        if self.kind == "year":
            return f"{self.start.year}年"
        return f"{self.start:%Y-%m-%d} 至 {self.end:%Y-%m-%d}"

    @property
    def short_label(self) -> str:
        if self.kind == "month":
            return f"{self.start.year % 100:02d}年{self.start.month}月"
        return self.label

    def as_query(self) -> dict[str, str]:
        """The ``from``/``to`` parameters of the drill-down list and metrics.json."""
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_date(value: str | None, label: str = "日期") -> dt.date:
    text = (value or "").strip()
    try:
        if not _ISO_DATE.match(text):
            raise ValueError(text)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise PeriodError(f"{label}“{value or ''}”格式不正确，应为 YYYY-MM-DD，如 2026-10-01。") from None


def next_month(day: dt.date) -> dt.date:
    """The first day of the month after ``day``'s."""
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def last_months(end: dt.date, count: int = 12) -> list[Period]:
    """``count`` calendar months ending with the month of ``end``, oldest first."""
    out = [Period.month(end.year, end.month)]
    while len(out) < count:
        out.append(out[-1].previous())
    return list(reversed(out))
