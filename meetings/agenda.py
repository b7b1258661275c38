"""The agenda that builds itself (议程): what waits at a meeting's level, read when the meeting is planned.

``AGENDA_SOURCES[level]`` lists the reads, in the order the agenda shows them; each is ``(meeting, today) →
[Draft]``. A case comes once (the first source that names it; later ones add their reason to its note):

- 村 (a village's 村两委分析会): the village's cases waiting for it (待村处理).
- 办 (an office's monthly meeting): the office's open cases — overdue first, then supervised, then by deadline.
- 乡 (the township's 党政联席分析会 and others): cases waiting for instruction longer than the kind's
  ``waiting_days``, overdue cases, supervised cases, hot spots (``petitions.hotspots``) and the last month's
  contact-household visits (民情联系户, from the visits the cadres recorded) and the compilation of the cadres'
  monthly reports (民情联系卡月报汇总, ``visits.reports``).
- 县: the county's supervised and overdue cases and hot spots.

Before all of them, the follow-up (``previous_meeting_items``): each decision of the last meeting of the same kind
and body, whose outcome the page shows (``meetings.followup``).

**Hook for what comes later.** The findings checklist (排查发现, 未销号事项) and the supervision ledger (挂帐督办)
come with a later issue; each will add its read here, e.g. ``AGENDA_SOURCES[Level.TOWNSHIP].append(open_findings)``,
returning ``Draft(source=…, title=…, detail=…)`` items (add its ``AgendaItem.Source`` value with a migration).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.utils import timezone

from households.models import Household
from meetings.models import AgendaItem, Decision, Level, Meeting
from petitions.choices import OPEN_STATUSES, RUNNING_STATUSES, Status
from petitions.hotspots import HotspotRule, hotspots
from petitions.models import Petition, PetitionEvent
from petitions.querysets import overdue_on
from visits.models import Visit
from visits.querysets import Month

Source = AgendaItem.Source


@dataclass
class Draft:
    source: str
    petition: Petition | None = None
    title: str = ""
    detail: str = ""
    previous_decision: Decision | None = None


def cases_in_scope(meeting: Meeting):
    """The cases a meeting may take up: its village's, its office's (led or assisted), its township's, or (the
    county) every case. A case outside is refused on the agenda and in a decision."""
    cases = Petition.objects.all()
    if meeting.level == Level.VILLAGE:
        return cases.filter(village_id=meeting.village_id)
    if meeting.level == Level.OFFICE:
        assisted = Petition.assisting_departments.through.objects.filter(department_id=meeting.department_id)
        return cases.filter(Q(lead_department_id=meeting.department_id) | Q(pk__in=assisted.values("petition_id")))
    if meeting.level == Level.TOWNSHIP:
        return cases.filter(township_id=meeting.township_id)
    return cases


def _days(since: dt.datetime | dt.date | None, today: dt.date) -> int:
    if since is None:
        return 0
    day = timezone.localdate(since) if isinstance(since, dt.datetime) else since
    return (today - day).days


def _deadline(case: Petition, today: dt.date) -> str:
    lead = case.lead_department.name if case.lead_department_id else "未交办"
    if case.reply_by is None:
        return f"牵头单位：{lead}"
    late = (today - case.reply_by).days
    state = f"，已超期{late}天" if late > 0 and case.status in RUNNING_STATUSES else ""
    return f"牵头单位：{lead}；答复期限：{case.reply_by:%Y-%m-%d}{state}"


def _with_case_data(cases):
    return cases.select_related("village", "category", "lead_department").order_by("received_at", "pk")


# --- 村 -----------------------------------------------------------------------------------------------


def triage_cases(meeting: Meeting, today: dt.date) -> list[Draft]:
    cases = _with_case_data(cases_in_scope(meeting).filter(status=Status.VILLAGE_TRIAGE))
    return [
        Draft(
            Source.TRIAGE,
            case,
            detail=f"受理{_days(case.received_at, today)}天；{case.get_channel_display()}",
        )
        for case in cases
    ]


# --- 办 -----------------------------------------------------------------------------------------------


def office_cases(meeting: Meeting, today: dt.date) -> list[Draft]:
    cases = list(
        _with_case_data(
            cases_in_scope(meeting).filter(lead_department_id=meeting.department_id, status__in=OPEN_STATUSES)
        )
    )

    def is_overdue(case):
        return case.status in RUNNING_STATUSES and case.reply_by is not None and case.reply_by < today

    cases.sort(key=lambda c: (not is_overdue(c), not c.supervised, c.reply_by or dt.date.max, c.pk))
    drafts = []
    for case in cases:
        source = Source.OVERDUE if is_overdue(case) else Source.SUPERVISED if case.supervised else Source.OPEN
        flags = "；督办中" if case.supervised and source != Source.SUPERVISED else ""
        drafts.append(Draft(source, case, detail=f"{case.get_status_display()}；{_deadline(case, today)}{flags}"))
    return drafts


# --- 乡 / 县 ----------------------------------------------------------------------------------------------


def waiting_cases(meeting: Meeting, today: dt.date) -> list[Draft]:
    """Waiting for instruction longer than the kind's ``waiting_days``, counted from the day the case last came
    into 待批示 (submitted, sent up by the village, or returned by a department)."""
    came = PetitionEvent.objects.filter(petition=OuterRef("pk"), to_status=Status.AWAITING_INSTRUCTION).order_by(
        "-created_at", "-pk"
    )
    cutoff = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=meeting.kind.waiting_days), dt.time.min))
    cases = _with_case_data(
        cases_in_scope(meeting)
        .filter(status=Status.AWAITING_INSTRUCTION)
        .annotate(waiting_since=Subquery(came.values("created_at")[:1]))
        .filter(waiting_since__lt=cutoff)
    )
    drafts = []
    for case in cases:
        note = f"待批示{_days(case.waiting_since, today)}天（{timezone.localdate(case.waiting_since):%m月%d日}起）"
        if case.village_analysis:
            note += f"；村两委意见：{case.village_analysis}"
        drafts.append(Draft(Source.WAITING, case, detail=note))
    return drafts


def overdue_cases(meeting: Meeting, today: dt.date) -> list[Draft]:
    cases = _with_case_data(cases_in_scope(meeting).filter(status__in=RUNNING_STATUSES).filter(overdue_on(today)))
    return [Draft(Source.OVERDUE, case, detail=_deadline(case, today)) for case in cases]


def supervised_cases(meeting: Meeting, today: dt.date) -> list[Draft]:
    cases = _with_case_data(cases_in_scope(meeting).filter(supervised=True, status__in=OPEN_STATUSES))
    return [Draft(Source.SUPERVISED, case, detail=f"督办中；{_deadline(case, today)}") for case in cases]


def hot_spots(meeting: Meeting, today: dt.date) -> list[Draft]:
    rule = HotspotRule.from_settings()
    drafts = []
    for spot in hotspots(today, rule, cases_in_scope(meeting)):
        numbers = "、".join(case.tracking_number for case in spot.cases)
        drafts.append(
            Draft(
                Source.HOTSPOT,
                title=f"热点：{spot.village}·{spot.subject}",
                detail=f"近{rule.recent_days}天{spot.recent}件（此前{rule.baseline_days}天{spot.baseline}件）；{numbers}",
            )
        )
    return drafts


def contact_reports(meeting: Meeting, today: dt.date) -> list[Draft]:
    """The last month's contact households (民情联系户): kept and visited by their cadre, per village. One item, or
    none when the township has no contact households."""
    month = Month(meeting.date.year, meeting.date.month).previous()
    visited = Exists(Visit.objects.by_contact_cadre().in_month(month))
    rows = list(
        Household.objects.filter(village__township_id=meeting.township_id, contact_cadre__isnull=False)
        .values("village__name", "village__sort_order")
        .annotate(total=Count("pk"), visited=Count("pk", filter=Q(visited)))
        .order_by("village__sort_order", "village__name")
    )
    total = sum(r["total"] for r in rows)
    if not total:
        return []
    seen = sum(r["visited"] for r in rows)
    behind = [f"{r['village__name']}{r['total'] - r['visited']}户" for r in rows if r["visited"] < r["total"]]
    detail = f"联系户{total}户，已走访{seen}户（{round(100 * seen / total)}%）"
    detail += f"；未走访：{'、'.join(behind)}" if behind else "；全部走访"
    return [Draft(Source.CONTACT_REPORTS, title=f"{month.label}民情联系户走访情况", detail=detail)]


def contact_report_compilation(meeting: Meeting, today: dt.date) -> list[Draft]:
    """The township's compilation of last month's contact-household reports (民情联系卡月报汇总): one item with the
    sums, or none when no report of that month exists (visits.reports.township_compilation)."""
    from visits.reports import township_compilation

    month = Month(meeting.date.year, meeting.date.month).previous()
    c = township_compilation(meeting.township, month)
    if not c.reports:
        return []
    t = c.totals
    subjects = "、".join(f"{s}{n}条" for s, n in list(c.opinions_by_subject.items())[:5])
    detail = (
        f"应报{len(c.reports)}份，按时报送{c.submitted}份，逾期报送{c.late}份，未报送{c.missing}份；"
        f"联系户{t['households_total']}户，已走访{t['households_visited']}户；收集意见{t['opinions_count']}条"
        f"{'（' + subjects + '）' if subjects else ''}，现场化解{t['settled_count']}件，转办诉求{t['cases_raised']}件；"
        f"专题报告{len(c.specials)}份"
    )
    return [Draft(Source.CONTACT_REPORTS, title=c.title, detail=detail)]


#: level → the reads of its agenda, in order. The hook for later sources (findings, the supervision ledger).
AGENDA_SOURCES: dict[str, list[Callable[[Meeting, dt.date], list[Draft]]]] = {
    Level.VILLAGE: [triage_cases],
    Level.OFFICE: [office_cases],
    Level.TOWNSHIP: [
        waiting_cases,
        overdue_cases,
        supervised_cases,
        hot_spots,
        contact_reports,
        contact_report_compilation,
    ],  # fmt: skip
    Level.COUNTY: [supervised_cases, overdue_cases, hot_spots],
}


def previous_meeting(meeting: Meeting) -> Meeting | None:
    """The last meeting of the same kind and body before this one's date."""
    return (
        Meeting.objects.filter(kind_id=meeting.kind_id, body_key=meeting.body_key, date__lt=meeting.date)
        .exclude(pk=meeting.pk)
        .order_by("-date", "-pk")
        .first()
    )


def previous_meeting_items(meeting: Meeting, today: dt.date) -> list[Draft]:
    if meeting.previous_id is None:
        return []
    decisions = Decision.objects.filter(item__meeting_id=meeting.previous_id, item__removed=False).select_related(
        "item", "item__petition"
    )
    return [
        Draft(
            Source.FOLLOW_UP,
            title=(d.item.petition.tracking_number if d.item.petition_id else d.item.title),
            detail=d.measure,
            previous_decision=d,
        )
        for d in decisions.order_by("item__position", "item__pk")
    ]


def drafts_for(meeting: Meeting, today: dt.date) -> list[Draft]:
    """The whole agenda as it would be built today: the follow-up, then each source's items, each case once."""
    drafts = previous_meeting_items(meeting, today)
    by_case: dict[int, Draft] = {}
    for read in AGENDA_SOURCES.get(meeting.level, []):
        for draft in read(meeting, today):
            if draft.petition is not None:
                first = by_case.get(draft.petition.pk)
                if first is not None:
                    label = Source(draft.source).label
                    if label not in first.detail:
                        first.detail += f"；{label}"
                    continue
                by_case[draft.petition.pk] = draft
            drafts.append(draft)
    return drafts
