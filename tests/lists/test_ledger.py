"""The supervision ledger (挂帐督办): cadence requests over two simulated months, reminders once, escalation on a
missed answer, answers only by the unit, struck off only by a leader with the outcome, never twice."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from lists import services
from lists.models import LedgerItem, LedgerRequest
from lists.services import ListConflict
from notifications.models import Notification
from tests.conftest import make_county_unit, make_user

pytestmark = pytest.mark.django_db

START = dt.date(2026, 3, 4)  # a Wednesday

#: Written out by hand: Mondays after 3 March up to 3 May; the 1st and 16th; the 1st.
WEEKLY = [dt.date(2026, 3, d) for d in (9, 16, 23, 30)] + [dt.date(2026, 4, d) for d in (6, 13, 20, 27)]
HALFMONTH = [dt.date(2026, 3, 16), dt.date(2026, 4, 1), dt.date(2026, 4, 16), dt.date(2026, 5, 1)]
MONTHLY = [dt.date(2026, 4, 1), dt.date(2026, 5, 1)]
MISSED = ("weekly", dt.date(2026, 3, 16))


def put_on(leader, unit, **kw):
    return services.ledger_put_on(
        by=leader, title="和平村饮水工程遗留问题", unit=unit, due_date=dt.date(2026, 5, 31), started_on=START, **kw
    )


def days(first: dt.date, last: dt.date):
    while first <= last:
        yield first
        first += dt.timedelta(days=1)


def test_two_months_of_cadence_requests_reminders_escalation_and_strike_off(leader, handler_minzheng, dept_minzheng):
    item = put_on(leader, dept_minzheng)
    for today in days(START, dt.date(2026, 5, 3)):
        services.ledger_run(today)
        services.ledger_run(today)  # a second run the same day (a retried task) changes nothing
        for req in LedgerRequest.objects.filter(step_on=today, answered_at=None):
            if (req.kind, req.step_on) != MISSED:
                services.ledger_answer(
                    request=req, by=handler_minzheng, progress="已完成管网勘测", next_step="下周施工"
                )

    made = sorted(LedgerRequest.objects.filter(item=item).values_list("kind", "step_on"))
    assert made == sorted(
        [("weekly", d) for d in WEEKLY] + [("halfmonth", d) for d in HALFMONTH] + [("monthly", d) for d in MONTHLY]
    )
    # the unit was told of each request once
    assert Notification.objects.filter(recipient=handler_minzheng, kind="ledger.request").count() == len(made) == 14
    # the one missed answer escalated to the leader who put the item on, once
    escalations = Notification.objects.filter(recipient=leader, kind="ledger.overdue")
    assert escalations.count() == 1
    missed = LedgerRequest.objects.get(kind=MISSED[0], step_on=MISSED[1])
    assert missed.escalated_at is not None and missed.answered_at is None
    assert LedgerRequest.objects.exclude(escalated_at=None).count() == 1

    with pytest.raises(ValidationError):
        services.ledger_strike_off(item=item, by=leader, outcome="  ")
    services.ledger_strike_off(item=item, by=leader, outcome="管网已通水，群众满意")
    item.refresh_from_db()
    assert item.status == LedgerItem.Status.STRUCK and item.outcome == "管网已通水，群众满意"
    assert [e.action for e in item.events.order_by("at", "pk")] == (
        ["put_on"] + ["answered"] * 2 + ["escalated"] + ["answered"] * 11 + ["struck"]
    )
    # struck off: no more requests
    services.ledger_run(dt.date(2026, 5, 4))
    assert LedgerRequest.objects.count() == 14


def test_only_the_configured_cadence_runs(leader, dept_minzheng):
    put_on(leader, dept_minzheng, weekly_ask=False, halfmonth_check=False)
    for today in days(START, dt.date(2026, 5, 3)):
        services.ledger_run(today)
    assert list(LedgerRequest.objects.values_list("kind", "step_on")) == [("monthly", d) for d in MONTHLY]


def test_an_answer_not_of_the_unit_is_refused_and_answers_never_double(leader, handler_minzheng, handler_zigui,
                                                                     dept_minzheng):  # fmt: skip
    item = put_on(leader, dept_minzheng)
    services.ledger_run(dt.date(2026, 3, 9))
    req = LedgerRequest.objects.get()
    with pytest.raises(PermissionDenied):
        services.ledger_answer(request=req, by=handler_zigui, progress="不是我们单位的")
    with pytest.raises(PermissionDenied):
        services.ledger_answer(request=req, by=leader, progress="领导代答")
    stale = LedgerRequest.objects.get(pk=req.pk)
    services.ledger_answer(request=req, by=handler_minzheng, progress="第一次回复")
    with pytest.raises(ListConflict):
        services.ledger_answer(request=stale, by=handler_minzheng, progress="第二次回复")
    req.refresh_from_db()
    assert req.progress == "第一次回复"
    assert item.events.filter(action="answered").count() == 1


def test_only_a_leader_strikes_off_and_only_once(leader, handler_minzheng, dept_minzheng):
    item = put_on(leader, dept_minzheng)
    with pytest.raises(PermissionDenied):
        services.ledger_strike_off(item=item, by=handler_minzheng, outcome="已办结")
    other_leader = make_user("leader2", "leader", full_name="王副乡长")
    stale = LedgerItem.objects.get(pk=item.pk)
    services.ledger_strike_off(item=item, by=other_leader, outcome="已办结")
    with pytest.raises(ListConflict):
        services.ledger_strike_off(item=stale, by=leader, outcome="再销一次")
    assert item.events.filter(action="struck").count() == 1


def test_put_on_by_a_leader_or_the_county_only(leader, handler_minzheng, liaison_a, dept_minzheng):
    with pytest.raises(PermissionDenied):
        put_on(handler_minzheng, dept_minzheng)
    with pytest.raises(PermissionDenied):
        put_on(liaison_a, dept_minzheng)
    county = make_user("county", "county")
    assert put_on(county, make_county_unit("县水利局")).township is None  # a county unit's problem
    with pytest.raises(ValidationError):
        services.ledger_put_on(by=leader, title="x", unit=dept_minzheng, due_date=START - dt.timedelta(days=1),
                               started_on=START)  # fmt: skip


def test_the_ledger_page_shows_overdue_answers_first_and_the_county_sees_all(client_as, leader, dept_minzheng):
    calm = put_on(leader, dept_minzheng)
    late = services.ledger_put_on(by=leader, title="拖欠工资", unit=dept_minzheng, due_date=dt.date(2026, 5, 31),
                                  started_on=dt.date(2026, 3, 4), weekly_ask=True)  # fmt: skip
    services.ledger_run(dt.date(2026, 3, 9))
    LedgerRequest.objects.filter(item=calm).update(answer_by=dt.date(2099, 1, 1))
    response = client_as(leader).get(reverse("lists:ledger"))
    assert [r.pk for r in response.context["rows"]] == [late.pk, calm.pk]
    county = make_user("county", "county")
    assert {r.pk for r in client_as(county).get(reverse("lists:ledger")).context["rows"]} == {late.pk, calm.pk}
    # struck-off tab
    services.ledger_strike_off(item=calm, by=leader, outcome="已解决")
    response = client_as(leader).get(reverse("lists:ledger") + "?status=struck")
    assert [r.pk for r in response.context["rows"]] == [calm.pk]


@pytest.mark.parametrize("n", [2, 12])
def test_ledger_page_query_count_is_constant(client_as, leader, dept_minzheng, django_assert_num_queries, n):
    for k in range(n):
        services.ledger_put_on(by=leader, title=f"事项{k}", unit=dept_minzheng, due_date=dt.date(2026, 5, 31),
                               started_on=START)  # fmt: skip
    services.ledger_run(dt.date(2026, 3, 20))
    client = client_as(leader)
    client.get(reverse("lists:ledger"))
    with django_assert_num_queries(LEDGER_QUERIES):
        client.get(reverse("lists:ledger"))


#: session, user, the scope (4), the navigation and messages, the rows with their overdue counts (one query).
LEDGER_QUERIES = 11


def test_a_ledger_entry_names_its_cases_by_tracking_number(client_as, leader, dept_minzheng, make_petition):
    """The form asks for tracking numbers (as typed or normalised), not a list of every case of the township; a
    number that is no case the leader may see is named in the error and nothing is put on the ledger."""
    first, second = make_petition(), make_petition()
    client = client_as(leader)
    url = reverse("lists:ledger_new")
    form = {
        "title": "饮水工程拖延",
        "unit": dept_minzheng.pk,
        "due_date": (dt.date.today() + dt.timedelta(days=30)).isoformat(),
        "weekly_ask": "on",
        "answer_days": 3,
    }
    assert "<option" not in client.get(url).content.decode().split('name="petitions"')[1].split("</div>")[0]

    refused = client.post(url, {**form, "petitions": f"{first.tracking_number}，MQDX209901-9999"})
    assert refused.status_code == 200
    assert "找不到这些受理编号的诉求：MQDX209901-9999" in refused.content.decode()
    assert not LedgerItem.objects.exists()

    typed = second.tracking_number.lower().replace("-", "－")  # lower case, a full-width dash
    response = client.post(url, {**form, "petitions": f"{first.tracking_number}、{typed}"})
    assert response.status_code == 302
    assert set(LedgerItem.objects.get().petitions.all()) == {first, second}


def test_a_leader_adjusts_the_cadence_and_the_next_steps_follow_it(leader, handler_minzheng, dept_minzheng):
    """Weekly asks until 20 March, then the leader turns them off and keeps the monthly dispatch: the requests
    already sent stay, the next Mondays bring none, the 1st of April brings the dispatch; the history says so."""
    item = put_on(leader, dept_minzheng, halfmonth_check=False, monthly_dispatch=False)
    for today in days(START, dt.date(2026, 3, 20)):
        services.ledger_run(today)
    services.ledger_adjust(item=item, by=leader, due_date=dt.date(2026, 6, 30), weekly_ask=False,
                           halfmonth_check=False, monthly_dispatch=True, answer_days=5)  # fmt: skip
    for today in days(dt.date(2026, 3, 21), dt.date(2026, 4, 10)):
        services.ledger_run(today)
    made = list(LedgerRequest.objects.filter(item=item).order_by("step_on").values_list("kind", "step_on", "answer_by"))
    assert made == [
        ("weekly", dt.date(2026, 3, 9), dt.date(2026, 3, 12)),
        ("weekly", dt.date(2026, 3, 16), dt.date(2026, 3, 19)),
        ("monthly", dt.date(2026, 4, 1), dt.date(2026, 4, 6)),  # five days to answer now
    ]
    item.refresh_from_db()
    assert item.cadence == "每月一调度，5天内书面回复" and item.due_date == dt.date(2026, 6, 30)
    adjusted = item.events.get(action="adjusted")
    assert adjusted.note == (
        "督办方式：每周一问，3天内书面回复 → 每月一调度，5天内书面回复；办结时限：2026-05-31 → 2026-06-30"
    )


def test_adjusting_is_a_leaders_refuses_bad_input_and_a_stale_form(leader, handler_minzheng, dept_minzheng):
    item = put_on(leader, dept_minzheng)
    same = {"due_date": item.due_date, "weekly_ask": True, "halfmonth_check": True, "monthly_dispatch": True,
            "answer_days": 3}  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.ledger_adjust(item=item, by=handler_minzheng, **{**same, "answer_days": 7})
    with pytest.raises(ValidationError) as no_step:
        services.ledger_adjust(item=item, by=leader, **{**same, "weekly_ask": False, "halfmonth_check": False,
                                                        "monthly_dispatch": False})  # fmt: skip
    assert "请至少选择一种督办方式" in str(no_step.value)
    with pytest.raises(ValidationError):
        services.ledger_adjust(item=item, by=leader, **{**same, "due_date": START - dt.timedelta(days=1)})
    stale = LedgerItem.objects.get(pk=item.pk)
    services.ledger_adjust(item=item, by=leader, **{**same, "answer_days": 7})
    with pytest.raises(ListConflict):
        services.ledger_adjust(item=stale, by=leader, **{**same, "weekly_ask": False})
    services.ledger_strike_off(item=item, by=leader, outcome="已解决")
    with pytest.raises(ListConflict):
        services.ledger_adjust(item=LedgerItem.objects.get(pk=item.pk), by=leader, **{**same, "answer_days": 2})
    item.refresh_from_db()
    assert (item.answer_days, item.weekly_ask) == (7, True)
    assert item.events.filter(action="adjusted").count() == 1


def test_the_ledger_page_adjusts_with_errors_beside_the_field(client_as, leader, handler_minzheng, dept_minzheng):
    item = put_on(leader, dept_minzheng)
    url = reverse("lists:ledger_adjust", args=[item.pk])
    form = {"adjust-due_date": "2026-05-31", "adjust-answer_days": 3}
    refused = client_as(leader).post(url, form)  # no step ticked
    assert refused.status_code == 200
    assert "请至少选择一种督办方式" in refused.content.decode()
    assert client_as(handler_minzheng).post(url, {**form, "adjust-weekly_ask": "on"}).status_code == 403
    item.refresh_from_db()
    assert item.cadence == "每周一问、半月一查、每月一调度，3天内书面回复"
    done = client_as(leader).post(url, {**form, "adjust-halfmonth_check": "on"})
    assert done.status_code == 302
    item.refresh_from_db()
    assert item.cadence == "半月一查，3天内书面回复"
    page = client_as(leader).get(reverse("lists:ledger_detail", args=[item.pk])).content.decode()
    assert "调整督办" in page and 'id="ledger-adjust"' in page
