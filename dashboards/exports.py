"""The monthly report (民情月报) as an .xlsx workbook: a pure function from the month's querysets to a file.

A report is a township's or the county's (``dashboards.MonthlyReport.township``; empty: the county).

``build_monthly_workbook(period, out, township=…)`` writes a township's report: only the cases the township took
(``Petition.township``, a case handed up to a county-level unit included), the visits in its villages and the
revisits of its cases, with its center's name (``Township.center_name``) in the title. With openpyxl in
write-only mode (rows streamed from the database in chunks, so memory stays flat whatever the month holds), the
sheets

* 汇总 — the seven measures of the month beside the previous month (dashboards.metrics), and totals;
* 诉求明细 — every case received in the month: tracking number, date, channel, village, petitioner,
  kind, subject, summary, lead department, deadline, status, reply date, on time or not, satisfaction;
* 超期事项 — the cases overdue at some time in the month;
* 走访统计 — visits per cadre and village, contact-household coverage, then per village;
* 回访满意度 — revisited cases and their satisfaction by lead department.

``build_county_workbook(period, out)`` writes the county's (县级汇总): 汇总 over the whole county, and 乡镇汇总,
one row per township (the seven measures with their counts, the cases received, the overdue cases, the visits)
and a 全县合计 row that is their sum — which is the county's figures, as every case belongs to one township.
``build_workbook`` picks one of the two for a report's township.

**The petitioner is always masked in the file** (``petitions.identity.for_file``: 张某, 欧阳某; an
accusation's petitioner as （身份保密）), whoever asked for it: a stored file travels — it is downloaded,
mailed and printed — beyond the role that requested it, so it carries no names, phones or ID numbers.

Every row is written through ``_append`` (``minqing.xlsx.safe_row``), so a summary typed as ``=…`` stays text.
The functions touch no report row and send nothing; ``dashboards.services`` stores and announces it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Count, F, Q
from django.db.models.fields.json import KT
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from dashboards import metrics
from dashboards.models import report_title
from dashboards.periods import Period
from households.models import Township
from minqing.access import Scope
from minqing.roles import Role
from minqing.xlsx import safe_row, text_cell
from petitions import identity
from petitions.choices import RUNNING_STATUSES, Action, Channel, Satisfaction, Status
from petitions.models import Category, Petition, PetitionEvent
from petitions.querysets import overdue_on

SHEETS = ["汇总", "诉求明细", "超期事项", "走访统计", "回访满意度"]
COUNTY_SHEETS = ["汇总", "乡镇汇总"]

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
#: 乡镇汇总: the counts, then each measure's value, numerator and denominator (``metrics.MEASURES``).
TOWNSHIP_COLUMNS = [("乡镇", 12), ("本月受理", 10), ("超期事项", 10), ("走访次数", 10), ("走访户数", 10)]
COUNTY_TOTAL = "全县合计"

CHUNK = 2000

STATUS_LABELS = dict(Status.choices)
CHANNEL_LABELS = dict(Channel.choices)
KIND_LABELS = dict(Category.Kind.choices)
SATISFACTION_LABELS = dict(Satisfaction.choices)


@dataclass
class WorkbookStats:
    """Data rows written per sheet (headers and titles not counted), and the month's cases the report covers
    (the reports page's 诉求件数)."""

    rows: dict[str, int] = field(default_factory=dict)
    cases: int = 0


Progress = Callable[[int], None]


def build_workbook(
    period: Period,
    out,
    *,
    township: Township | None,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> WorkbookStats:
    """The report of ``township``, or the county workbook for None."""
    if township is None:
        return build_county_workbook(period, out, today=today, progress=progress)
    return build_monthly_workbook(period, out, township=township, today=today, progress=progress)


def build_monthly_workbook(
    period: Period,
    out,
    *,
    township: Township,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> WorkbookStats:
    """Write ``township``'s report of the month to ``out`` (a path or a binary file) and return the row counts.

    ``progress(percent)`` is called now and then with 0–99 (the caller says 100 when it has stored the file).
    """
    if period.kind != "month":
        raise ValueError("the monthly report covers one calendar month")
    today = today or timezone.localdate()
    report = progress or (lambda percent: None)
    stats = WorkbookStats()
    wb = Workbook(write_only=True)
    townships = [township.pk]

    report(1)
    title = f"{township.center_name} {period.label}民情月报"
    stats.rows["汇总"] = _summary(wb.create_sheet("汇总"), period, today, townships, title)
    report(5)
    stats.rows["诉求明细"] = _details(
        wb.create_sheet("诉求明细"), period, today, townships, lambda f: report(5 + int(f * 70))
    )
    report(75)
    stats.rows["超期事项"] = _overdue(wb.create_sheet("超期事项"), period, today, townships)
    report(85)
    stats.rows["走访统计"] = _visits(wb.create_sheet("走访统计"), period, township)
    report(92)
    stats.rows["回访满意度"] = _revisits(wb.create_sheet("回访满意度"), period, today, townships)
    report(96)
    wb.save(out)
    report(99)
    stats.cases = stats.rows["诉求明细"]
    return stats


def build_county_workbook(
    period: Period,
    out,
    *,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> WorkbookStats:
    """Write the county workbook (县级汇总) of the month to ``out``: the county's figures and the townships side by
    side (see the module's docstring)."""
    if period.kind != "month":
        raise ValueError("the monthly report covers one calendar month")
    today = today or timezone.localdate()
    report = progress or (lambda percent: None)
    stats = WorkbookStats()
    wb = Workbook(write_only=True)

    report(1)
    title = report_title(None, period.start.year, period.start.month)
    stats.rows["汇总"] = _summary(wb.create_sheet("汇总"), period, today, None, title)
    report(40)
    stats.rows["乡镇汇总"], stats.cases = _townships(wb.create_sheet("乡镇汇总"), period, today)
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


# --- Which cases are the month's ------------------------------------------------------------------

#: The one rule by which the report's sheets and the reports page count a month's cases.
RECEIVED_RULE = "按受理时间计入当月，不含已合并的重复登记"


def received_in(period: Period, townships: metrics.Townships = None):
    """The month's cases (of ``townships``; None: the county's): received (受理时间) in the month, merged
    duplicates (已合并) left out — they are counted in the case they were merged into. 汇总's 本月受理, the rows
    of 诉求明细, 乡镇汇总's 本月受理 and the reports page's 诉求件数 are all this count."""
    return Petition.objects.filter(
        metrics.in_townships(townships), received_at__gte=period.start_at, received_at__lt=period.end_at
    ).exclude(status=Status.MERGED)


# --- 汇总 ------------------------------------------------------------------------------------------


def _summary(ws, period: Period, today: dt.date, townships: metrics.Townships, title: str) -> int:
    _columns(ws, [("指标", 14), ("", 10), ("", 10), ("", 10), ("", 10), ("", 10), ("", 10), ("", 12), ("", 70)])
    previous = period.previous()
    this, before = metrics.compute_many([period, previous], today=today, townships=townships)
    _append(ws, [_cell(ws, title, TITLE)])
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
    totals = received_in(period, townships).aggregate(
        total=Count("pk"),
        **{value: Count("pk", filter=Q(channel=value)) for value in Channel.values},
    )
    _append(ws, [])
    _append(ws, [_cell(ws, "本月受理", BOLD), totals["total"], f"件（{RECEIVED_RULE}）"])
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


def _details(ws, period: Period, today: dt.date, townships: metrics.Townships, report: Callable[[float], None]) -> int:
    _columns(ws, DETAIL_COLUMNS)
    ws.freeze_panes = "A2"
    _header(ws, DETAIL_COLUMNS)
    cases = received_in(period, townships)
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
                identity.for_file(name, accusation=kind == Category.Kind.ACCUSATION),
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
    """Cases overdue on some day of the period up to today, by the one rule of ``petitions.querysets.overdue_on``
    (overdue from the day after the deadline), judged from their current state: still unreplied (assigned or
    in progress), or replied after the deadline and not before the period began."""
    late_reply = Q(
        status__in=[Status.REPLIED, Status.CLOSED],
        replied_at__gte=period.start_at,
        replied_at__date__gt=F("reply_by"),
    )
    as_of = min(period.end, today)
    return Q(reply_by__isnull=False) & overdue_on(as_of) & (Q(status__in=RUNNING_STATUSES) | late_reply)


def _overdue(ws, period: Period, today: dt.date, townships: metrics.Townships) -> int:
    _columns(ws, OVERDUE_COLUMNS)
    ws.freeze_panes = "A2"
    _header(ws, OVERDUE_COLUMNS)
    as_of = min(period.end, today)
    rows = (
        Petition.objects.filter(overdue_in(period, today), metrics.in_townships(townships))
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


def _center_of(township: Township) -> Scope:
    """What the township's center sees (its villages, households and visits): the visits sheet's reader."""
    return Scope(roles=frozenset({Role.LEADER}), township_ids=frozenset({township.pk}))


def _visits(ws, period: Period, township: Township) -> int:
    """The visits in the township's villages (whoever made them: a county-level unit's cadre too) and its
    contact households' coverage."""
    from visits.models import Visit
    from visits.querysets import Month, coverage_by_cadre, coverage_by_village

    month = Month(period.start.year, period.start.month)
    center = _center_of(township)
    _columns(ws, VISIT_COLUMNS)
    _append(ws, [_cell(ws, f"{period.label}走访统计（按干部、村）", TITLE)])
    _header(ws, VISIT_COLUMNS)
    in_month = Q(visit__visited_at__gte=period.start_at, visit__visited_at__lt=period.end_at)
    through = Visit.participants.through.objects.filter(in_month, visit__village__township=township)
    by_person = {
        (r["user_id"], r["visit__village_id"]): r
        for r in through.values(
            "user_id", "user__first_name", "user__username", "visit__village_id", "visit__village__name"
        )
        .annotate(visits=Count("visit_id", distinct=True), households=Count("visit__households", distinct=True))
        .order_by()
    }
    coverage = {(r["contact_cadre_id"], r["village_id"]): r for r in coverage_by_cadre(center, month)}
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
        Visit.objects.filter(visited_at__gte=period.start_at, visited_at__lt=period.end_at, village__township=township)
        .values("village_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("village_id", "n")
    )
    for village in coverage_by_village(center, month):
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


def _revisits(ws, period: Period, today: dt.date, townships: metrics.Townships) -> int:
    _columns(ws, REVISIT_COLUMNS)
    _append(ws, [_cell(ws, f"{period.label}回访满意度（按牵头单位；每件诉求按本月最后一次回访计）", TITLE)])
    _header(ws, REVISIT_COLUMNS)
    k = metrics.basic_weight()
    rows = [r for r in metrics.compute_by(period, "department", today=today, k=k, townships=townships)
            if r.figures["satisfaction_rate"].denominator]  # fmt: skip
    overall = metrics.compute(period, today=today, k=k, townships=townships)
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


# --- 乡镇汇总 (the county workbook) ----------------------------------------------------------------


def township_counts(period: Period, today: dt.date) -> dict[int, dict[str, int]]:
    """Township id → its month's 本月受理 (``received_in``), 超期事项 (``overdue_in``), 走访次数 and 走访户数
    (the visits in its villages, the households they reached): three grouped queries."""
    from visits.models import Visit

    counts: dict[int, dict[str, int]] = {}

    def put(rows, *names):
        for township_id, *values in rows:
            counts.setdefault(township_id, {}).update(zip(names, values, strict=True))

    put(
        received_in(period).values("township").annotate(n=Count("pk")).order_by().values_list("township", "n"),
        "received",
    )
    put(
        Petition.objects.filter(overdue_in(period, today))
        .values("township")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("township", "n"),
        "overdue",
    )
    put(
        Visit.objects.filter(visited_at__gte=period.start_at, visited_at__lt=period.end_at)
        .values("village__township")
        .annotate(visits=Count("pk", distinct=True), households=Count("households", distinct=True))
        .order_by()
        .values_list("village__township", "visits", "households"),
        "visits",
        "households",
    )
    return counts


COUNT_KEYS = ("received", "overdue", "visits", "households")


def _townships(ws, period: Period, today: dt.date) -> tuple[int, int]:
    """One row per township (all of them, in their order, those with nothing this month too), then 全县合计: the
    sum of the rows, its rates from the summed counts. Returns the rows written and the county's cases."""
    columns = TOWNSHIP_COLUMNS + [
        (title, width)
        for m in metrics.MEASURES
        for title, width in ((m.label, 10), (m.numerator_label, 10), (m.denominator_label, 10))
    ]
    _columns(ws, columns)
    _append(ws, [_cell(ws, f"{period.label}各乡镇民情指标", TITLE)])
    _append(ws, [f"每个乡镇只计本乡镇受理的诉求（移交县直单位的诉求计入受理的乡镇）、本乡镇各村的走访；"
               f"“{COUNTY_TOTAL}”为各乡镇之和，比率由合计的分子、分母算出。"])  # fmt: skip
    _header(ws, columns)
    k = metrics.basic_weight()
    figures = {row.id: row for row in metrics.compute_by(period, "township", today=today, k=k)}
    counts = township_counts(period, today)
    none = metrics.total([], k)
    rows, totals = [], dict.fromkeys(COUNT_KEYS, 0)
    for township in Township.objects.order_by("sort_order", "name"):
        row = figures.get(township.pk)
        rows.append((township.name, counts.get(township.pk, {}), row.figures if row else none))
        for key in COUNT_KEYS:
            totals[key] += counts.get(township.pk, {}).get(key, 0)
    county = metrics.total(list(figures.values()), k)
    for name, count, measures in [*rows, (COUNTY_TOTAL, totals, county)]:
        line = [_cell(ws, name, BOLD) if name == COUNTY_TOTAL else name]
        line += [count.get(key, 0) for key in COUNT_KEYS]
        for m in metrics.MEASURES:
            figure = measures[m.key]
            line += [_percent(figure.value), figure.numerator, figure.denominator]
        _append(ws, line)
    return len(rows) + 1, totals["received"]
