"""The contact households' monthly report (民情联系卡月报): drafted on the 1st, submitted by the 3rd, compiled per
township (and per county unit) for the joint meeting on the 5th (domain.md, "Contact households' monthly report").

- ``contact_report_figures(cadre, month)`` is the one function that turns a cadre's month of visits into the
  report's figures. Definitions (each over the visits of the month that have the cadre among the people who went):

  * 联系户 / 已走访: the cadre's contact households, and those a visit of the month with the cadre lists (the
    coverage pages' rule, ``visits.querysets``);
  * 走访次数: the visits; 走访人次: the sum of their head counts;
  * 收集意见: one opinion per case a visit raised, classified by the case's subject, and one under
    ``UNCLASSIFIED`` for a visit that heard something and raised no case;
  * 现场化解: the visits with something done on the spot (``done_on_spot``);
  * 转办诉求: the distinct cases the visits raised, and of those the finished ones (no longer open).

- ``contact_reports_build(month)`` drafts a report for every cadre who keeps contact households, once (the
  command ``build_contact_reports YYYY-MM`` and the beat on the 1st); a month not yet ended is refused.
- ``contact_report_submit`` and ``special_report_add`` are the cadre's writes; ``contact_reports_remind`` tells
  the late ones on the 2nd and the 3rd, once each (compare-and-set on the reminder's column).
- ``compile_reports`` sums the reports of a township (or a unit) for a month: the compilation.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from households.models import Household
from petitions.choices import OPEN_STATUSES
from petitions.models import Department, Petition
from visits.models import ContactReport, ContactReportEdit, SpecialReport, Visit
from visits.querysets import Month

#: The opinions of a visit that raised no case (未转办).
UNCLASSIFIED = "未转办（其他）"
#: The cadre's own words on the report.
TEXT_FIELDS = ("summary", "settled_note", "suggestions")


def report_month(report: ContactReport) -> Month:
    return Month(report.month.year, report.month.month)


def month_has_ended(month: Month, now: dt.datetime | None = None) -> bool:
    return (now or timezone.now()) >= month.end


def _not_ended(month: Month) -> ValidationError:
    return ValidationError(f"{month.label}尚未结束，不能生成或报送该月的民情联系卡月报（次月1日起生成）。")


# --- The figures -----------------------------------------------------------------------------------------------


def contact_report_figures(cadre, month: Month) -> dict:
    """The report's figures for ``cadre`` and ``month`` (see the module's docstring). Five queries."""
    visits = Visit.objects.filter(participants=cadre).in_month(month)
    contacts = Household.objects.filter(contact_cadre=cadre)
    by_cadre = Visit.objects.filter(households=OuterRef("pk"), participants=cadre).in_month(month)
    households = list(
        contacts.annotate(seen=Exists(by_cadre))
        .values("household_no", "head_name", "seen", "village__name")
        .order_by("village__sort_order", "household_no")
    )
    rows = list(visits.values("pk", "heard", "done_on_spot", "head_count").distinct())
    raised = list(
        Petition.objects.filter(visits__in=[row["pk"] for row in rows])
        .values("pk", "tracking_number", "summary", "status", "category__subject", "visits")
        .order_by("received_at", "pk")
    )
    opinions: Counter = Counter()
    cases_by_visit: dict[int, list] = {}
    for case in raised:
        cases_by_visit.setdefault(case["visits"], []).append(case)
    for row in rows:
        found = cases_by_visit.get(row["pk"])
        if found:
            opinions.update(case["category__subject"] for case in found)
        elif row["heard"].strip():
            opinions[UNCLASSIFIED] += 1
    distinct_cases = {case["pk"]: case for case in raised}
    return {
        "households_total": len(households),
        "households_visited": sum(1 for h in households if h["seen"]),
        "unvisited": [
            f"{h['village__name']} {h['head_name']}（{h['household_no']}）" for h in households if not h["seen"]
        ],
        "visits_count": len(rows),
        "people_met": sum(row["head_count"] for row in rows),
        "opinions_count": sum(opinions.values()),
        "opinions_by_subject": dict(sorted(opinions.items(), key=lambda kv: (-kv[1], kv[0]))),
        "settled_count": sum(1 for row in rows if row["done_on_spot"].strip()),
        "cases_raised": len(distinct_cases),
        "cases_finished": sum(1 for c in distinct_cases.values() if c["status"] not in OPEN_STATUSES),
        "cases": [
            {"tracking_number": c["tracking_number"], "summary": c["summary"], "status": c["status"]}
            for c in distinct_cases.values()
        ],
    }


def cadres_with_contacts():
    """Every active user who keeps contact households."""
    keeping = Household.objects.filter(contact_cadre=OuterRef("pk"))
    return get_user_model().objects.filter(Exists(keeping), is_active=True).order_by("pk")


def _home_of(cadre) -> tuple[int | None, int | None]:
    """(the township of most of the cadre's contact households, the cadre's county unit or None)."""
    township = (
        Household.objects.filter(contact_cadre=cadre)
        .values("village__township_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "village__township_id")
        .values_list("village__township_id", flat=True)
        .first()
    )
    unit = cadre.departments.filter(kind=Department.Kind.COUNTY).values_list("pk", flat=True).first()
    return township, unit


def contact_reports_build(month: Month, *, now: dt.datetime | None = None) -> int:
    """Draft the month's report of every cadre who keeps contact households and has none yet; returns how many
    were drafted (0 the second time). A month not yet ended is refused (ValidationError)."""
    now = now or timezone.now()
    if not month_has_ended(month, now):
        raise _not_ended(month)
    first = dt.date(month.year, month.month, 1)
    have = set(ContactReport.objects.filter(month=first).values_list("cadre_id", flat=True))
    made = 0
    for cadre in cadres_with_contacts().exclude(pk__in=have):
        township, unit = _home_of(cadre)
        if township is None:
            continue
        figures = contact_report_figures(cadre, month)
        with transaction.atomic():
            _, created = ContactReport.objects.get_or_create(
                cadre=cadre,
                month=first,
                defaults={"township_id": township, "unit_id": unit, "built_at": now, **figures},
            )
        made += created
    return made


# --- The cadre's writes ------------------------------------------------------------------------------------------


def _check_owner(report: ContactReport, by) -> None:
    if report.cadre_id != by.pk:
        raise PermissionDenied("只有本人可以填报自己的民情联系卡月报。")


def contact_report_submit(
    *, report: ContactReport, by, texts: dict, late_reason: str = "", now: dt.datetime | None = None
) -> ContactReport:
    """Submit (or edit) a report. By the 3rd: the first submission is on time (已按时报送) and a second one is an
    edit. After the 3rd: a draft is submitted late (逾期报送); a submitted report is locked — changed only with a
    written reason, recorded as a late edit (``ContactReportEdit``)."""
    _check_owner(report, by)
    now = now or timezone.now()
    today = timezone.localdate(now)
    month = report_month(report)
    if not month_has_ended(month, now):
        raise _not_ended(month)
    texts = {name: (texts.get(name) or "").strip() for name in TEXT_FIELDS}
    late_reason = late_reason.strip()
    with transaction.atomic():
        current = ContactReport.objects.select_for_update().get(pk=report.pk)
        if current.status == ContactReport.Status.DRAFT:
            status = ContactReport.Status.SUBMITTED if today <= current.deadline else ContactReport.Status.LATE
            # Compare-and-set: two submissions at once cannot both be the first.
            ContactReport.objects.filter(pk=current.pk, status=ContactReport.Status.DRAFT).update(
                status=status, submitted_at=now, updated_at=now, **texts
            )
        else:
            changes = {
                name: [getattr(current, name), value]
                for name, value in texts.items()
                if getattr(current, name) != value
            }
            if current.is_locked(today):
                if not late_reason:
                    raise ValidationError(
                        f"已过报送期限（{current.deadline:%-m月%-d日}），月报已锁定；如需更正，请填写更正说明。"
                    )
                ContactReportEdit.objects.create(
                    report=current,
                    by=by,
                    by_name=by.get_full_name() or by.get_username(),
                    at=now,
                    reason=late_reason,
                    changes=changes,
                )
            ContactReport.objects.filter(pk=current.pk).update(updated_at=now, **texts)
    report.refresh_from_db()
    return report


def may_add_special(report: ContactReport, today: dt.date | None = None) -> bool:
    return not report.is_locked(today)


def special_report_add(*, report: ContactReport, by, title: str, content: str, proposal: str = "") -> SpecialReport:
    """Attach a special report (民情专题报告) while the report is still open (a draft, or submitted by the 3rd)."""
    _check_owner(report, by)
    problems = {}
    if not title.strip():
        problems["title"] = "请填写专题报告标题。"
    if not content.strip():
        problems["content"] = "请填写专题报告的情况。"
    if problems:
        raise ValidationError(problems)
    if not may_add_special(report):
        raise ValidationError("已过报送期限，月报已锁定，不能再添加专题报告。")
    return SpecialReport.objects.create(
        report=report, title=title.strip(), content=content.strip(), proposal=proposal.strip()
    )


# --- Reminders on the 2nd and the 3rd ------------------------------------------------------------------------------

#: day of the month → the report's column that says this reminder went.
REMINDER_DAYS = {2: "first_reminder_at", 3: "second_reminder_at"}


def contact_reports_remind(*, now: dt.datetime | None = None) -> int:
    """On the 2nd and the 3rd, tell each cadre whose last month's report is still a draft, once per day (the
    column is claimed by compare-and-set before the message goes). Returns how many were told."""
    from notifications.services import notification_send

    now = now or timezone.now()
    today = timezone.localdate(now)
    column = REMINDER_DAYS.get(today.day)
    if column is None:
        return 0
    month = Month(today.year, today.month).previous()
    first = dt.date(month.year, month.month, 1)
    due = ContactReport.objects.filter(month=first, status=ContactReport.Status.DRAFT, **{f"{column}__isnull": True})
    told = 0
    for report in due.select_related("cadre"):
        claimed = ContactReport.objects.filter(pk=report.pk, **{f"{column}__isnull": True}).update(**{column: now})
        if claimed != 1:
            continue
        last_day = "今天是报送截止日" if today.day == 3 else "请于3日前报送"
        told += notification_send(
            recipients=[report.cadre],
            kind="contact_report_due",
            title=f"{month.label}民情联系卡月报尚未报送",
            body=f"您的{month.label}民情联系卡月报已生成草稿，{last_day}。",
            url=reverse("visits:report_edit", args=[report.pk]),
        )
    return told


# --- The compilation -------------------------------------------------------------------------------------------------


@dataclass
class Compilation:
    """A month's reports of a township (or a county unit) added up (汇总)."""

    title: str
    month: Month
    reports: list[ContactReport]
    totals: dict = field(default_factory=dict)
    opinions_by_subject: dict = field(default_factory=dict)
    specials: list[SpecialReport] = field(default_factory=list)
    submitted: int = 0
    late: int = 0
    missing: int = 0

    @property
    def coverage_percent(self) -> int:
        total = self.totals.get("households_total", 0)
        return round(100 * self.totals.get("households_visited", 0) / total) if total else 0


def compile_reports(reports, *, title: str, month: Month) -> Compilation:
    """Sum ``reports`` (each with its special reports prefetched): every figure, the opinions per subject, the
    special reports, and who submitted on time, late or not at all."""
    reports = list(reports)
    totals = {name: sum(getattr(r, name) for r in reports) for name in ContactReport.SUMMED}
    opinions: Counter = Counter()
    for r in reports:
        opinions.update(r.opinions_by_subject)
    status = Counter(r.status for r in reports)
    return Compilation(
        title=title,
        month=month,
        reports=reports,
        totals=totals,
        opinions_by_subject=dict(sorted(opinions.items(), key=lambda kv: (-kv[1], kv[0]))),
        specials=[s for r in reports for s in r.special_reports.all()],
        submitted=status[ContactReport.Status.SUBMITTED],
        late=status[ContactReport.Status.LATE],
        missing=status[ContactReport.Status.DRAFT],
    )


def reports_of_month(month: Month):
    return (
        ContactReport.objects.filter(month=dt.date(month.year, month.month, 1))
        .select_related("cadre", "township", "unit")
        .prefetch_related("special_reports")
        .annotate(specials=Count("special_reports"))
        .order_by("township__sort_order", "cadre__first_name", "pk")
    )


def township_compilation(township, month: Month) -> Compilation:
    return compile_reports(
        reports_of_month(month).filter(township=township),
        title=f"{township.name}{month.label}民情联系卡月报汇总",
        month=month,
    )


def unit_compilation(unit, month: Month) -> Compilation:
    return compile_reports(
        reports_of_month(month).filter(unit=unit), title=f"{unit.name}{month.label}民情联系卡月报汇总", month=month
    )


def reports_q_for(scope) -> Q:
    """The reports a scope reads on the board: its townships' (the county: all)."""
    return scope.townships_q("township")
