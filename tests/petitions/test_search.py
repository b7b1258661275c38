"""The case list's search box and department filter (PetitionQuerySet.search / handled_by).

Both were rewritten so that PostgreSQL answers them from indexes (petitions migration 0019, minqing.search); they
must find exactly the cases the plain definitions find: ``icontains`` on the summary, the tracking number and the
petitioner's name, ``contains`` on the phone, names and phones only where the reader may see the petitioner.
"""

from __future__ import annotations

import pytest
from django.db.models import Q

from minqing.access import scope_for
from petitions.identity import identity_visible
from petitions.models import Petition, Status
from petitions.numbers import normalize_tracking_number
from tests.conftest import explain, is_postgres, make_department
from tests.petitions.conftest import make_category

pytestmark = pytest.mark.django_db


def plainly(term: str, scope) -> set[int]:
    """The definition, as the list searched before it had indexes: every column, LIKE for each."""
    term = term.strip()
    query = Q(summary__icontains=term) | Q(tracking_number__icontains=term)
    if number := normalize_tracking_number(term):
        query |= Q(tracking_number=number)
    person = (Q(petitioner_name__icontains=term) | Q(petitioner_phone__contains=term)) & identity_visible(scope)
    return set(Petition.objects.filter(query | person).values_list("pk", flat=True))


def searched(term: str, scope) -> set[int]:
    return set(Petition.objects.search(term, scope).values_list("pk", flat=True))


@pytest.fixture
def cases(make_petition, dept_minzheng):
    accusation = make_category("村务", "accusation", dept_minzheng)
    return [
        make_petition(summary="建议增设路灯", petitioner_name="王路", petitioner_phone="13800138000"),
        make_petition(Status.IN_PROGRESS, summary="路灯不亮，夜里看不清", petitioner_name="李明"),
        make_petition(summary="申请低保", petitioner_name="路明", petitioner_phone="13912345678"),
        make_petition(summary="反映村干部优亲厚友", petitioner_name="路小灯", category=accusation),
        make_petition(summary="100% 补贴未到位_a", petitioner_name="Ann Lee", petitioner_phone="08511234567"),
    ]


TERMS = [
    "路",  # one character: summaries and names
    "路灯",  # two: the n-gram index on PostgreSQL
    "路灯不亮",  # more: the trigram index
    "路明",
    "小灯",
    "138",  # phone digits
    "0851",
    "1234",
    "mq",  # part of every tracking number, typed in lower case
    "ann",  # a Latin name, any case
    "100%",  # LIKE's wildcards are plain characters
    "_a",
    "  低保 ",
    "没有的词",
]


@pytest.mark.parametrize("term", TERMS)
def test_the_search_finds_what_the_plain_definition_finds(cases, leader, handler_minzheng, term):
    for user in (leader, handler_minzheng):  # the center sees every petitioner; a department not the accuser
        scope = scope_for(user)
        assert searched(term, scope) == plainly(term, scope), (user.username, term)


def test_an_accuser_is_not_found_by_name_outside_the_center(cases, leader, handler_minzheng):
    accusation = cases[3]
    assert accusation.pk in searched("小灯", scope_for(leader))
    assert accusation.pk not in searched("小灯", scope_for(handler_minzheng))
    assert accusation.pk in searched("优亲", scope_for(handler_minzheng))  # the summary is not the person


def test_a_tracking_number_is_found_as_typed_or_normalised(cases, leader):
    case = cases[1]
    number = case.tracking_number  # e.g. MQDX202612-0002
    typed = number.lower().replace("-", " ")
    assert searched(number, scope_for(leader)) == {case.pk}
    assert searched(typed, scope_for(leader)) == {case.pk}


def test_a_department_filter_finds_led_and_assisted_cases_once(make_petition, dept_minzheng, dept_zigui):
    other = make_department("水利站")
    led = make_petition(Status.ASSIGNED, lead_department=dept_zigui)
    assisted = make_petition(Status.ASSIGNED, assisting_departments=[dept_zigui, other])
    both = make_petition(Status.ASSIGNED, lead_department=dept_zigui, assisting_departments=[other])
    make_petition(Status.ASSIGNED)  # 民政办's alone
    found = list(Petition.objects.handled_by(dept_zigui).values_list("pk", flat=True))
    assert sorted(found) == sorted([led.pk, assisted.pk, both.pk])  # each once, no DISTINCT needed
    plain = Petition.objects.filter(Q(lead_department=dept_zigui) | Q(assisting_departments=dept_zigui)).distinct()
    assert set(found) == set(plain.values_list("pk", flat=True))
    assert set(Petition.objects.handled_by(other).values_list("pk", flat=True)) == {assisted.pk, both.pk}


# --- On PostgreSQL: the indexes answer ---------------------------------------------------------------


@pytest.mark.parametrize(
    "term, indexes",
    [
        ("路灯", {"petition_summary_ngrams", "petition_name_ngrams"}),
        ("路灯不亮", {"petition_summary_trgm", "petition_name_trgm"}),
        ("13800", {"petition_summary_trgm", "petition_name_trgm", "petition_number_trgm", "petition_phone_trgm"}),
    ],
)
def test_on_postgresql_every_branch_of_the_search_is_an_index_scan(cases, leader, handler_minzheng, term, indexes):
    if not is_postgres():
        pytest.skip("the GIN indexes exist on PostgreSQL only (DATABASE_URL=postgres://…; CI runs this)")
    for user in (leader, handler_minzheng):
        explained = explain(Petition.objects.search(term, scope_for(user)).order_by(), enable_seqscan="off")
        assert "Seq Scan on petitions_petition" not in explained, explained
        assert all(name in explained for name in indexes), explained


def test_received_dates_are_whole_local_days(make_petition, leader, client):
    """受理日期从 / 至 count Beijing days: a case received at 23:30 on 30 November is November's, one at 00:10 on
    1 December is December's (the filter compares times with local midnight, so the received-date index serves it)."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from django.urls import reverse

    beijing = ZoneInfo("Asia/Shanghai")
    late = make_petition(received_at=dt.datetime(2026, 11, 30, 23, 30, tzinfo=beijing))
    early = make_petition(received_at=dt.datetime(2026, 12, 1, 0, 10, tzinfo=beijing))
    client.force_login(leader)

    def found(query: str) -> set[int]:
        response = client.get(reverse("petitions:index") + query)
        return {p.pk for p in response.context["page_obj"]} & {late.pk, early.pk}

    assert found("?received_from=2026-12-01") == {early.pk}
    assert found("?received_to=2026-11-30") == {late.pk}
    assert found("?received_from=2026-11-30&received_to=2026-12-01") == {late.pk, early.pk}
    assert found("?received_from=2026-12-02") == set()
