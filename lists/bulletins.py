"""Bulletins (通报): 一月一督查, 一季一通报, 半年一讲评, built from the supervision ledger, the checklists and the
sweeps, naming who is behind: units with overdue answers, cadres with overdue items, villages with low coverage.

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


def bulletin_content(township, kind: str, on: dt.date) -> tuple[dt.date, dt.date, dict]:
    start, end = period_of(kind, on)
    as_of = min(end, timezone.localdate())
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
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
