"""The monthly report (民情月报) as an .xlsx workbook: a pure function from the month's querysets to a file.

``build_monthly_workbook(period, out)`` writes, with openpyxl in write-only mode (rows streamed from the
database in chunks, so memory stays flat whatever the month holds), the sheets

* 汇总 — the seven measures of the month beside the previous month (dashboards.metrics), and totals;
* 诉求明细 — every case received in the month: tracking number, date, channel, village, petitioner,
  kind, subject, summary, lead department, deadline, status, reply date, on time or not, satisfaction;
* 超期事项 — the cases overdue at some time in the month;
* 走访统计 — visits per cadre and village, contact-household coverage, then per village;
* 回访满意度 — revisited cases and their satisfaction by lead department.

**The petitioner is always masked in the file** (surname + 某, e.g. 张某; an accusation's petitioner as
（保密）), whoever asked for it: a stored file travels — it is downloaded, mailed and printed — beyond the
role that requested it, so it carries no names, phones or ID numbers.

Every row is written through ``_append`` (``minqing.xlsx.safe_row``), so a summary typed as ``=…`` stays text.
The function touches no report row and sends nothing; ``dashboards.services`` stores and announces it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, F, Q
from django.db.models.fields.json import KT
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from dashboards import metrics
from dashboards.periods import Period
from minqing.access import Scope
from minqing.xlsx import safe_row, text_cell
from petitions.choices import RUNNING_STATUSES, Action, Channel, Satisfaction, Status
from petitions.models import Category, Petition, PetitionEvent

SHEETS = ["汇总", "诉求明细", "超期事项", "走访统计", "回访满意度"]

DETAIL_COLUMNS = [
    ("受理编号", 16),
    ("受理日期", 12),
    ("来源渠道", 10),
    ("村", 10),
    ("诉求人", 10),
    ("诉求类型", 10),
    ("诉求事项", 12),
    ("诉求摘要", 40),
    ("承办单位", 14),
    ("答复期限", 12),
    ("状态", 10),
    ("答复日期", 12),
    ("是否按期", 14),
    ("满意度", 10),
]
OVERDUE_COLUMNS = [
    ("受理编号", 16),
    ("受理日期", 12),
    ("村", 10),
    ("诉求事项", 12),
    ("诉求摘要", 40),
    ("牵头单位", 14),
    ("答复期限", 12),
    ("答复日期", 12),
    ("超期天数", 10),
    ("状态", 10),
    ("督办", 6),
]
VISIT_COLUMNS = [("联系干部/走访人员", 16), ("村", 10), ("走访次数", 10), ("走访户数", 10),
                 ("联系户数", 10), ("本月已走访联系户", 16), ("联系户走访覆盖率", 16)]  # fmt: skip
VILLAGE_COLUMNS = [
    ("村", 10),
    ("走访次数", 10),
    ("联系干部", 10),
    ("联系户数", 10),
    ("本月已走访联系户", 16),
    ("联系户走访覆盖率", 16),
]
REVISIT_COLUMNS = [("牵头单位", 16), ("回访件数", 10), ("满意", 8), ("基本满意", 10), ("不满意", 8),
                   ("已解决", 8), ("满意率", 10), ("解决率", 10)]  # fmt: skip

CHUNK = 2000
CENTER = Scope(is_superuser=True)  # the report covers the whole township

STATUS_LABELS = dict(Status.choices)
CHANNEL_LABELS = dict(Channel.choices)
KIND_LABELS = dict(Category.Kind.choices)
SATISFACTION_LABELS = dict(Satisfaction.choices)


def mask_petitioner(name: str, *, accusation: bool = False) -> str:
    """张三 → 张某; an accusation's petitioner → （保密）; nothing → empty."""
    name = (name or "").strip()
    if accusation:
        return "（保密）"
    return f"{name[0]}某" if name else ""


@dataclass
class WorkbookStats:
    """Data rows written per sheet (headers and titles not counted)."""

    rows: dict[str, int] = field(default_factory=dict)

    @property
    def cases(self) -> int:
        return self.rows.get("诉求明细", 0)


Progress = Callable[[int], None]


def build_monthly_workbook(
    period: Period,
    out,
    *,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> WorkbookStats:
    """Write the month's report to ``out`` (a path or a binary file) and return the row counts.

    ``progress(percent)`` is called now and then with 0–99 (the caller says 100 when it has stored the file).
    """
    if period.kind != "month":
        raise ValueError("the monthly report covers one calendar month")
    today = today or timezone.localdate()
    report = progress or (lambda percent: None)
    stats = WorkbookStats()
    wb = Workbook(write_only=True)

    report(1)
    stats.rows["汇总"] = _summary(wb.create_sheet("汇总"), period, today)
    report(5)
    stats.rows["诉求明细"] = _details(wb.create_sheet("诉求明细"), period, today, lambda f: report(5 + int(f * 70)))
    report(75)
    stats.rows["超期事项"] = _overdue(wb.create_sheet("超期事项"), period, today)
    report(85)
    stats.rows["走访统计"] = _visits(wb.create_sheet("走访统计"), period)
    report(92)
    stats.rows["回访满意度"] = _revisits(wb.create_sheet("回访满意度"), period, today)
    report(96)
    wb.save(out)
    report(99)
    return stats


# --- helpers ---------------------------------------------------------------------------------------

BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
WRAP = Alignment(wrap_text=True, vertical="top")


def _cell(ws, value, font=None, alignment=None):
    return text_cell(ws, value, font=font, alignment=alignment)


def _append(ws, values) -> None:
    """Every row of the report goes through here: text typed as ``=…`` stays text (minqing.xlsx)."""
    ws.append(safe_row(ws, values))


def _columns(ws, columns) -> None:
    from openpyxl.utils import get_column_letter

    for i, (_, width) in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width


def _header(ws, columns) -> None:
    _append(ws, [_cell(ws, title, BOLD) for title, _ in columns])


def _local_date(value: dt.datetime | None) -> dt.date | None:
    return timezone.localdate(value) if value else None


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _center_name() -> str:
    return getattr(settings, "MINQING", {}).get("CENTER_NAME", "民情信息中心")


# --- 汇总 ------------------------------------------------------------------------------------------


def _summary(ws, period: Period, today: dt.date) -> int:
    _columns(ws, [("指标", 14), ("", 10), ("", 10), ("", 10), ("", 10), ("", 10), ("", 10), ("", 12), ("", 70)])
    previous = period.previous()
    this, before = metrics.compute_many([period, previous], today=today)
    _append(ws, [_cell(ws, f"{_center_name()} {period.label}民情月报", TITLE)])
    _append(ws, [f"统计期：{period.start:%Y-%m-%d} 至 {period.end:%Y-%m-%d}；生成日期：{today:%Y-%m-%d}；"
               f"基本满意折算系数 k = {metrics.basic_weight():g}；诉求人信息已按规定隐去。"])  # fmt: skip
    _append(ws, [])
    header = ["指标", "本月", "本月分子", "本月分母", "上月", "上月分子", "上月分母", "变化（百分点）", "计算口径"]
    _append(ws, [_cell(ws, title, BOLD) for title in header])
    rows = 0
    for measure in metrics.MEASURES:
        now, then = this[measure.key], before[measure.key]
        change = round((now.value - then.value) * 100, 1) if now.value is not None and then.value is not None else "—"
        _append(
            ws,
            [
                measure.label,
                _percent(now.value),
                now.numerator,
                now.denominator,
                _percent(then.value),
                then.numerator,
                then.denominator,
                change,
                _cell(ws, measure.definition, alignment=WRAP),
            ],
        )
        rows += 1
    totals = (
        Petition.objects.filter(received_at__gte=period.start_at, received_at__lt=period.end_at)
        .exclude(status=Status.MERGED)
        .aggregate(
            total=Count("pk"),
            **{value: Count("pk", filter=Q(channel=value)) for value in Channel.values},
        )
    )
    _append(ws, [])
    _append(ws, [_cell(ws, "本月受理", BOLD), totals["total"], "件（不含已合并的重复登记）"])
    _append(ws, ["其中", *[f"{label} {totals[value]}" for value, label in Channel.choices]])
    return rows


# --- 诉求明细 --------------------------------------------------------------------------------------


def _on_time(reply_by, replied_at, status, today: dt.date) -> str:
    if reply_by is None:
        return "—"
    if replied_at is not None and status in (Status.REPLIED, Status.CLOSED):
        return "是" if _local_date(replied_at) <= reply_by else "否"
    if status in RUNNING_STATUSES:
        return "否（超期未答复）" if reply_by < today else "办理中"
    return "—"


def _details(ws, period: Period, today: dt.date, report: Callable[[float], None]) -> int:
    _columns(ws, DETAIL_COLUMNS)
    ws.freeze_panes = "A2"
    _header(ws, DETAIL_COLUMNS)
    cases = Petition.objects.filter(received_at__gte=period.start_at, received_at__lt=period.end_at)
    total = cases.count() or 1
    satisfaction = _last_satisfaction(cases)
    rows = cases.order_by("received_at", "pk").values_list(
        "tracking_number",
        "received_at",
        "channel",
        "village__name",
        "petitioner_name",
        "category__kind",
        "category__subject",
        "summary",
        "lead_department__name",
        "reply_by",
        "status",
        "replied_at",
        "pk",
    )
    n = 0
    for (
        number,
        received,
        channel,
        village,
        name,
        kind,
        subject,
        summary,
        dept,
        reply_by,
        status,
        replied,
        pk,
    ) in rows.iterator(chunk_size=CHUNK):
        sat = satisfaction.get(pk, "")
        _append(
            ws,
            [
                number,
                _local_date(received),
                CHANNEL_LABELS.get(channel, channel),
                village or "",
                mask_petitioner(name, accusation=kind == Category.Kind.ACCUSATION),
                KIND_LABELS.get(kind, kind),
                subject,
                summary,
                dept or "",
                reply_by,
                STATUS_LABELS.get(status, status),
                _local_date(replied),
                _on_time(reply_by, replied, status, today),
                SATISFACTION_LABELS.get(sat, ""),
            ],
        )
        n += 1
        if n % CHUNK == 0:
            report(n / total)
    return n


def _last_satisfaction(cases) -> dict[int, str]:
    """Case id → the satisfaction of its latest revisit, for the cases revisited: one streamed query, a few
    bytes per revisited case (a correlated subquery per row made SQLite scan the events every time)."""
    events = (
        PetitionEvent.objects.filter(action=Action.REVISIT, petition__in=cases.values("pk"))
        .order_by("petition_id", "pk")
        .annotate(satisfaction=KT("data__satisfaction"))
        .values_list("petition_id", "satisfaction")
    )
    return dict(events.iterator(chunk_size=CHUNK))  # each case's latest comes last and wins


# --- 超期事项 --------------------------------------------------------------------------------------


def overdue_in(period: Period, today: dt.date) -> Q:
    """Cases overdue at some time in the period, judged from their current state: the reply deadline fell
    before the period's last day (and before today), and the case is still unreplied (assigned or in
    progress), or its reply came after the deadline and not before the period began."""
    cutoff = min(period.end, today - dt.timedelta(days=1))
    late_reply = Q(
        status__in=[Status.REPLIED, Status.CLOSED],
        replied_at__gte=period.start_at,
        replied_at__date__gt=F("reply_by"),
    )
    return Q(reply_by__isnull=False, reply_by__lte=cutoff) & (Q(status__in=RUNNING_STATUSES) | late_reply)


def _overdue(ws, period: Period, today: dt.date) -> int:
    _columns(ws, OVERDUE_COLUMNS)
    ws.freeze_panes = "A2"
    _header(ws, OVERDUE_COLUMNS)
    as_of = min(period.end, today)
    rows = (
        Petition.objects.filter(overdue_in(period, today))
        .order_by("lead_department__name", "reply_by", "pk")
        .values_list(
            "tracking_number",
            "received_at",
            "village__name",
            "category__subject",
            "summary",
            "lead_department__name",
            "reply_by",
            "replied_at",
            "status",
            "supervised",
        )
    )
    n = 0
    for number, received, village, subject, summary, dept, reply_by, replied, status, supervised in rows.iterator(
        chunk_size=CHUNK
    ):
        replied_on = _local_date(replied) if status in (Status.REPLIED, Status.CLOSED) else None
        _append(
            ws,
            [
                number,
                _local_date(received),
                village or "",
                subject,
                summary,
                dept or "",
                reply_by,
                replied_on,
                ((replied_on or as_of) - reply_by).days,
                STATUS_LABELS.get(status, status),
                "是" if supervised else "",
            ],
        )
        n += 1
    return n


# --- 走访统计 --------------------------------------------------------------------------------------


def _visits(ws, period: Period) -> int:
    from visits.models import Visit
    from visits.querysets import Month, coverage_by_cadre, coverage_by_village

    month = Month(period.start.year, period.start.month)
    _columns(ws, VISIT_COLUMNS)
    _append(ws, [_cell(ws, f"{period.label}走访统计（按干部、村）", TITLE)])
    _header(ws, VISIT_COLUMNS)
    in_month = Q(visit__visited_at__gte=period.start_at, visit__visited_at__lt=period.end_at)
    through = Visit.participants.through.objects.filter(in_month)
    by_person = {
        (r["user_id"], r["visit__village_id"]): r
        for r in through.values(
            "user_id", "user__first_name", "user__username", "visit__village_id", "visit__village__name"
        )
        .annotate(visits=Count("visit_id", distinct=True), households=Count("visit__households", distinct=True))
        .order_by()
    }
    coverage = {(r["contact_cadre_id"], r["village_id"]): r for r in coverage_by_cadre(CENTER, month)}
    keys = sorted(
        set(by_person) | set(coverage),
        key=lambda k: (
            (by_person.get(k) or {}).get("user__first_name") or (coverage.get(k) or {}).get("cadre_name") or "",
            k,
        ),
    )
    n = 0
    for key in keys:
        person, cover = by_person.get(key), coverage.get(key)
        name = (person["user__first_name"] or person["user__username"]) if person else cover["cadre_name"]
        village = person["visit__village__name"] if person else cover["village__name"]
        _append(
            ws,
            [
                name,
                village,
                person["visits"] if person else 0,
                person["households"] if person else 0,
                cover["households"] if cover else 0,
                cover["visited"] if cover else 0,
                f"{cover['percent']}%" if cover else "—",
            ],
        )
        n += 1
    _append(ws, [])
    _append(ws, [_cell(ws, f"{period.label}走访统计（按村）", TITLE)])
    _header(ws, VILLAGE_COLUMNS)
    visits_by_village = dict(
        Visit.objects.filter(visited_at__gte=period.start_at, visited_at__lt=period.end_at)
        .values("village_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("village_id", "n")
    )
    for village in coverage_by_village(CENTER, month):
        _append(
            ws,
            [
                village.name,
                visits_by_village.get(village.pk, 0),
                village.cadres,
                village.contact_total,
                village.contact_visited,
                f"{village.percent}%" if village.contact_total else "—",
            ],
        )
        n += 1
    return n


# --- 回访满意度 ------------------------------------------------------------------------------------


def _revisits(ws, period: Period, today: dt.date) -> int:
    _columns(ws, REVISIT_COLUMNS)
    _append(ws, [_cell(ws, f"{period.label}回访满意度（按牵头单位；每件诉求按本月最后一次回访计）", TITLE)])
    _header(ws, REVISIT_COLUMNS)
    k = metrics.basic_weight()
    rows = [r for r in metrics.compute_by(period, "department", today=today, k=k)
            if r.figures["satisfaction_rate"].denominator]  # fmt: skip
    overall = metrics.compute(period, today=today, k=k)
    n = 0
    for label, figures in [(r.label, r.figures) for r in rows] + [("合计", overall)]:
        sat, res = figures["satisfaction_rate"], figures["resolution_rate"]
        _append(
            ws,
            [
                _cell(ws, label, BOLD) if label == "合计" else label,
                sat.denominator,
                sat.parts["satisfied"],
                sat.parts["basic"],
                sat.denominator - sat.parts["satisfied"] - sat.parts["basic"],
                res.numerator,
                _percent(sat.value),
                _percent(res.value),
            ],
        )
        n += 1
    return n
