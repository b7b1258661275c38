"""Reads: who sees which cases, deadline queries, repeat detection, constant query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from households.models import Household
from minqing.access import scope_for
from petitions import workflow
from petitions.models import Petition, Status
from petitions.querysets import find_likely_repeats
from tests.conftest import make_user


@pytest.fixture
def cases(make_petition, village_a, village_b, dept_minzheng, dept_zigui, handler_zigui):
    """Four cases: a 和平村 case led by 民政办, one led by 自规所 with 民政办 assisting, a 大井村 case,
    and an outsider's case (no village) still at the front desk."""
    return {
        "led": make_petition(Status.IN_PROGRESS),
        "assisted": make_petition(Status.ASSIGNED, lead_department=dept_zigui, assisting_departments=[dept_minzheng]),
        "other_village": make_petition(Status.REGISTERED, village=village_b),
        "outsider": make_petition(Status.REGISTERED, village=None),
    }


def visible(user) -> set[str]:
    return set(Petition.objects.visible_to(scope_for(user)).values_list("summary", flat=True))


def names(cases, *keys) -> set[str]:
    return {cases[k].summary for k in keys}


@pytest.mark.django_db
def test_center_roles_see_every_case(cases, leader, reception, admin_user):
    for user in (leader, reception, admin_user):
        assert visible(user) == names(cases, "led", "assisted", "other_village", "outsider")


@pytest.mark.django_db
def test_handler_sees_cases_led_or_assisted_by_their_department(cases, handler_minzheng, handler_zigui):
    assert visible(handler_minzheng) == names(cases, "led", "assisted")
    assert visible(handler_zigui) == names(cases, "assisted")


@pytest.mark.django_db
def test_liaison_cannot_see_other_village(cases, liaison_a, liaison_b):
    assert visible(liaison_a) == names(cases, "led", "assisted")
    assert visible(liaison_b) == names(cases, "other_village")


@pytest.mark.django_db
def test_several_roles_see_the_union(cases, village_b, dept_zigui):
    both = make_user("both", "liaison", "handler", villages=[village_b], departments=[dept_zigui])
    assert visible(both) == names(cases, "assisted", "other_village")


@pytest.mark.django_db
def test_no_role_sees_nothing(cases):
    assert visible(make_user("nobody")) == set()


@pytest.mark.django_db
def test_visible_to_has_no_duplicate_rows(make_petition, handler_minzheng, dept_minzheng, dept_zigui):
    make_petition(Status.ASSIGNED, lead_department=dept_minzheng, assisting_departments=[dept_zigui])
    assert Petition.objects.visible_to(scope_for(handler_minzheng)).count() == 1


@pytest.mark.django_db
def test_state_queues(cases, make_petition, leader):
    make_petition(Status.AWAITING_INSTRUCTION)
    make_petition(Status.CLOSED)
    assert Petition.objects.awaiting_instruction().count() == 1
    assert Petition.objects.open().count() == 5
    assert Petition.objects.finished().count() == 1
    workflow.petition_supervise(petition=cases["led"], by=leader, note="抓紧")
    assert list(Petition.objects.supervised()) == [cases["led"]]


def set_reply_by(petition, date):
    Petition.objects.filter(pk=petition.pk).update(reply_by=date)


@pytest.mark.django_db
def test_overdue_and_due_soon(make_petition):
    today = dt.date(2026, 11, 20)  # a Friday
    late = make_petition(Status.IN_PROGRESS)
    due_today = make_petition(Status.ASSIGNED)
    due_monday = make_petition(Status.IN_PROGRESS)
    replied_late = make_petition(Status.REPLIED)
    set_reply_by(late, dt.date(2026, 11, 19))
    set_reply_by(due_today, today)
    set_reply_by(due_monday, dt.date(2026, 11, 23))
    set_reply_by(replied_late, dt.date(2026, 11, 1))  # replied: no longer running
    assert list(Petition.objects.overdue(today)) == [late]
    assert list(Petition.objects.due_soon(today)) == [due_today]
    assert set(Petition.objects.due_soon(dt.date(2026, 11, 21))) == {due_monday}  # Saturday
    states = dict(Petition.objects.with_deadline_state(today).values_list("pk", "deadline_state"))
    assert states == {late.pk: "overdue", due_today.pk: "due_soon", due_monday.pk: "ok", replied_late.pk: ""}


@pytest.mark.django_db
def test_sign_overdue(make_petition):
    petition = make_petition(Status.ASSIGNED)
    Petition.objects.filter(pk=petition.pk).update(sign_by=dt.date(2026, 11, 1))
    assert list(Petition.objects.sign_overdue(dt.date(2026, 11, 2))) == [petition]
    assert not Petition.objects.sign_overdue(dt.date(2026, 11, 1)).exists()


# --- Repeat detection ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_likely_repeats_by_phone_id_number_or_household(make_petition, village_a):
    household = Household.objects.create(village=village_a, household_no="007", head_name="王五")
    by_phone = make_petition(petitioner_phone="13911112222")
    by_id = make_petition(petitioner_id_number="11010519491231002X")
    by_household = make_petition(household=household)
    make_petition()  # someone else
    assert list(find_likely_repeats(phone="139-1111-2222")) == [by_phone]
    assert list(find_likely_repeats(id_number="11010519491231002x")) == [by_id]
    assert list(find_likely_repeats(household=household)) == [by_household]
    assert set(find_likely_repeats(phone="13911112222", household=household)) == {by_phone, by_household}
    assert list(find_likely_repeats()) == []
    assert list(find_likely_repeats(phone="139")) == []  # half-typed
    assert list(find_likely_repeats(phone="13911112222", exclude_pk=by_phone.pk)) == []


@pytest.mark.django_db
def test_repeat_window_is_open_or_ninety_days(make_petition):
    long_ago = timezone.now() - dt.timedelta(days=120)
    recent = timezone.now() - dt.timedelta(days=60)
    old_open = make_petition(Status.IN_PROGRESS, petitioner_phone="13911112222", received_at=long_ago)
    make_petition(Status.CLOSED, petitioner_phone="13911112222", received_at=long_ago)  # old and closed
    recent_closed = make_petition(Status.CLOSED, petitioner_phone="13911112222", received_at=recent)
    merged = make_petition(Status.MERGED, petitioner_phone="13911112222")
    # A merged case is not offered: the case it was merged into is (when it matches).
    assert set(find_likely_repeats(phone="13911112222")) == {old_open, recent_closed}
    assert merged.merged_into.petitioner_phone != "13911112222"


# --- Query counts -------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [3, 12])
def test_list_data_needs_a_constant_number_of_queries(
    rows, make_petition, dept_zigui, leader, django_assert_num_queries
):
    for _ in range(rows):
        make_petition(Status.ASSIGNED, assisting_departments=[dept_zigui])
    scope = scope_for(leader)
    # 1: the cases with village, category, lead department, household; 2: their assisting departments.
    with django_assert_num_queries(2):
        seen = [
            (
                p.village.name,
                p.category.subject,
                p.lead_department.name,
                [d.name for d in p.assisting_departments.all()],
            )
            for p in Petition.objects.visible_to(scope).with_list_data()
        ]
    assert len(seen) == rows and seen[0][3] == ["自规所"]


@pytest.mark.django_db
def test_detail_data_and_buttons_need_a_constant_number_of_queries(
    make_petition, handler_minzheng, django_assert_num_queries
):
    petition = make_petition(Status.IN_PROGRESS)
    workflow.petition_add_progress(petition=petition, by=handler_minzheng, note="进展")
    scope = scope_for(handler_minzheng)
    # 1: the case and its foreign keys; 8 prefetches: assisting departments, the owner's working team (包案),
    # representatives, attachments, events with actors, extension requests, replies, supervision notices. The buttons
    # need none.
    with django_assert_num_queries(9):
        petition = Petition.objects.with_detail_data().get(pk=petition.pk)
        events = [e.actor for e in petition.events.all()]
        workflow.available_actions(petition, scope)
    assert len(events) == 5
