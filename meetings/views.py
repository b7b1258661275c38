"""The meetings pages: the month's calendar, planning, the meeting page (agenda, decisions, follow-up), the A4
minutes. Each view parses input, calls one service (meetings/services.py) and chooses the response; every meeting
is fetched through ``Meeting.objects.visible_to(request.scope)`` (out of scope: 404)."""

from __future__ import annotations

import calendar
import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from meetings import services
from meetings.followup import outcomes
from meetings.forms import (
    AddCaseForm,
    AddTopicForm,
    CompleteForm,
    DecisionForm,
    MeetingEditForm,
    MeetingPlanForm,
    owner_departments,
)
from meetings.models import AgendaItem, Decision, Level, Meeting, MeetingKind
from meetings.services import MeetingError
from minqing.filters import as_id
from petitions.models import Petition
from petitions.workflow import TransitionError
from visits.querysets import Month


def _reader(request) -> None:
    if not request.scope.may_read_meetings:
        raise PermissionDenied("您没有查看民情分析会的权限。")


def _meeting_or_404(request, pk) -> Meeting:
    _reader(request)
    return get_object_or_404(Meeting.objects.visible_to(request.scope).with_page_data(), pk=pk)


def _form_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


# --- The month ------------------------------------------------------------------------------------------------


@login_required
@require_GET
def meeting_calendar(request):
    """会议: the month's meetings the reader may see, as a calendar (a list on a phone), by level if asked."""
    _reader(request)
    month = Month.parse(request.GET.get("month"))
    level = request.GET.get("level", "")
    meetings = Meeting.objects.visible_to(request.scope).in_month(month.year, month.month).with_page_data()
    if level in Level.values:
        meetings = meetings.filter(level=level)
    meetings = list(meetings.order_by("date", "start_time", "pk"))
    by_day: dict[dt.date, list[Meeting]] = {}
    for meeting in meetings:
        by_day.setdefault(meeting.date, []).append(meeting)
    weeks = [
        [{"date": day, "in_month": day.month == month.month, "meetings": by_day.get(day, [])} for day in week]
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month)
    ]
    return render(
        request,
        "meetings/calendar.html",
        {
            "month": month,
            "previous_month": month.previous(),
            "next_month": month.next(),
            "weeks": weeks,
            "meetings": meetings,
            "level": level,
            "levels": Level.choices,
            "rhythms": [
                f"{k.name}{k.rhythm_text}" for k in MeetingKind.objects.filter(is_active=True).exclude(rhythm="none")
            ],
            "today": timezone.localdate(),
        },
    )


@login_required
def meeting_new(request):
    """安排会议 by hand (the rhythm plans the regular ones): the kind, the body, the details; the agenda builds
    itself."""
    _reader(request)
    if not request.scope.may_plan_meetings:
        raise PermissionDenied("您不能安排会议。")
    if request.method == "POST":
        form = MeetingPlanForm(request.POST, scope=request.scope)
        if form.is_valid():
            data = form.cleaned_data
            try:
                meeting = services.meeting_plan(
                    by=request.user,
                    kind=data["kind"],
                    date=data["date"],
                    township=data.get("township"),
                    village=data.get("village"),
                    department=data.get("department"),
                    start_time=data.get("start_time"),
                    place=data.get("place", ""),
                    chair=data.get("chair"),
                    secretary=data.get("secretary"),
                    attendees=data.get("attendees") or [],
                    other_attendees=data.get("other_attendees", ""),
                )
            except ValidationError as e:
                _form_errors(form, e)
            else:
                messages.success(request, f"已安排：{meeting.title}，议程已生成（{meeting.items.count()}项）。")
                return redirect("meetings:detail", pk=meeting.pk)
    else:
        initial = {"date": request.GET.get("date") or timezone.localdate()}
        for name in ("kind", "village", "department", "township"):
            if as_id(request.GET.get(name)):
                initial[name] = as_id(request.GET[name])
        initial["secretary"] = request.user.pk
        form = MeetingPlanForm(scope=request.scope, initial=initial)
    return render(request, "meetings/meeting_form.html", {"form": form, "title": "安排会议"})


# --- The meeting ----------------------------------------------------------------------------------------------


def _items(meeting: Meeting):
    petitions = Petition.objects.select_related("village", "category", "lead_department")
    return list(
        meeting.items.filter(removed=False)
        .select_related(
            "decision",
            "decision__owner_department",
            "decision__event",
            "previous_decision",
            "previous_decision__owner_department",
            "previous_decision__item",
            "previous_decision__item__meeting",
        )
        .prefetch_related(
            Prefetch("petition", queryset=petitions),
            Prefetch("previous_decision__item__petition", queryset=petitions),
        )
        .order_by("position", "pk")
    )


def meeting_context(request, meeting: Meeting, forms: dict | None = None) -> dict:
    """What the meeting page and the minutes show: the follow-up with each outcome, the agenda, and for a keeper
    of an open meeting whose day has come, a decision form per undecided item (``forms``: bound ones to show)."""
    scope = request.scope
    today = timezone.localdate()
    items = _items(meeting)
    follow_ups = [i for i in items if i.is_follow_up]
    agenda = [i for i in items if not i.is_follow_up]
    case_ids = {i.petition_id for i in agenda if i.petition_id} | {
        i.previous_decision.item.petition_id for i in follow_ups if i.previous_decision.item.petition_id
    }
    visible = set(Petition.objects.visible_to(scope).filter(pk__in=case_ids).values_list("pk", flat=True))
    decisions = [i.decision for i in agenda if hasattr(i, "decision")] + [i.previous_decision for i in follow_ups]
    results = outcomes(decisions, today)
    keeper = scope.may_keep_meeting(meeting)
    open_to_changes = keeper and not meeting.is_fixed
    deciding = open_to_changes and meeting.date <= today
    forms = forms or {}
    departments = owner_departments(meeting) if deciding else []
    for item in items:
        item.readable = item.petition_id is None or item.petition_id in visible
        if item.is_follow_up:
            previous = item.previous_decision
            item.readable = previous.item.petition_id is None or previous.item.petition_id in visible
            item.outcome = results[previous.pk]
            item.complete_form = (
                CompleteForm(prefix=f"done-{previous.pk}", initial={"completed_on": today})
                if keeper and previous.action == "track" and previous.completed_on is None
                else None
            )
            continue
        decision = getattr(item, "decision", None)
        item.outcome = results.get(decision.pk) if decision else None
        item.stale = bool(item.petition_id and decision is None and item.petition.version != item.petition_version)
        item.form = None
        if deciding and decision is None:
            form = forms.get(item.pk) or DecisionForm(item=item, scope=scope, departments=departments)
            item.form = form if form.may_decide else None
    return {
        "meeting": meeting,
        "follow_ups": follow_ups,
        "agenda": agenda,
        "undecided": sum(1 for i in agenda if not hasattr(i, "decision")),
        "keeper": keeper,
        "open_to_changes": open_to_changes,
        "deciding": deciding,
        "may_approve": scope.may_approve_minutes(meeting) and meeting.status == Meeting.Status.HELD,
        "attendees": list(meeting.attendees.order_by("first_name", "username")),
        "today": today,
        "add_case_form": AddCaseForm(),
        "add_topic_form": AddTopicForm(),
    }


@login_required
@require_GET
def meeting_detail(request, pk):
    meeting = _meeting_or_404(request, pk)
    return render(request, "meetings/meeting_detail.html", meeting_context(request, meeting))


@login_required
@require_GET
def meeting_print(request, pk):
    """会议纪要 on A4: attendees, each item with its decision, owner and due date; the follow-up; who approved."""
    meeting = _meeting_or_404(request, pk)
    context = meeting_context(request, meeting)
    return render(request, "meetings/minutes_print.html", context)


@login_required
def meeting_edit(request, pk):
    meeting = _meeting_or_404(request, pk)
    if not request.scope.may_keep_meeting(meeting):
        raise PermissionDenied("您不能修改这个会议。")
    if meeting.is_fixed:
        messages.warning(request, services.FIXED_MESSAGE)
        return redirect("meetings:detail", pk=meeting.pk)
    if request.method == "POST":
        form = MeetingEditForm(request.POST, scope=request.scope, meeting=meeting)
        if form.is_valid():
            data = dict(form.cleaned_data)
            attendees = data.pop("attendees")
            try:
                services.meeting_update(meeting=meeting, by=request.user, attendees=attendees, **data)
            except ValidationError as e:
                _form_errors(form, e)
            except MeetingError as e:
                messages.error(request, e.message)
                return redirect("meetings:detail", pk=meeting.pk)
            else:
                messages.success(request, "会议信息已保存。")
                return redirect("meetings:detail", pk=meeting.pk)
    else:
        initial = {name: getattr(meeting, name) for name in services.EDITABLE}
        initial["attendees"] = list(meeting.attendees.values_list("pk", flat=True))
        form = MeetingEditForm(scope=request.scope, meeting=meeting, initial=initial)
    return render(
        request, "meetings/meeting_form.html", {"form": form, "title": f"编辑：{meeting.title}", "meeting": meeting}
    )


def _back(meeting: Meeting, anchor: str = "") -> str:
    return reverse("meetings:detail", args=[meeting.pk]) + (f"#{anchor}" if anchor else "")


def _act(request, meeting: Meeting, action, success: str, anchor: str = ""):
    """Run a POST action on the meeting: its message, back to the meeting page."""
    try:
        result = action()
    except (MeetingError, TransitionError) as e:
        messages.error(request, e.message)
    except ValidationError as e:
        messages.error(request, "；".join(e.messages))
    else:
        messages.success(request, success.format(result=result))
    return redirect(_back(meeting, anchor))


@login_required
@require_POST
def agenda_refresh(request, pk):
    meeting = _meeting_or_404(request, pk)
    return _act(
        request,
        meeting,
        lambda: services.agenda_refresh(meeting=meeting, by=request.user),
        "议程已更新：新增{result}项。",
        "agenda",
    )


@login_required
@require_POST
def item_add(request, pk):
    """增加议题: a case by its number, or a free-text topic (whichever the form sent)."""
    meeting = _meeting_or_404(request, pk)
    if request.POST.get("number"):
        form = AddCaseForm(request.POST)
        if not form.is_valid():
            messages.error(request, "请填写诉求编号。")
            return redirect(_back(meeting, "add-item"))
        return _act(
            request,
            meeting,
            lambda: services.item_add_case(meeting=meeting, by=request.user, number=form.cleaned_data["number"]),
            "已增加议题：{result.petition.tracking_number}",
            "agenda",
        )
    form = AddTopicForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写诉求编号或议题。")
        return redirect(_back(meeting, "add-item"))
    return _act(
        request,
        meeting,
        lambda: services.item_add_topic(meeting=meeting, by=request.user, **form.cleaned_data),
        "已增加议题：{result.title}",
        "agenda",
    )


def _item_or_404(meeting: Meeting, item_pk) -> AgendaItem:
    item = get_object_or_404(
        AgendaItem.objects.select_related("petition", "petition__category"), pk=item_pk, meeting=meeting
    )
    item.meeting = meeting
    return item


@login_required
@require_POST
def item_remove(request, pk, item_pk):
    meeting = _meeting_or_404(request, pk)
    item = _item_or_404(meeting, item_pk)
    return _act(request, meeting, lambda: services.item_remove(item=item, by=request.user), "已移出议程。", "agenda")


@login_required
@require_POST
def item_reload(request, pk, item_pk):
    meeting = _meeting_or_404(request, pk)
    item = _item_or_404(meeting, item_pk)
    return _act(
        request,
        meeting,
        lambda: services.item_reload(item=item, by=request.user),
        "已按诉求的最新情况更新该议题，请核对后再作决定。",
        f"item-{item.pk}",
    )


@login_required
def item_decide(request, pk, item_pk):
    """记录决定 on one item. GET shows the item alone (a phone at a village meeting); POST records the decision
    through the workflow, or shows the meeting page again with the form's errors."""
    meeting = _meeting_or_404(request, pk)
    item = _item_or_404(meeting, item_pk)
    if not request.scope.may_keep_meeting(meeting):
        raise PermissionDenied("您不能为这个会议记录决定。")
    if request.method == "POST":
        form = DecisionForm(request.POST, item=item, scope=request.scope)
        if form.is_valid():
            try:
                services.decision_record(item=item, by=request.user, **form.service_kwargs())
            except (MeetingError, TransitionError) as e:
                messages.error(request, e.message)
                return redirect(_back(meeting, f"item-{item.pk}"))
            except ValidationError as e:
                _form_errors(form, e)
            else:
                messages.success(request, "决定已记录。")
                return redirect(_back(meeting, f"item-{item.pk}"))
        return render(request, "meetings/meeting_detail.html", meeting_context(request, meeting, {item.pk: form}))
    context = meeting_context(request, meeting)
    context["agenda"] = [i for i in context["agenda"] if i.pk == item.pk]
    context["follow_ups"] = []
    context["single"] = True
    return render(request, "meetings/meeting_detail.html", context)


@login_required
@require_POST
def decision_complete(request, pk, decision_pk):
    meeting = _meeting_or_404(request, pk)
    decision = get_object_or_404(Decision.objects.select_related("item__meeting"), pk=decision_pk)
    if not meeting.items.filter(previous_decision=decision).exists() and decision.item.meeting_id != meeting.pk:
        raise PermissionDenied  # a decision of another meeting's body
    form = CompleteForm(request.POST, prefix=f"done-{decision.pk}")
    if not form.is_valid():
        messages.error(request, "请填写完成日期。")
        return redirect(_back(meeting, "follow-up"))
    return _act(
        request,
        meeting,
        lambda: services.decision_complete(
            decision=decision,
            by=request.user,
            completed_on=form.cleaned_data["completed_on"],
            note=form.cleaned_data["note"],
        ),  # fmt: skip
        "已销号。",
        "follow-up",
    )


@login_required
@require_POST
def meeting_hold(request, pk):
    meeting = _meeting_or_404(request, pk)
    return _act(request, meeting, lambda: services.meeting_hold(meeting=meeting, by=request.user), "已确认会议召开。")


@login_required
@require_POST
def meeting_approve(request, pk):
    meeting = _meeting_or_404(request, pk)
    return _act(
        request, meeting, lambda: services.meeting_approve(meeting=meeting, by=request.user), "会议纪要已审定。"
    )
