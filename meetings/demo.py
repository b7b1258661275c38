"""The demo's meetings (seed_demo, after the cases): the default kinds (configuration); then 鼎新乡's 民情研判会 of
today, held, its decisions recorded through the workflow and its minutes approved by the chair, and 和平村's next
Tuesday meeting (村两委分析会), planned, its agenda the cases waiting for the village.
The same on every machine; a second run adds nothing."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from households.models import Township, Village
from meetings import services
from meetings.kinds import ensure_default_kinds
from meetings.models import DecisionAction, Meeting, MeetingKind
from minqing.access import scope_for
from petitions import workflow
from petitions.models import Department, Petition


def seed_config(log) -> None:
    ensure_default_kinds(MeetingKind, log)


def _users(*names):
    users = {u.username: u for u in get_user_model().objects.filter(username__in=names)}
    return [users.get(name) for name in names]


def seed_sample(log) -> None:
    if Meeting.objects.exists():
        return
    leader, liaison, handler, handler2 = _users("leader", "liaison", "handler", "handler2")
    township = Township.objects.filter(code="DX").first()
    village = Village.objects.filter(township=township, name="和平村").first()
    kinds = {k.name: k for k in MeetingKind.objects.all()}
    if None in (leader, liaison, township, village) or not {"民情研判会", "村两委分析会"} <= set(kinds):
        log("示例会议：缺少乡镇、演示账号或会议类型，跳过。")
        return
    today = timezone.localdate()
    # Held today: the township's 民情研判会 on what waits (overdue and supervised cases, hot spots, contact households)
    # and on what the village sent up; its minutes approved by the chair. (The joint meeting on the 5th and the
    # villages' Tuesday meetings are planned by ``plan_meetings``, as beat does daily.)
    joint = services.meeting_plan(
        by=leader,
        kind=kinds["民情研判会"],
        date=today,
        township=township,
        start_time=dt.time(9, 0),
        place="乡政府三楼会议室",
        chair=leader,
        secretary=leader,
        attendees=[u for u in (leader, handler, handler2) if u is not None],
        other_attendees="党委副书记、纪委书记、武装部长、综治办主任",
        today=today,
    )
    _decide_joint_meeting(joint, leader, today)
    services.meeting_update(
        meeting=joint,
        by=leader,
        summary="会议听取了近期民情诉求办理情况汇报，逐件研判了超期、督办事项和村两委上报事项，明确了责任单位和完成时限。",
    )
    services.meeting_hold(meeting=joint, by=leader, today=today)
    services.meeting_approve(meeting=joint, by=leader)
    log(f"示例会议：{joint.title}（已审定纪要，{joint.items.count()}项议题）")

    tuesday = today + dt.timedelta(days=(2 - today.isoweekday()) % 7 or 7)
    planned = services.meeting_plan(
        by=liaison,
        kind=kinds["村两委分析会"],
        date=tuesday,
        village=village,
        start_time=dt.time(19, 30),
        place="和平村委会会议室",
        chair=liaison,
        secretary=liaison,
        attendees=[liaison],
        other_attendees="村党支部书记、村委会主任、村调解员、村民小组长",
        today=today,
    )
    log(f"示例会议：{planned.title}（已安排，议题{planned.items.count()}项）")


def _decide_joint_meeting(meeting: Meeting, leader, today: dt.date) -> None:
    """The meeting takes up a case the village sent up (routed to 民政办) and decides every item of its agenda:
    a measure for each case (研究决定, or 交办 for a case waiting for instruction), a tracked decision for each
    topic."""
    sent_up = Petition.objects.filter(
        township=meeting.township, status="awaiting_instruction", summary="重病户申请纳入低保"
    )
    for case in sent_up:
        if not meeting.items.filter(petition=case).exists():  # the agenda may already hold it (waiting long)
            services.item_add_case(meeting=meeting, by=leader, number=case.tracking_number)
    scope = scope_for(leader)
    due = today + dt.timedelta(days=10)
    offices = {d.name: d for d in Department.objects.filter(township=meeting.township)}
    for item in meeting.items.filter(removed=False).select_related("meeting", "petition__lead_department"):
        if item.is_follow_up:
            continue
        case = item.petition
        if case is None:
            services.decision_record(
                item=item,
                by=leader,
                action=DecisionAction.TRACK,
                measure="党政办牵头，相关站所和村两委十日内拿出整改方案，下次会议报告。",
                owner_department=offices.get("党政办"),
                due_on=due,
                today=today,
            )
        elif workflow.can(scope, DecisionAction.ROUTE, case):
            services.decision_record(
                item=item,
                by=leader,
                action=DecisionAction.ROUTE,
                measure="请民政办入户核实家庭收入和病情，符合条件的按程序纳入低保，十日内答复。",
                owner_department=offices.get("民政办"),
                owner_name="张伟",
                due_on=due,
                today=today,
            )
        else:
            services.decision_record(
                item=item,
                by=leader,
                action=DecisionAction.MEETING_DECISION,
                measure="牵头单位逐件说明进度，一周内办结并报结果；分管领导跟踪督促。",
                owner_department=case.lead_department,
                owner_name="" if case.lead_department_id else "分管领导",
                due_on=today + dt.timedelta(days=7),
                today=today,
            )
