"""Head counts (人次) and deputies, quota progress, and the cadres' files (干部民情工作档案)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from dashboards.periods import Period
from minqing.access import scope_for
from petitions.choices import Status
from petitions.models import Petition, PetitionEvent
from tests.conftest import make_user
from tests.dashboards.conftest import at
from tests.visits.conftest import local, make_household, make_visit
from visits.accountability import cadre_files, quota_progress
from visits.models import CadreProfile, ContactQuota, Visit


@pytest.fixture
def deputy(village_a):
    user = make_user("deputy", "liaison", villages=[village_a], full_name="孙代表")
    CadreProfile.objects.create(user=user, is_deputy=True, deputy_level=CadreProfile.DeputyLevel.TOWNSHIP)
    return user


def test_a_forum_of_thirty_adds_thirty_to_a_deputys_count(client_as, leader, deputy, village_a):
    make_visit(deputy, village_a, when=local(2026, 3, 5, 10), kind=Visit.Kind.DEPUTY_CONTACT)
    rows = client_as(leader).get(reverse("visits:deputies"), {"year": "2026"}).context["rows"]
    before = {d.username: d.contacts for d in rows}["deputy"]
    make_visit(deputy, village_a, when=local(2026, 4, 5, 10), kind=Visit.Kind.FORUM, head_count=30)
    rows = client_as(leader).get(reverse("visits:deputies"), {"year": "2026"}).context["rows"]
    assert {d.username: d.contacts for d in rows}["deputy"] == before + 30
    book = client_as(deputy).get(reverse("visits:deputy_book", args=[deputy.pk]), {"year": "2026"})
    assert book.context["total"] == 31 and "还差9人次" in book.content.decode()


def test_the_deputies_rule_is_the_townships_quota(client_as, leader, deputy, village_a):
    ContactQuota.objects.create(township=village_a.township, deputy_yearly_contacts=20)
    make_visit(deputy, village_a, when=local(2026, 4, 5, 10), kind=Visit.Kind.FORUM, head_count=30)
    response = client_as(leader).get(reverse("visits:deputies"), {"year": "2026"})
    assert response.context["rule"] == 20
    assert {d.username: d.short for d in response.context["rows"]}["deputy"] == 0


def test_a_head_count_below_the_people_who_went_is_refused(leader, liaison_a, village_a):
    household = make_household(village_a, "HP-1")
    with pytest.raises(ValidationError) as e:
        make_visit(leader, village_a, [household], participants=[leader, liaison_a], head_count=1)
    assert e.value.message_dict["head_count"] == ["人次（1）不能少于走访人员人数（2人）。"]
    # Left empty: as many as went.
    visit = make_visit(leader, village_a, [household], participants=[leader, liaison_a])
    assert visit.head_count == 2


def test_the_visit_form_says_so_beside_the_field(client_as, liaison_a, village_a):
    household = make_household(village_a, "HP-1")
    response = client_as(liaison_a).post(
        reverse("visits:new"),
        {
            "kind": "home_visit",
            "households": [household.pk],
            "village": village_a.pk,
            "visited_at": "2026-11-20T10:00",
            "heard": "反映路灯",
            "head_count": "0",
            "others": [],
        },
    )
    assert "人次" in response.content.decode()
    assert not Visit.objects.exists()


def test_quota_progress_puts_the_cadres_behind_first(leader, liaison_a, liaison_b, village_a, village_b):
    make_household(village_a, "HP-1", cadre=liaison_a)
    hb = make_household(village_b, "DJ-1", cadre=liaison_b)
    today = dt.date(2026, 11, 20)
    for day in range(1, 6):
        make_visit(liaison_b, village_b, [hb], when=local(2026, 11, day, 10))
    rows = quota_progress(scope_for(leader), today)
    assert [(r["cadre"].name, r["month_visits"], r["month_short"], r["year_quota"]) for r in rows] == [
        ("陈秀英", 0, 5, 150),
        ("刘强", 5, 0, 150),
    ]


def test_a_handlers_on_time_rate_is_over_the_cases_whose_events_name_them(
    make_petition, leader, handler_minzheng, handler_zigui, dept_zigui
):
    """Cases signed and replied by 张伟 (民政办) on time and late, one still running past its deadline, and 赵磊's
    (自规所) cases, which do not count for 张伟."""
    with at(dt.datetime(2026, 3, 2, 9)):
        early = make_petition("in_progress")
        late = make_petition("in_progress")
        lapsed = make_petition("in_progress")
        others = make_petition("in_progress", lead_department=dept_zigui)
    from petitions import workflow
    from petitions.models import Reply

    def reply(case, by):
        workflow.petition_reply(
            petition=Petition.objects.get(pk=case.pk),
            by=by,
            facts="查明",
            decision=Reply.Decision.SUPPORT,
            delivery=Reply.Delivery.PHONE,
        )

    with at(dt.datetime(2026, 3, 3, 9)):
        reply(early, handler_minzheng)
        reply(others, handler_zigui)
    with at(dt.datetime(2026, 5, 20, 9)):
        reply(late, handler_minzheng)
    today = dt.date(2026, 12, 3)
    period = Period.year(2026)

    # Independently: the cases whose events name 张伟, counted by the definition of 按期办结率.
    named = {e.petition_id for e in PetitionEvent.objects.filter(actor=handler_minzheng)}
    denominator = numerator = 0
    for case in Petition.objects.filter(pk__in=named):
        replied = case.status in (Status.REPLIED, Status.CLOSED) and case.reply_by and case.replied_at
        lapsing = case.status in (Status.ASSIGNED, Status.IN_PROGRESS) and case.reply_by and case.reply_by < today
        if replied or lapsing:
            denominator += 1
        if replied and case.replied_at.astimezone().date() <= case.reply_by:
            numerator += 1
    assert (numerator, denominator) == (1, 3)  # early on time; late and lapsed missed

    rows = {r["name"]: r for r in cadre_files(scope_for(leader), period, today)}
    figure = rows["张伟"]["on_time_rate"]
    assert (figure.numerator, figure.denominator) == (numerator, denominator)
    assert (rows["赵磊"]["on_time_rate"].numerator, rows["赵磊"]["on_time_rate"].denominator) == (1, 1)
    assert lapsed.pk in named


@pytest.mark.parametrize("extra", [0, 6])
def test_the_cadres_page_sorts_exports_and_reads_a_constant_number_of_queries(
    extra, client_as, leader, liaison_a, village_a, django_assert_max_num_queries
):
    make_household(village_a, "HP-1", cadre=liaison_a)
    for n in range(extra):
        cadre = make_user(f"c{n}", "liaison", villages=[village_a], full_name=f"干部{n}")
        make_visit(cadre, village_a, [make_household(village_a, f"C-{n}", cadre=cadre)], when=local(2026, 2, 1, 9))
    client = client_as(leader)
    client.get(reverse("visits:quotas"))
    with django_assert_max_num_queries(20):
        response = client.get(reverse("visits:cadres"), {"year": "2026", "sort": "visits", "dir": "desc"})
    rows = response.context["rows"]
    assert [r["visits"] for r in rows] == sorted((r["visits"] for r in rows), reverse=True)
    with django_assert_max_num_queries(16):
        client.get(reverse("visits:quotas"))
    response = client.get(reverse("visits:cadres"), {"year": "2026", "half": "1", "format": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_the_cadres_files_are_for_leaders_and_the_county(client_as, liaison_a, handler_minzheng):
    assert client_as(liaison_a).get(reverse("visits:cadres")).status_code == 403
    assert client_as(handler_minzheng).get(reverse("visits:cadres")).status_code == 403


def test_group_and_skip_level_visits_are_case_list_filters(client_as, leader, make_petition):
    group = make_petition(head_count=8)
    skip = make_petition(is_skip_level=True)
    plain = make_petition()
    listed = client_as(leader).get(reverse("petitions:index"), {"group_visit": "on"}).context["object_list"]
    assert {p.pk for p in listed} == {group.pk}
    listed = client_as(leader).get(reverse("petitions:index"), {"skip_level": "on"}).context["object_list"]
    assert {p.pk for p in listed} == {skip.pk}
    assert plain.pk not in {p.pk for p in listed}
