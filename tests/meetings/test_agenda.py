"""The agenda that builds itself (issue 17): what waits at each level when a meeting is planned, the follow-up of
the last meeting of the same body, and what the secretary adds and removes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from meetings import services
from meetings.models import AgendaItem, DecisionAction
from petitions import workflow
from petitions.models import Petition, PetitionEvent
from tests.conftest import make_department, make_township, make_user, make_village
from tests.meetings.conftest import at, plan
from tests.visits.conftest import make_household, make_visit

pytestmark = pytest.mark.django_db

Source = AgendaItem.Source
FIFTH = dt.date(2026, 11, 5)  # the joint meeting of November


def t(month, day, hour=10):
    return dt.datetime(2026, month, day, hour)


def case_items(meeting) -> dict[int, AgendaItem]:
    return {i.petition_id: i for i in meeting.items.filter(removed=False).exclude(petition=None)}


def waiting_for_instruction_longer_than(days: int, township, today: dt.date):
    """The rule, written here again: cases in 待批示 whose last move into it was before ``days`` days ago."""
    came = PetitionEvent.objects.filter(petition=OuterRef("pk"), to_status="awaiting_instruction").order_by(
        "-created_at"
    )
    cutoff = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=days), dt.time.min))
    return (
        Petition.objects.filter(township=township, status="awaiting_instruction")
        .annotate(since=Subquery(came.values("created_at")[:1]))
        .filter(since__lt=cutoff)
    )


@pytest.fixture
def november(make_petition, leader, reception, handler_minzheng, liaison_a, village_a, village_b, category):
    """鼎新乡's cases before its joint meeting on 5 November, each named for why it is (or is not) on the agenda."""
    c = {}
    with at(t(10, 28)):
        c["waiting_long"] = make_petition("awaiting_instruction")
    with at(t(11, 4)):
        c["waiting_short"] = make_petition("awaiting_instruction")
    with at(t(10, 20)):
        c["returned"] = make_petition("assigned")
    with at(t(11, 4)):
        workflow.petition_return(petition=c["returned"], by=handler_minzheng, reason="不属本单位职责。")
    with at(t(10, 30)):
        c["sent_up"] = make_petition("village_triage")
        workflow.petition_send_up(petition=c["sent_up"], by=liaison_a, analysis="涉及低保认定，报乡里研究。")
    with at(t(10, 20)):
        c["overdue"] = make_petition("in_progress")  # reply by 27 October
    with at(t(11, 2)):
        c["running"] = make_petition("in_progress")
    with at(t(11, 3)):
        c["supervised"] = make_petition("in_progress")
        workflow.petition_supervise(petition=c["supervised"], by=leader, note="请加快办理。")
    with at(t(10, 22)):
        c["closed"] = make_petition("closed")
    with at(t(10, 25)):
        c["triage"] = make_petition("village_triage")  # the village's, not yet the township's
    # Three 大井村 cases of the same subject this month: a hot spot (和平村's 低保 is one too).
    for day in (21, 23, 26):
        with at(t(10, day)):
            c[f"dajing{day}"] = make_petition("registered", village=village_b)
    # Another township's overdue case: never on 鼎新乡's agenda.
    hexing = make_township("和兴镇", "HX", "MQHX")
    hx_village = make_village("和兴村", township=hexing)
    hx_office = make_department("民政办", township=hexing)
    hx_reception = make_user("reception_hx", "reception", townships=[hexing])
    hx_leader = make_user("leader_hx", "leader", townships=[hexing])
    hx_handler = make_user("handler_hx", "handler", departments=[hx_office])
    with at(t(10, 20)):
        p = workflow.petition_register(
            by=hx_reception, channel="visit", petitioner_name="孙某", category=category,
            summary="和兴镇的诉求", content="内容", village=hx_village,
        )  # fmt: skip
        workflow.petition_submit(petition=p, by=hx_reception)
        workflow.petition_route(petition=p, by=hx_leader, instruction="办理", lead_department=hx_office)
        workflow.petition_sign(petition=p, by=hx_handler)
    c["hexing"] = p
    # Contact households of 和平村: two, one visited by its cadre in October.
    visited = make_household(village_a, "HP-101", cadre=liaison_a)
    make_household(village_a, "HP-102", cadre=liaison_a)
    make_visit(liaison_a, village_a, [visited], when=timezone.make_aware(t(10, 15)))
    for p in c.values():
        p.refresh_from_db()
    return c


def test_the_joint_meeting_on_the_fifth_has_what_waits_for_the_township(november, kinds, leader, village_a):
    meeting = plan(leader, kinds["党政联席分析会"], FIFTH, township=village_a.township)
    assert meeting.title == "鼎新乡2026年11月党政联席分析会"
    items = case_items(meeting)

    # The agenda's cases are exactly what the rule says, written here as a query.
    township = village_a.township
    waiting = waiting_for_instruction_longer_than(3, township, FIFTH)
    overdue = Q(status__in=["assigned", "in_progress"], reply_by__lt=FIFTH)
    supervised = Q(supervised=True) & ~Q(status__in=["closed", "not_accepted", "merged", "withdrawn"])
    expected = Petition.objects.filter(township=township).filter(Q(pk__in=waiting.values("pk")) | overdue | supervised)
    assert set(items) == set(expected.values_list("pk", flat=True))
    # … which is, by name:
    names = {p.pk: name for name, p in november.items()}
    assert {names[pk] for pk in items} == {"waiting_long", "sent_up", "overdue", "supervised"}
    assert items[november["waiting_long"].pk].source == Source.WAITING
    assert "待批示8天" in items[november["waiting_long"].pk].detail
    assert "村两委意见：涉及低保认定" in items[november["sent_up"].pk].detail
    assert items[november["overdue"].pk].source == Source.OVERDUE
    assert "已超期" in items[november["overdue"].pk].detail
    assert items[november["supervised"].pk].source == Source.SUPERVISED
    # Each item remembers the case as it was, for the decision's compare-and-set.
    assert all(item.petition_version == item.petition.version for item in items.values())

    topics = {i.title: i for i in meeting.items.filter(petition=None)}
    assert {"热点：和平村·低保", "热点：大井村·低保"} <= set(topics)
    report = topics["2026年10月民情联系户走访情况"]
    assert report.source == Source.CONTACT_REPORTS
    assert report.detail.startswith("联系户2户，已走访1户（50%）；未走访：和平村1户")


def test_the_waiting_days_are_the_kinds_setting(november, kinds, leader, village_a):
    kind = kinds["党政联席分析会"]
    kind.waiting_days = 0
    kind.save()
    meeting = plan(leader, kind, FIFTH, township=village_a.township)
    assert {november["waiting_short"].pk, november["returned"].pk} <= set(case_items(meeting))


def test_a_village_meeting_takes_up_the_cases_waiting_for_the_village(
    make_petition, kinds, village_secretary, village_a, village_b, liaison_b
):
    mine = [make_petition("village_triage"), make_petition("village_triage")]
    make_petition("awaiting_instruction")  # already the township's
    other = make_petition("registered", village=village_b, by=liaison_b)
    workflow.petition_refer_to_village(petition=other, by=liaison_b)
    tuesday = timezone.localdate() + dt.timedelta(days=(2 - timezone.localdate().isoweekday()) % 7)
    meeting = plan(village_secretary, kinds["村两委分析会"], tuesday, village=village_a)
    assert [i.petition for i in meeting.items.all()] == mine
    assert {i.source for i in meeting.items.all()} == {Source.TRIAGE}
    assert meeting.department.name == "和平村委会"  # the committee goes with its village


def test_an_office_meeting_takes_up_its_open_cases_overdue_first(make_petition, kinds, handler_minzheng, leader):
    with at(t(10, 20)):
        late = make_petition("in_progress")
    with at(t(11, 2)):
        fresh = make_petition("assigned")
        workflow.petition_supervise(petition=fresh, by=leader, note="督办")
        plain = make_petition("in_progress")
        make_petition("replied")  # still open: waits for its revisit
        make_petition("closed")
    meeting = plan(
        handler_minzheng, kinds["职能办公室月度分析会"], dt.date(2026, 11, 3), department=late.lead_department
    )
    cases = [i.petition_id for i in meeting.items.all()]
    assert cases[:3] == [late.pk, fresh.pk, plain.pk]
    assert len(cases) == 4  # and the replied one
    assert [i.source for i in meeting.items.all()][:3] == [Source.OVERDUE, Source.SUPERVISED, Source.OPEN]


def test_the_next_meeting_opens_with_the_last_ones_decisions(make_petition, kinds, leader, village_a, handler_minzheng):
    kind = kinds["党政联席分析会"]
    township = village_a.township
    with at(t(10, 26)):
        routed = make_petition("awaiting_instruction")
        slow = make_petition("awaiting_instruction")
    with at(t(11, 5)):
        first = plan(leader, kind, FIFTH, township=township)
        items = case_items(first)
        services.decision_record(
            item=items[routed.pk], by=leader, action=DecisionAction.ROUTE, measure="民政办核实办理",
            owner_department=routed.category.default_department, due_on=dt.date(2026, 11, 20),
        )  # fmt: skip
        services.decision_record(
            item=items[slow.pk], by=leader, action=DecisionAction.ROUTE, measure="民政办核实办理",
            owner_department=slow.category.default_department, due_on=dt.date(2026, 11, 10),
        )  # fmt: skip
        topic = services.item_add_topic(meeting=first, by=leader, title="研究冬季防火工作")
        services.decision_record(
            item=topic, by=leader, action=DecisionAction.TRACK, measure="各村排查火灾隐患",
            owner_name="党政办", due_on=dt.date(2026, 11, 30),
        )  # fmt: skip
    routed.refresh_from_db()
    with at(t(11, 6)):
        workflow.petition_sign(petition=routed, by=handler_minzheng)
    with at(t(11, 18)):
        workflow.petition_reply(
            petition=routed, by=handler_minzheng, facts="已核实。", decision="support", delivery="phone"
        )
    with at(t(12, 5)):
        second = plan(leader, kind, dt.date(2026, 12, 5), township=township)
    assert second.previous == first
    follow_ups = list(second.items.filter(source=Source.FOLLOW_UP).select_related("previous_decision"))
    assert [i.previous_decision.item.meeting_id for i in follow_ups] == [first.pk] * 3
    assert [i.position for i in follow_ups] == [1, 2, 3]  # it opens with them

    from meetings.followup import outcomes

    results = outcomes([i.previous_decision for i in follow_ups], today=dt.date(2026, 12, 5))
    labels = [results[i.previous_decision_id].label for i in follow_ups]
    assert labels == [
        "按期完成",
        "逾期未完成",
        "逾期未完成",
    ]  # replied 18 Nov for the 20th; not replied; not ticked off


def test_refreshing_adds_what_waits_now_but_not_what_the_secretary_removed(
    make_petition, kinds, village_secretary, village_a
):
    first = make_petition("village_triage")
    meeting = plan(village_secretary, kinds["村两委分析会"], timezone.localdate(), village=village_a)
    services.item_remove(item=meeting.items.get(petition=first), by=village_secretary)
    second = make_petition("village_triage")
    assert services.agenda_refresh(meeting=meeting, by=village_secretary) == 1
    assert services.agenda_refresh(meeting=meeting, by=village_secretary) == 0
    assert list(case_items(meeting)) == [second.pk]


def test_cases_added_by_hand_must_be_the_meetings_open_visible_cases(
    make_petition, kinds, village_secretary, village_a, village_b, liaison_b
):
    meeting = plan(village_secretary, kinds["村两委分析会"], timezone.localdate(), village=village_a)
    mine = make_petition("in_progress")
    outside = make_petition("registered", village=village_b, by=liaison_b)
    closed = make_petition("closed")
    item = services.item_add_case(meeting=meeting, by=village_secretary, number=mine.tracking_number.lower())
    assert (item.source, item.petition_version) == (Source.ADDED, mine.version)
    cases = [
        (outside.tracking_number, "找不到该编号的诉求，或您无权查看"),  # not the secretary's to see
        ("MQ209901-0001", "找不到该编号的诉求"),
        (closed.tracking_number, "不再列入议程"),
        (mine.tracking_number, "已在议程中"),
    ]
    for number, message in cases:
        with pytest.raises(ValidationError) as caught:
            services.item_add_case(meeting=meeting, by=village_secretary, number=number)
        assert message in caught.value.message_dict["number"][0]


def test_a_leader_cannot_put_another_villages_case_on_a_village_meeting(
    make_petition, kinds, leader, village_a, village_b, liaison_b
):
    meeting = plan(leader, kinds["村两委分析会"], timezone.localdate(), village=village_a)
    outside = make_petition("registered", village=village_b, by=liaison_b)
    with pytest.raises(ValidationError, match="不属于本次会议的范围"):
        services.item_add_case(meeting=meeting, by=leader, number=outside.tracking_number)
    assert not meeting.items.exists()


def test_nobody_plans_another_bodys_meeting(kinds, liaison_b, village_a, handler_zigui, dept_minzheng):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        plan(liaison_b, kinds["村两委分析会"], timezone.localdate(), village=village_a)
    with pytest.raises(PermissionDenied):
        plan(handler_zigui, kinds["职能办公室月度分析会"], timezone.localdate(), department=dept_minzheng)
    with pytest.raises(PermissionDenied):
        plan(liaison_b, kinds["党政联席分析会"], timezone.localdate(), township=village_a.township)
    with pytest.raises(ValidationError, match="请选择村"):
        plan(liaison_b, kinds["村两委分析会"], timezone.localdate())
