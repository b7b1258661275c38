"""Bulletins (通报): 一月一督查, 一季一通报, 半年一讲评, built from the supervision ledger, the checklists, the
sweeps and the measures, naming who is behind: units with overdue answers, cadres with overdue items, villages with
low coverage, and the departments (for the county: the townships) behind on 按期办结 — the numbers page's
definitions (``dashboards.metrics``), over the bulletin's period up to its as-of day.

A bulletin is a row per (township, kind, period); a draft is rebuilt on demand, an issued one is fixed (its
content is stored JSON, never recomputed). ``bulletin_workbook`` writes it as Excel through minqing.xlsx.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter

from django.db.models import F, Q
from django.utils import timezone
from openpyxl import Workbook

from dashboards import metrics
from dashboards.periods import Period
from lists import coverage
from lists.models import Bulletin, Item, LedgerItem, LedgerRequest, Sweep
from lists.services import ListConflict
from minqing.access import scope_for
from minqing.xlsx import safe_row


def _month_end(year: int, month: int) -> dt.date:
    nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def period_of(kind: str, on: dt.date) -> tuple[dt.date, dt.date]:
    """The month, quarter or half-year containing ``on``."""
    if kind == Bulletin.Kind.MONTHLY:
        return on.replace(day=1), _month_end(on.year, on.month)
    size = 3 if kind == Bulletin.Kind.QUARTERLY else 6
    first = (on.month - 1) // size * size + 1
    last = first + size - 1
    return dt.date(on.year, first, 1), _month_end(on.year, last)


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


def units_behind(township, start: dt.date, as_of: dt.date) -> list[dict]:
    """Units with requests due in the period left unanswered past their date (as of ``as_of``) or answered late."""
    late = LedgerRequest.objects.filter(answer_by__gte=start, answer_by__lt=as_of).filter(
        Q(answered_at=None) | Q(answered_at__date__gt=F("answer_by"))
    )
    if township is not None:
        late = late.filter(item__township=township)
    counts = Counter(late.values_list("item__unit__name", flat=True))
    return [{"name": n, "count": c} for n, c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def cadres_behind(township, as_of: dt.date) -> list[dict]:
    """Owners of items past their due date and not done as of ``as_of``."""
    items = Item.objects.filter(due_date__lt=as_of, heard_on__lte=as_of).filter(
        Q(status__in=Item.PENDING) | Q(finished_at__date__gt=as_of)
    )
    if township is not None:
        items = items.filter(township=township)
    counts = Counter()
    names = {}
    for item in items.select_related("owner"):
        counts[item.owner_id] += 1
        names[item.owner_id] = _name(item.owner)
    return [{"name": names[pk], "count": c} for pk, c in sorted(counts.items(), key=lambda kv: (-kv[1], names[kv[0]]))]


def villages_low(township, start: dt.date, end: dt.date) -> list[dict]:
    sweeps = Sweep.objects.filter(starts_on__lte=end, ends_on__gte=start)
    if township is not None:
        sweeps = sweeps.filter(township=township)
    out = []
    for sweep in sweeps.order_by("starts_on", "pk"):
        for cov in coverage.by_village(sweep, left_limit=0):
            if cov.total and cov.ratio < coverage.LOW_COVERAGE:
                out.append({"sweep": sweep.name, "name": cov.label, "visited": cov.visited, "total": cov.total,
                            "percent": cov.percent})  # fmt: skip
    return out


def measures(figures: dict) -> list[dict]:
    """The seven measures as the bulletin keeps them (label, percent, numerator, denominator)."""
    rows = []
    for m in metrics.MEASURES:
        f = figures[m.key]
        rows.append({"key": m.key, "label": m.label, "percent": f.percent, "numerator": f.numerator,
                     "denominator": f.denominator})  # fmt: skip
    return rows


def behind_on_time(township, period: Period, today: dt.date) -> dict:
    """Who is behind on 按期办结 in ``period``: a township's lead departments, or the county's townships, with cases
    replied late or past their deadline unreplied (``Figure.missed`` of ``on_time_rate``), most missed first."""
    dimension = "department" if township is not None else "township"
    rows = metrics.compute_by(period, dimension, today=today, townships=None if township is None else [township.pk])
    behind = [(r.label, r.figures["on_time_rate"]) for r in rows if r.figures["on_time_rate"].missed > 0]
    behind.sort(key=lambda lf: (-lf[1].missed, lf[0]))
    return {
        "by": metrics.DIMENSIONS[dimension].label,
        "rows": [
            {"name": label, "missed": f.missed, "denominator": f.denominator, "percent": f.percent}
            for label, f in behind
        ],  # fmt: skip
    }


def bulletin_content(township, kind: str, on: dt.date) -> tuple[dt.date, dt.date, dict]:
    start, end = period_of(kind, on)
    today = timezone.localdate()
    as_of = min(end, today)
    counted = Period(start, max(start, as_of))
    townships = None if township is None else [township.pk]
    ledger = LedgerItem.objects.all() if township is None else LedgerItem.objects.filter(township=township)
    items = Item.objects.all() if township is None else Item.objects.filter(township=township)
    content = {
        "as_of": as_of.isoformat(),
        "figures": {
            "ledger_on": ledger.filter(put_on_at__date__lte=as_of).exclude(struck_at__date__lte=as_of).count(),
            "ledger_struck": ledger.filter(struck_at__date__gte=start, struck_at__date__lte=as_of).count(),
            "items_new": items.filter(heard_on__gte=start, heard_on__lte=as_of).count(),
            "items_finished": items.filter(finished_at__date__gte=start, finished_at__date__lte=as_of).count(),
        },
        "units": units_behind(township, start, as_of),
        "cadres": cadres_behind(township, as_of),
        "villages": villages_low(township, start, end),
        "measures": measures(metrics.compute(counted, today=today, townships=townships)),
        "on_time": behind_on_time(township, counted, today),
    }
    return start, end, content


def bulletin_build(*, township, kind: str, on: dt.date) -> Bulletin:
    """Build (or rebuild) the draft of the period containing ``on``; an issued bulletin is fixed."""
    start, end, content = bulletin_content(township, kind, on)
    bulletin = Bulletin.objects.filter(township=township, kind=kind, period_start=start).first()
    if bulletin is None:
        return Bulletin.objects.create(
            township=township, kind=kind, period_start=start, period_end=end, content=content
        )
    changed = Bulletin.objects.filter(pk=bulletin.pk, status=Bulletin.Status.DRAFT).update(
        content=content, built_at=timezone.now()
    )
    if changed != 1:
        raise ListConflict("该期通报已印发，内容不再变动。")
    bulletin.refresh_from_db()
    return bulletin


def bulletin_issue(*, bulletin: Bulletin, by) -> Bulletin:
    if not scope_for(by).may_issue_bulletins(bulletin.township_id):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("您不能印发该通报。")
    changed = Bulletin.objects.filter(pk=bulletin.pk, status=Bulletin.Status.DRAFT).update(
        status=Bulletin.Status.ISSUED, issued_at=timezone.now(), issued_by=by
    )
    if changed != 1:
        raise ListConflict("该期通报已印发。")
    bulletin.refresh_from_db()
    return bulletin


def bulletin_workbook(bulletin: Bulletin) -> bytes:
    wb = Workbook(write_only=True)
    c = bulletin.content
    ws = wb.create_sheet("概况")
    ws.append(safe_row(ws, [str(bulletin)]))
    labels = {"ledger_on": "在帐督办事项", "ledger_struck": "本期销帐", "items_new": "本期新增清单事项",
              "items_finished": "本期销号事项"}  # fmt: skip
    for key, label in labels.items():
        ws.append(safe_row(ws, [label, c.get("figures", {}).get(key, 0)]))
    ws = wb.create_sheet("回复逾期单位")
    ws.append(safe_row(ws, ["责任单位", "逾期回复（次）"]))
    for row in c.get("units", []):
        ws.append(safe_row(ws, [row["name"], row["count"]]))
    ws = wb.create_sheet("清单逾期干部")
    ws.append(safe_row(ws, ["责任人", "逾期事项（项）"]))
    for row in c.get("cadres", []):
        ws.append(safe_row(ws, [row["name"], row["count"]]))
    ws = wb.create_sheet("排查覆盖率低的村")
    ws.append(safe_row(ws, ["排查", "村", "已走访户", "应走访户", "覆盖率%"]))
    for row in c.get("villages", []):
        ws.append(safe_row(ws, [row["sweep"], row["name"], row["visited"], row["total"], row["percent"]]))
    ws = wb.create_sheet("考核指标")
    ws.append(safe_row(ws, ["指标", "数值", "分子", "分母"]))
    for row in c.get("measures", []):
        ws.append(safe_row(ws, [row["label"], row["percent"], row["numerator"], row["denominator"]]))
    on_time = c.get("on_time", {"by": "承办单位", "rows": []})
    ws = wb.create_sheet("按期办结落后")
    ws.append(safe_row(ws, [on_time["by"], "逾期（件）", "应答复（件）", "按期办结率"]))
    for row in on_time["rows"]:
        ws.append(safe_row(ws, [row["name"], row["missed"], row["denominator"], row["percent"]]))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
