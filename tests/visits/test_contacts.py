"""Contact households (民情联系户): last visit, this month's coverage per cadre and per village, quotas."""

import pytest
from django.urls import reverse

from minqing.access import scope_for
from tests.conftest import make_user
from visits.querysets import Month, contact_households, contact_quota, coverage_by_cadre, coverage_by_village

from .conftest import local, make_household, make_visit

pytestmark = pytest.mark.django_db

MAY = Month(2026, 5)


@pytest.mark.parametrize(("population", "quota"), [(0, 10), (499, 10), (500, 15), (1000, 15), (1001, 20)])
def test_contact_quota_follows_village_size(population, quota):
    assert contact_quota(population) == quota


def test_month_boundaries_and_navigation():
    assert str(Month.parse("2026-05")) == "2026-05"
    assert Month.parse("garbage") == Month.current()
    assert Month(2026, 12).next() == Month(2027, 1)
    assert Month(2026, 1).previous() == Month(2025, 12)
    assert MAY.label == "2026年5月"


@pytest.fixture
def township(village_a, village_b, liaison_a, liaison_b, leader):
    """和平村: 600 people, 陈秀英 keeps three households; 大井村: 300 people, 刘强 keeps two."""
    a1 = make_household(village_a, "A1", "甲", cadre=liaison_a, size=300)
    a2 = make_household(village_a, "A2", "乙", cadre=liaison_a, size=200)
    a3 = make_household(village_a, "A3", "丙", cadre=liaison_a, size=50)
    make_household(village_a, "A4", "丁", size=50)  # nobody's contact household
    b1 = make_household(village_b, "B1", "戊", cadre=liaison_b, size=200)
    b2 = make_household(village_b, "B2", "己", cadre=liaison_b, size=100)
    # a1: visited by its cadre on the last evening of May (local time) → counts for May.
    make_visit(liaison_a, village_a, [a1], when=local(2026, 5, 31, 23, 30))
    # a2: visited in May, but by the leader alone → not its cadre's visit.
    make_visit(leader, village_a, [a2], when=local(2026, 5, 10, 9), participants=[leader])
    # a3: visited by its cadre in April and just after May ended.
    make_visit(liaison_a, village_a, [a3], when=local(2026, 4, 20, 9))
    make_visit(liaison_a, village_a, [a3], when=local(2026, 6, 1, 0, 10))
    # b1, b2: visited together by their cadre in May.
    make_visit(liaison_b, village_b, [b1, b2], when=local(2026, 5, 3, 15))
    return {"a1": a1, "a2": a2, "a3": a3, "b1": b1, "b2": b2}


def test_coverage_by_cadre_on_a_small_township(township, leader):
    rows = coverage_by_cadre(scope_for(leader), MAY)
    figures = [
        (r["cadre_name"], r["village__name"], r["households"], r["visited"], r["quota"], r["percent"]) for r in rows
    ]
    assert sorted(figures) == sorted(
        [
            ("陈秀英", "和平村", 3, 1, 15, 33),
            ("刘强", "大井村", 2, 2, 10, 100),
        ]
    )
    chen = next(r for r in rows if r["cadre_name"] == "陈秀英")
    assert (chen["population"], chen["unvisited"], chen["short"]) == (600, 2, 12)


def test_coverage_by_village_on_a_small_township(township, leader):
    villages = {v.name: v for v in coverage_by_village(scope_for(leader), MAY)}
    a, b = villages["和平村"], villages["大井村"]
    assert (a.population, a.quota, a.cadres, a.contact_total, a.contact_visited, a.unvisited, a.percent) == (
        600, 15, 1, 3, 1, 2, 33,
    )  # fmt: skip
    assert (b.population, b.quota, b.cadres, b.contact_total, b.contact_visited, b.percent) == (300, 10, 1, 2, 2, 100)


def test_june_counts_the_visit_after_midnight(township, leader):
    rows = {r["cadre_name"]: r for r in coverage_by_cadre(scope_for(leader), Month(2026, 6))}
    assert rows["陈秀英"]["visited"] == 1
    assert rows["刘强"]["visited"] == 0


def test_liaison_sees_only_their_villages_coverage(township, liaison_a):
    scope = scope_for(liaison_a)
    assert [r["cadre_name"] for r in coverage_by_cadre(scope, MAY)] == ["陈秀英"]
    assert [v.name for v in coverage_by_village(scope, MAY)] == ["和平村"]


def test_contact_list_shows_last_visit_by_the_cadre_and_the_month(township, leader):
    rows = {h.household_no: h for h in contact_households(scope_for(leader), MAY)}
    assert set(rows) == {"A1", "A2", "A3", "B1", "B2"}
    assert rows["A1"].last_visit_at == local(2026, 5, 31, 23, 30)
    assert rows["A2"].last_visit_at is None  # only the leader went
    assert rows["A3"].last_visit_at == local(2026, 6, 1, 0, 10)
    assert {no for no, h in rows.items() if h.visited_in_month} == {"A1", "B1", "B2"}


def test_contact_page_filters_the_unvisited_of_this_month(client_as, leader, liaison_a, village_a):
    seen = make_household(village_a, "S1", "已访户", cadre=liaison_a)
    make_household(village_a, "S2", "未访户", cadre=liaison_a)
    make_visit(liaison_a, village_a, [seen])
    response = client_as(leader).get(reverse("visits:contacts"), {"unvisited": "true"})
    assert [h.head_name for h in response.context["page_obj"]] == ["未访户"]


def test_coverage_page_shows_the_figures(client_as, leader, township):
    body = client_as(leader).get(reverse("visits:coverage"), {"month": "2026-05"}).content.decode()
    assert "2026年5月联系户走访覆盖" in body
    assert "陈秀英" in body and "刘强" in body
    assert "少12户" in body  # 3 households kept where 15 are expected


def test_cadre_filter_lists_only_cadres_of_visible_households(client_as, liaison_a, township):
    make_user("outsider", "liaison")
    response = client_as(liaison_a).get(reverse("visits:contacts"))
    assert [u.username for u in response.context["filter"].form.fields["cadre"].queryset] == ["liaison"]
