"""The desks, the leaders' numbers, hot spots, the supervision board and the monthly report.

Views parse input, call one read or service, choose the response. Everything but the desks is for
leaders and admins (``may_see_reports``); the desks show each role only what its scope allows.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from dashboards import boards, charts, exports, metrics
from dashboards.desks import desks_for
from dashboards.forms import (
    COUNTY_PLACE,
    KINDS,
    PeriodForm,
    ReportRequestForm,
    period_query,
    place_label,
    place_value,
)
from dashboards.models import MonthlyReport
from dashboards.periods import Period, PeriodError, last_months
from dashboards.services import monthly_report_fail_lost, monthly_report_request, report_places
from households.models import Township, Village, center_name_for
from petitions.models import Petition


def _require_reports(request) -> None:
    if not request.scope.may_see_reports:
        raise PermissionDenied("只有领导和管理员可以查看统计分析。")


# --- Desks -----------------------------------------------------------------------------------------


@login_required
@require_GET
def home(request):
    """Each role's desk; each block reads only through the request's scope."""
    villages = Village.objects.filter(pk__in=request.scope.village_ids).values_list("name", flat=True)
    context = {
        "liaison_villages": list(villages) if request.scope.is_liaison else [],
        "desks": desks_for(request.scope),
        "may_see_reports": request.scope.may_see_reports,
        "today": timezone.localdate(),
    }
    return render(request, "dashboards/home.html", context)


# --- The leaders' numbers --------------------------------------------------------------------------


def _cells(period: Period, figures: dict, dimension: str | None = None, key: str | None = None) -> list[dict]:
    """What a row of the numbers page shows per measure: the figure and the links behind it (the cases of
    ``metric_cases``). A page has a thousand links: the path and the shared parameters are written once."""
    path, shared = reverse("dashboards:metric_cases"), urlencode(period.as_query())
    group = f"&{urlencode({'dim': dimension, 'key': key})}" if dimension else ""

    def url(measure: str, part: str) -> str:
        return f"{path}?measure={measure}&part={part}&{shared}{group}"

    return [
        {
            "measure": m,
            "figure": figures[m.key],
            "numerator_url": url(m.key, "numerator"),
            "denominator_url": url(m.key, "denominator"),
            "missed_url": url(m.key, "missed"),
        }
        for m in metrics.MEASURES
    ]


GROUP_ROWS_PER_PAGE = 50


@login_required
@require_GET
def metrics_page(request):
    """The seven measures for a period, overall and by one of village / department / subject / channel
    (``by``; 50 rows a page, ``sort`` by a measure puts the lowest first), with a twelve-month trend.
    Queries: the period with the previous period, the trend and the grouping, each at most four (which
    months are kept, their counts, the cases and revisits of the rest), and the groups' names; none of them
    when the figures are remembered (``metrics.remembered``). A county has hundreds of villages and departments: all
    four tables at once made a 3 MB page."""
    _require_reports(request)
    form = PeriodForm(request.GET or None)
    period = form.period
    today = timezone.localdate()
    months = last_months(min(period.end, today), 12)
    by = request.GET.get("by") if request.GET.get("by") in metrics.DIMENSIONS else "village"
    sort = request.GET.get("sort") if request.GET.get("sort") in metrics.MEASURES_BY_KEY else ""
    townships = request.scope.counted_townships
    dimensions = _dimensions(request.scope)
    by = by if by in dimensions else "village"
    key = metrics.figures_key(period, today, townships)
    ((current, previous), trend, kinds_counted), computed_at, from_cache = metrics.remembered(
        "page:" + key,
        lambda: (
            metrics.compute_many([period, period.previous()], today=today, townships=townships),
            metrics.compute_many(months, today=today, townships=townships),
            metrics.visit_kinds(period, townships),
        ),
        [period, period.previous(), *months],
    )
    rows, rows_computed_at, rows_from_cache = metrics.remembered(
        f"page:{key}:{by}", lambda: metrics.compute_by(period, by, today=today, townships=townships), [period]
    )
    cases_url = reverse("petitions:index")
    span = {"received_from": period.start.isoformat(), "received_to": period.end.isoformat()}
    visit_kinds = [
        (label, kinds_counted[key], f"{cases_url}?{urlencode({**span, flag: 'on'})}")
        for key, flag, label in (("group_visits", "group_visit", "集体访"), ("skip_level", "skip_level", "越级访"))
    ]
    if sort:
        rows = sorted(rows, key=lambda r: (r.figures[sort].value is None, r.figures[sort].value or 0))
    rows_page = Paginator(rows, GROUP_ROWS_PER_PAGE).get_page(request.GET.get("page"))
    overall = _cells(period, current)
    for cell in overall:
        cell["previous"] = previous[cell["measure"].key]
    dimension = metrics.DIMENSIONS[by]
    here = {**period_query(period), "by": by}
    kind = form.data.get("kind") if form.data.get("kind") in dict(KINDS) else "month"
    context = {
        "form": form,
        "period": period,
        "previous": period.previous(),
        "kind": kind,
        "kinds": [(value, label, "?" + urlencode({"kind": value, "by": by})) for value, label in KINDS],
        "overall": overall,
        "visit_kinds": visit_kinds,
        "by": by,
        "sort": sort,
        "tabs": [(d, "?" + urlencode({**period_query(period), "by": d.key})) for d in dimensions.values()],
        "sort_links": [(m, "?" + urlencode({**here, "sort": m.key}) + f"#by-{by}") for m in metrics.MEASURES],
        "unsorted_url": "?" + urlencode(here) + f"#by-{by}",
        "page_query": urlencode({**here, **({"sort": sort} if sort else {})}),
        "rows_page": rows_page,
        "group": {
            "dimension": dimension,
            "rows": [{"row": r, "cells": _cells(period, r.figures, by, r.key)} for r in rows_page.object_list],
            "count": len(rows),
        },
        "measures": metrics.MEASURES,
        "trend_svg": charts.trend_svg(months, trend),
        "trend_rows": [
            (month, [(m.label, f[m.key]) for m in metrics.MEASURES]) for month, f in zip(months, trend, strict=True)
        ],
        "k": metrics.basic_weight(),
        "json_url": f"{reverse('dashboards:metrics_json')}?{urlencode(period.as_query())}",
        "today": today,
        "computed_at": min(computed_at, rows_computed_at) if (from_cache or rows_from_cache) else None,
        "cache_minutes": settings.MINQING_METRICS_CACHE_SECONDS // 60,
    }
    if period.kind != "custom":
        context["previous_url"] = "?" + urlencode({**period_query(period.previous()), "by": by})
        following = _following(period)
        if following.start <= today:
            context["next_url"] = "?" + urlencode({**period_query(following), "by": by})
    return render(request, "dashboards/metrics.html", context)


def _dimensions(scope) -> dict:
    """The groupings of the numbers page: 乡镇 only for a reader of several townships (the county)."""
    return {k: d for k, d in metrics.DIMENSIONS.items() if k != "township" or scope.reads_several_townships}


def _following(period: Period) -> Period:
    """The month, quarter or year after ``period``."""
    first = period.end + dt.timedelta(days=1)
    if period.kind == "month":
        return Period.month(first.year, first.month)
    if period.kind == "quarter":
        return Period.quarter(first.year, (first.month - 1) // 3 + 1)
    return Period.year(first.year)


@login_required
@require_GET
def metrics_json(request):
    """``/dashboards/metrics.json?from=YYYY-MM-DD&to=YYYY-MM-DD`` — the seven measures, overall and by
    village and department (shape: ``dashboards.metrics.as_json``). Leaders and admins; others 403.
    Without ``from`` and ``to``: the current month. A bad date: 400 with the reason in Chinese. ``computed_at``
    says when the figures were computed (slow ones are remembered a while: ``metrics.remembered``)."""
    if not request.scope.may_see_reports:
        return JsonResponse({"error": "只有领导和管理员可以查看统计数据。"}, status=403)
    start, end = request.GET.get("from"), request.GET.get("to")
    try:
        if start is None and end is None:
            period = Period.current_month()
        else:
            period = Period.parse_range(start, end)
    except PeriodError as e:
        return JsonResponse({"error": str(e)}, status=400, json_dumps_params={"ensure_ascii": False})
    today = timezone.localdate()
    townships = request.scope.counted_townships
    data, computed_at, _ = metrics.remembered(
        "json:" + metrics.figures_key(period, today, townships),
        lambda: metrics.as_json(period, today=today, townships=townships),
        [period],
    )
    data = {**data, "computed_at": computed_at.isoformat()}
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


@login_required
@require_GET
def metric_cases(request):
    """The cases behind one number of the numbers page — exactly those counted (dashboards.metrics.cases).

    Parameters: ``measure``, ``part`` (numerator / denominator / missed / satisfied / basic), ``from``,
    ``to`` and optionally ``dim`` (township / village / department / subject / channel) with ``key``. Only the
    reader's townships are counted (the county: all), as on the numbers page."""
    _require_reports(request)
    measure = metrics.MEASURES_BY_KEY.get(request.GET.get("measure", ""))
    part = request.GET.get("part", "")
    dimension = request.GET.get("dim") or None
    key = request.GET.get("key")
    if measure is None or part not in metrics.PART_LABELS or (dimension and dimension not in metrics.DIMENSIONS):
        return HttpResponseBadRequest("参数不正确：请从统计页面点击数字进入。".encode())
    try:
        period = Period.parse_range(request.GET.get("from"), request.GET.get("to"))
        qs = metrics.cases(
            period, measure.key, part, dimension=dimension, key=key, townships=request.scope.counted_townships
        )
    except PeriodError as e:
        return HttpResponseBadRequest(str(e).encode())
    except (KeyError, ValueError):
        return HttpResponseBadRequest("参数不正确：请从统计页面点击数字进入。".encode())
    qs = (
        qs.filter(pk__in=Petition.objects.visible_to(request.scope).values("pk"))
        .with_list_data()
        .with_deadline_state()
        .order_by("-received_at", "-pk")
    )
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    part_label = measure.numerator_label if part == "numerator" else measure.denominator_label
    if part == "missed":
        part_label = f"{measure.denominator_label}但未{measure.numerator_label}"
    elif part in ("satisfied", "basic"):
        part_label = metrics.PART_LABELS[part]
    group_label = ""
    if dimension:
        group_label = _group_label(dimension, key)
    return render(
        request,
        "dashboards/case_list.html",
        {
            "page_obj": page,
            "measure": measure,
            "part": part,
            "part_label": part_label,
            "period": period,
            "dimension": metrics.DIMENSIONS.get(dimension) if dimension else None,
            "group_label": group_label,
            "back_url": f"{reverse('dashboards:metrics')}?{urlencode(period_query(period.named()))}",
        },
    )


def _group_label(dimension: str, key: str | None) -> str:
    if key == metrics.NONE_KEY:
        return metrics.NONE_LABELS.get(dimension, "未指定")
    if dimension == "township":
        return Township.objects.filter(pk=key).values_list("name", flat=True).first() or ""
    if dimension == "village":
        return Village.objects.filter(pk=key).values_list("name", flat=True).first() or ""
    if dimension == "department":
        from petitions.models import Department

        return Department.objects.filter(pk=key).values_list("name", flat=True).first() or ""
    if dimension == "owner":
        from django.contrib.auth import get_user_model

        return get_user_model().objects.filter(pk=key).values_list("first_name", flat=True).first() or ""
    if dimension == "channel":
        from petitions.models import Channel

        return Channel(key).label
    return key or ""


# --- Hot spots and supervision ---------------------------------------------------------------------


@login_required
@require_GET
def hotspots_page(request):
    _require_reports(request)
    rule = boards.HotspotRule.from_settings()
    today = timezone.localdate()
    base_start, recent_start, end = boards.hotspot_windows(rule, today)
    return render(
        request,
        "dashboards/hotspots.html",
        {
            "spots": boards.hotspots(today, rule, Petition.objects.visible_to(request.scope)),
            "rule": rule,
            "recent_from": timezone.localdate(recent_start),
            "baseline_from": timezone.localdate(base_start),
            "today": today,
        },
    )


@login_required
@require_GET
def supervision(request, printable: bool = False):
    """Overdue and supervised cases by department; ``printable`` is the A4 sheet for 民情分析会."""
    _require_reports(request)
    today = timezone.localdate()
    groups = boards.supervision_board(today, Petition.objects.visible_to(request.scope))
    template = "dashboards/supervision_print.html" if printable else "dashboards/supervision.html"
    return render(
        request,
        template,
        {
            "groups": groups,
            "today": today,
            "total": sum(len(g.cases) for g in groups),
            "overdue": sum(g.overdue for g in groups),
            "supervised": sum(g.supervised for g in groups),
            "center_name": center_name_for(request.scope),
        },
    )


# --- The monthly report ----------------------------------------------------------------------------

REPORT_ROWS_PER_PAGE = 42  # two months of a county of twenty townships


@login_required
@require_http_methods(["GET", "POST"])
def reports(request):
    """The stored monthly reports the reader sees (``MonthlyReport.objects.visible_to``: their townships', and
    for the county every township's and the county workbook); POST asks for one to be (re)built. ``place``
    (a township's id, or ``county``) narrows the list."""
    _require_reports(request)
    places = report_places(request.scope)
    if request.method == "POST":
        form = ReportRequestForm(request.POST, places=places)
        if form.is_valid():
            period = form.cleaned_data["month"]
            report, queued = monthly_report_request(
                township=form.cleaned_data["township"],
                year=period.start.year,
                month=period.start.month,
                by=request.user,
            )
            if report.status == MonthlyReport.Status.FAILED:  # the queue is down (or an in-process build failed)
                messages.error(request, f"{report.title}{report.error}")
            elif queued:
                messages.success(request, f"已提交{report.title}的生成任务。")
            else:
                messages.info(request, f"{report.title}正在生成中，请稍候。")
            return redirect("dashboards:reports")
    else:
        form = ReportRequestForm(places=places)
    monthly_report_fail_lost()
    rows = MonthlyReport.objects.visible_to(request.scope).select_related("township", "requested_by").in_order()
    chosen = request.GET.get("place", "")
    if chosen == COUNTY_PLACE:
        rows = rows.filter(township__isnull=True)
    elif chosen.isdigit():
        rows = rows.filter(township_id=int(chosen))
    page = Paginator(rows, REPORT_ROWS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "dashboards/reports.html",
        {
            "form": form,
            "reports": page.object_list,
            "page_obj": page,
            "places": [(place_value(p), place_label(p)) for p in places] if len(places) > 1 else [],
            "chosen": chosen,
            "received_rule": exports.RECEIVED_RULE,
        },
    )


def _report(request, pk, **filters) -> MonthlyReport:
    """A report the reader sees, or 404 (another township's is as unknown as one that does not exist)."""
    reports = MonthlyReport.objects.visible_to(request.scope).select_related("township", "requested_by")
    return get_object_or_404(reports, pk=pk, **filters)


@login_required
@require_GET
def report_status(request, pk):
    """One report's row (htmx polls it every 2 s while it is queued or running)."""
    _require_reports(request)
    monthly_report_fail_lost()
    return render(request, "dashboards/_report_row.html", {"report": _report(request, pk)})


@login_required
@require_GET
def report_download(request, pk):
    """The workbook, to the leaders and admins of its township and the county only (never a public media URL)."""
    _require_reports(request)
    report = _report(request, pk, status=MonthlyReport.Status.READY)
    if not report.file:
        raise Http404("文件不存在。")
    try:
        handle = report.file.open("rb")
    except FileNotFoundError:
        raise Http404("文件不存在，请重新生成。") from None
    response = FileResponse(handle, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(report.download_name)}"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
