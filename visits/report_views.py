"""Pages of the contact households' monthly report, the quotas and the cadres' files (issue 20).

- ``/visits/reports/``: one's own reports; for leaders and the county the board of a month (who filed, who is
  late) and the compilations; the county exports every report to Excel.
- ``/visits/reports/<pk>/``: the cadre's phone-sized page: the figures, their words, special reports, submit.
- ``/visits/reports/compilation/``: a township's (or a county unit's) month summed, A4 print and Excel.
- ``/visits/contacts/quotas/``: each cadre's progress against the township's quotas, behind first.
- ``/visits/cadres/``: 干部民情工作档案 per period, sortable by any column, Excel for assessment.
- ``/visits/deputies/<pk>/book/``: a deputy's record book (联系选民记录簿), printable.
"""

from __future__ import annotations

import datetime as dt
import io
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from openpyxl import Workbook

from dashboards.metrics import Figure
from households.models import Township
from minqing.xlsx import safe_row
from petitions.choices import Status
from petitions.models import Department
from visits.accountability import COLUMNS, assessment_period, cadre_files, quota_progress, sort_files
from visits.forms import ContactReportForm, SpecialReportForm
from visits.models import ContactReport, Visit, quota_for
from visits.querysets import Month
from visits.reports import (
    contact_report_submit,
    may_add_special,
    month_has_ended,
    reports_of_month,
    special_report_add,
    township_compilation,
    unit_compilation,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(rows: list[list], filename: str, sheet: str) -> HttpResponse:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet)
    for row in rows:
        ws.append(safe_row(ws, row))
    out = io.BytesIO()
    wb.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def _last_month() -> Month:
    return Month.current().previous()


def _month(request) -> Month:
    """The month asked for (?month=YYYY-MM), last month by default."""
    return Month.parse(request.GET.get("month")) if request.GET.get("month") else _last_month()


# --- The board ----------


@login_required
def report_board(request):
    scope = request.scope
    month = _month(request)
    today = timezone.localdate()
    mine = list(ContactReport.objects.filter(cadre_id=scope.user_id).select_related("township").order_by("-month")[:12])
    context = {"month": month, "mine": mine, "today": today, "current": Month.current()}
    if scope.may_read_report_board:
        reports = list(reports_of_month(month).filter(scope.townships_q("township")))
        for r in reports:
            r.overdue = r.is_overdue(today)
        if request.GET.get("format") == "xlsx":
            if not scope.may_export_every_report:
                raise PermissionDenied("导出全县月报仅限县级。")
            return _board_xlsx(reports, month)
        townships = Township.objects.filter(scope.townships_q("pk")) if not scope.sees_every_township else None
        townships = list(townships if townships is not None else Township.objects.all())
        units = (
            list(
                Department.objects.filter(kind=Department.Kind.COUNTY, contact_reports__month=_first(month)).distinct()
            )
            if scope.sees_every_township
            else []
        )
        context.update(
            reports=reports,
            submitted=sum(r.status == ContactReport.Status.SUBMITTED for r in reports),
            late=sum(r.status == ContactReport.Status.LATE for r in reports),
            missing=sum(r.status == ContactReport.Status.DRAFT for r in reports),
            townships=townships,
            units=units,
        )
    return render(request, "visits/report_board.html", context)


def _first(month: Month) -> dt.date:
    return dt.date(month.year, month.month, 1)


def _board_xlsx(reports, month: Month) -> HttpResponse:
    rows = [
        ["乡镇", "县直单位", "联系干部", "状态", "报送时间", "联系户", "已走访", "走访次数", "走访人次",
         "收集意见", "现场化解", "转办诉求", "其中已办结", "专题报告"],
    ]  # fmt: skip
    for r in reports:
        rows.append(
            [r.township.name, r.unit.name if r.unit_id else "", r.cadre.get_full_name() or r.cadre.username,
             "逾期未报" if r.overdue else r.get_status_display(),
             timezone.localtime(r.submitted_at).strftime("%Y-%m-%d %H:%M") if r.submitted_at else "",
             r.households_total, r.households_visited, r.visits_count, r.people_met, r.opinions_count,
             r.settled_count, r.cases_raised, r.cases_finished, r.specials]
        )  # fmt: skip
    return _xlsx(rows, f"{month.label}民情联系卡月报.xlsx", "月报报送情况")


# --- The cadre's page ----------


@login_required
def report_edit(request, pk: int):
    """The cadre's own report (anyone else: 404); leaders read it on the board's compilation."""
    report = get_object_or_404(
        ContactReport.objects.select_related("township", "cadre"), pk=pk, cadre_id=request.scope.user_id
    )
    today = timezone.localdate()
    locked = report.is_locked(today)
    form = ContactReportForm(instance=report, locked=locked)
    special = SpecialReportForm()
    if request.method == "POST":
        if request.POST.get("action") == "special":
            special = SpecialReportForm(request.POST)
            if special.is_valid():
                try:
                    special_report_add(report=report, by=request.user, **special.cleaned_data)
                except ValidationError as e:
                    messages.error(request, " ".join(e.messages))
                else:
                    messages.success(request, "专题报告已添加。")
                    return redirect("visits:report_edit", pk=report.pk)
        else:
            form = ContactReportForm(request.POST, instance=ContactReport.objects.get(pk=report.pk), locked=locked)
            if form.is_valid():
                was = report.status
                try:
                    contact_report_submit(
                        report=report,
                        by=request.user,
                        texts={name: form.cleaned_data[name] for name in ("summary", "settled_note", "suggestions")},
                        late_reason=form.cleaned_data.get("late_reason", ""),
                    )
                except ValidationError as e:
                    form.add_error("late_reason" if locked else None, " ".join(e.messages))
                else:
                    if was == ContactReport.Status.DRAFT:
                        messages.success(request, f"月报已报送（{report.get_status_display()}）。")
                    else:
                        messages.success(request, "月报已修改。" if not locked else "月报已更正，更正记录已留存。")
                    return redirect("visits:report_edit", pk=report.pk)
    return render(
        request,
        "visits/report_edit.html",
        {
            "report": report,
            "form": form,
            "special": special,
            "locked": locked,
            "may_add_special": may_add_special(report, today),
            "specials": report.special_reports.all(),
            "late_edits": report.late_edits.all(),
            "status_labels": dict(Status.choices),
            "month": Month(report.month.year, report.month.month),
            "ended": month_has_ended(Month(report.month.year, report.month.month)),
        },
    )


# --- The compilation ----------


@login_required
def compilation(request):
    """?township=<id> (or ?unit=<id>, the county only) &month=YYYY-MM; ?format=xlsx for Excel."""
    scope = request.scope
    month = _month(request)
    if request.GET.get("unit"):
        unit = get_object_or_404(Department, pk=_int(request.GET["unit"]), kind=Department.Kind.COUNTY)
        if not scope.may_read_compilation(None):
            raise PermissionDenied("县直单位的月报汇总仅限县级查看。")
        result = unit_compilation(unit, month)
    else:
        township_id = _int(request.GET.get("township")) or (
            next(iter(scope.township_ids)) if len(scope.township_ids) == 1 else None
        )
        if not scope.may_read_report_board:
            raise PermissionDenied("月报汇总仅供乡镇领导和县级查看。")
        township = get_object_or_404(Township, pk=township_id) if township_id else None
        if township is None or not scope.may_read_compilation(township.pk):
            raise Http404("没有这个乡镇。")
        result = township_compilation(township, month)
    if request.GET.get("format") == "xlsx":
        return _compilation_xlsx(result)
    return render(request, "visits/compilation.html", {"c": result, "status_labels": dict(Status.choices)})


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _compilation_xlsx(c) -> HttpResponse:
    t = c.totals
    rows = [
        [c.title],
        ["应报", len(c.reports), "按时报送", c.submitted, "逾期报送", c.late, "未报送", c.missing],
        ["联系户", t["households_total"], "已走访", t["households_visited"], "覆盖率", f"{c.coverage_percent}%"],
        ["走访次数", t["visits_count"], "走访人次", t["people_met"], "收集意见", t["opinions_count"]],
        ["现场化解", t["settled_count"], "转办诉求", t["cases_raised"], "其中已办结", t["cases_finished"]],
        [],
        ["意见分类", "条数"],
        *[[subject, n] for subject, n in c.opinions_by_subject.items()],
        [],
        [
            "联系干部",
            "状态",
            "联系户",
            "已走访",
            "走访次数",
            "收集意见",
            "现场化解",
            "转办诉求",
            "民情综述",
            "意见建议",
        ],
    ]
    for r in c.reports:
        rows.append(
            [r.cadre.get_full_name() or r.cadre.username, r.get_status_display(), r.households_total,
             r.households_visited, r.visits_count, r.opinions_count, r.settled_count, r.cases_raised, r.summary,
             r.suggestions]
        )  # fmt: skip
    rows += [[], ["民情专题报告", "联系干部", "情况", "建议"]]
    for s in c.specials:
        rows.append([s.title, s.report.cadre.get_full_name() or s.report.cadre.username, s.content, s.proposal])
    return _xlsx(rows, f"{c.title}.xlsx", "月报汇总")


# --- Quotas ----------


@login_required
def quotas(request):
    if not request.scope.may_read_quotas:
        raise PermissionDenied("走访定额仅供中心工作人员和村联络员查看。")
    today = timezone.localdate()
    return render(
        request,
        "visits/quotas.html",
        {"rows": quota_progress(request.scope, today), "today": today, "month": Month.current()},
    )


# --- The cadres' files ----------


@login_required
def cadres(request):
    if not request.scope.may_read_cadre_files:
        raise PermissionDenied("干部民情工作档案仅供乡镇领导和县级查看。")
    today = timezone.localdate()
    year = _int(request.GET.get("year")) or today.year
    if not 2000 <= year <= today.year + 1:
        year = today.year
    half = request.GET.get("half") if request.GET.get("half") in ("1", "2") else ""
    period = assessment_period(year, half)
    column = request.GET.get("sort") if request.GET.get("sort") in COLUMNS else "quota_percent"
    descending = request.GET.get("dir") == "desc"
    rows = sort_files(cadre_files(request.scope, period, today), column, descending)
    label = f"{year}年{ {'1': '上半年', '2': '下半年'}.get(half, '全年') }"
    if request.GET.get("format") == "xlsx":
        return _cadres_xlsx(rows, label)
    return render(
        request,
        "visits/cadres.html",
        {
            "rows": rows,
            "columns": COLUMNS,
            "column": column,
            "descending": descending,
            "year": year,
            "half": half,
            "years": range(today.year, today.year - 5, -1),
            "label": label,
        },
    )


def _cell(value):
    if isinstance(value, Figure):
        return value.percent if value.denominator else "—"
    return "—" if value is None else value


def _cadres_xlsx(rows, label: str) -> HttpResponse:
    out = [[f"{label}干部民情工作档案"], list(COLUMNS.values())]
    for r in rows:
        out.append(
            [r["name"], r["place"], r["visits"], r["quota"], f"{r['quota_percent']}%",
             "—" if r["coverage"] is None else f"{r['coverage']}%",
             "—" if r["reports_on_time"] is None else f"{r['reports_on_time_count']}/{r['reports_due']}",
             _cell(r["response_rate"]), _cell(r["on_time_rate"]), _cell(r["satisfaction_rate"])]
        )  # fmt: skip
    return _xlsx(out, f"{label}干部民情工作档案.xlsx", "干部民情工作档案")


# --- The deputy's record book ----------


@login_required
def deputy_book(request, pk: int):
    """联系选民记录簿: a deputy's contacts with voters of a year, printable. The center sees any deputy, a deputy
    their own book."""
    scope = request.scope
    if not (scope.may_record_visits and (scope.is_center or scope.user_id == pk)):
        raise Http404("没有这本记录簿。")
    deputy = get_object_or_404(
        get_user_model().objects.select_related("cadre_profile"), pk=pk, cadre_profile__is_deputy=True
    )
    homes = set(Township.objects.filter(Q(staff=deputy) | Q(villages__liaisons=deputy)).values_list("pk", flat=True))
    if scope.user_id != pk and not any(scope.in_township(t) for t in homes):
        raise Http404("没有这本记录簿。")
    today = timezone.localdate()
    year = _int(request.GET.get("year")) or today.year
    start = timezone.make_aware(dt.datetime(year, 1, 1))
    visits = list(
        Visit.objects.filter(participants=deputy, kind__in=Visit.DEPUTY_KINDS, visited_at__gte=start)
        .filter(visited_at__lt=timezone.make_aware(dt.datetime(year + 1, 1, 1)))
        .select_related("village")
        .order_by("visited_at", "pk")
    )
    total = sum(v.head_count for v in visits)
    rule = quota_for(min(homes, default=None)).deputy_yearly_contacts
    return render(
        request,
        "visits/deputy_book.html",
        {"deputy": deputy, "year": year, "visits": visits, "total": total, "rule": rule, "short": max(rule - total, 0)},
    )
