"""Every measure of March 2026, computed by hand from the table in conftest.py and compared; the cases behind
every number are exactly the cases counted."""

from __future__ import annotations

import datetime as dt

import pytest

from dashboards import metrics
from dashboards.periods import Period
from petitions import workflow
from tests.conftest import make_user
from tests.dashboards.conftest import MARCH, TODAY, at, t

pytestmark = pytest.mark.django_db

P = Period(*MARCH)

#: measure → (numerator cases, denominator cases), by hand from the table in conftest.py.
BY_HAND = {
    # routed in March: c1 c2 c3 c4 c5 c6 c11; signed by the next working day: c1 c3 c4 c11
    # (c2 signed on 3-06 for 3-04, c5 never signed, c6 returned).
    "response_rate": ({"c1", "c3", "c4", "c11"}, {"c1", "c2", "c3", "c4", "c5", "c6", "c11"}),
    # replied in March (with a deadline): c1 c2 c3 (second reply) c4 c10; lapsed unreplied: c5 (3-16), c13 (3-09);
    # on time: c1 c3 c4. c7 (at the desk) has no deadline; c11 was replied in April.
    "on_time_rate": ({"c1", "c3", "c4"}, {"c1", "c2", "c3", "c4", "c5", "c10", "c13"}),
    # revisited in March: c1 c2 c3 (twice: counts once, by the last) c4 c7 c13; solved at the last: c1 c3 c4 c7.
    "resolution_rate": ({"c1", "c3", "c4", "c7"}, {"c1", "c2", "c3", "c4", "c7", "c13"}),
    # satisfied c1 c3 c4 c7, basically c2, unsatisfied c13.
    "satisfaction_rate": ({"c1", "c2", "c3", "c4", "c7"}, {"c1", "c2", "c3", "c4", "c7", "c13"}),
    # closed in March: c1 c2 c3 c4 c7 c10; c3 was reopened, c10 closed by a leader without satisfaction.
    "first_time_resolution_rate": ({"c1", "c2", "c4", "c7"}, {"c1", "c2", "c3", "c4", "c7", "c10"}),
    # of those, led by 和平村委会 and resolved: c4.
    "village_resolution_rate": ({"c4"}, {"c1", "c2", "c3", "c4", "c7", "c10"}),
    # received in March, merged c9 left out: c1–c8 and c11; repeat: c8.
    "repeat_rate": ({"c8"}, {"c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c11"}),
}


def names(march, qs) -> set[str]:
    by_pk = {p.pk: name for name, p in march.items()}
    return {by_pk[pk] for pk in qs.values_list("pk", flat=True)}


def test_the_data_set_is_what_the_table_says(march):
    assert march["c3"].reopen_count == 1 and march["c3"].status == "closed"
    assert str(march["c3"].reply_by) == "2026-03-17"
    assert march["c5"].status == "assigned" and str(march["c5"].reply_by) == "2026-03-16"
    assert march["c6"].status == "awaiting_instruction" and march["c6"].lead_department is None
    assert march["c9"].status == "merged"
    assert march["c10"].closed_without_satisfaction
    assert march["c13"].status == "in_progress" and str(march["c13"].reply_by) == "2026-03-09"


@pytest.mark.parametrize("measure", list(BY_HAND))
def test_each_measure_matches_the_hand_count(march, measure):
    numerator, denominator = BY_HAND[measure]
    figure = metrics.compute(P, today=TODAY)[measure]
    assert figure.denominator == len(denominator)
    assert figure.numerator == len(numerator)
    assert figure.value == round(len(numerator) / len(denominator), 4)


def test_values_by_hand(march):
    figures = metrics.compute(P, today=TODAY)
    assert {k: (f.numerator, f.denominator) for k, f in figures.items()} == {
        "response_rate": (4, 7),
        "on_time_rate": (3, 7),
        "resolution_rate": (4, 6),
        "satisfaction_rate": (5, 6),
        "first_time_resolution_rate": (4, 6),
        "village_resolution_rate": (1, 6),
        "repeat_rate": (1, 9),
    }
    assert figures["response_rate"].value == 0.5714
    assert figures["response_rate"].percent == "57.1%"


def test_basic_satisfaction_is_weighted_by_the_setting(march, settings):
    settings.MINQING_SATISFACTION_BASIC_WEIGHT = 0.9
    figure = metrics.compute(P, today=TODAY)["satisfaction_rate"]
    # 4 satisfied + 0.9 × 1 basically satisfied, of 6 revisited cases.
    assert figure.numerator == 4.9
    assert figure.denominator == 6
    assert figure.value == round(4.9 / 6, 4)
    assert figure.parts == {"numerator": 5, "satisfied": 4, "basic": 1}


def test_a_late_reply_counts_in_the_month_it_was_given(march):
    april = metrics.compute(Period.month(2026, 4), today=TODAY)["on_time_rate"]
    # c11, replied 4-02 for 4-01: late; nothing else was due in April before 4-10.
    assert (april.numerator, april.denominator) == (0, 1)


def test_an_empty_period_has_no_value(march):
    figure = metrics.compute(Period.month(2025, 1), today=TODAY)["response_rate"]
    assert (figure.numerator, figure.denominator, figure.value) == (0, 0, None)
    assert figure.as_json() == {"value": None, "numerator": 0, "denominator": 0}


@pytest.mark.parametrize("measure", list(BY_HAND))
def test_drill_down_holds_exactly_the_counted_cases(march, measure):
    numerator, denominator = BY_HAND[measure]
    assert names(march, metrics.cases(P, measure, "numerator", today=TODAY)) == numerator
    assert names(march, metrics.cases(P, measure, "denominator", today=TODAY)) == denominator
    assert names(march, metrics.cases(P, measure, "missed", today=TODAY)) == denominator - numerator


def test_satisfaction_parts_list_their_cases(march):
    assert names(march, metrics.cases(P, "satisfaction_rate", "satisfied", today=TODAY)) == {"c1", "c3", "c4", "c7"}
    assert names(march, metrics.cases(P, "satisfaction_rate", "basic", today=TODAY)) == {"c2"}


def test_by_village_by_hand(march, township):
    rows = {r.label: r for r in metrics.compute_by(P, "village", today=TODAY)}
    assert set(rows) == {"和平村", "大井村"}
    a, b = rows["和平村"].figures, rows["大井村"].figures
    assert (a["response_rate"].numerator, a["response_rate"].denominator) == (2, 4)  # c1 c4 of c1 c2 c4 c6
    assert (b["response_rate"].numerator, b["response_rate"].denominator) == (2, 3)  # c3 c11 of c3 c5 c11
    assert (a["on_time_rate"].numerator, a["on_time_rate"].denominator) == (2, 5)  # c1 c4 of c1 c2 c4 c10 c13
    assert (b["on_time_rate"].numerator, b["on_time_rate"].denominator) == (1, 2)  # c3 of c3 c5
    assert (a["repeat_rate"].numerator, a["repeat_rate"].denominator) == (0, 5)  # c1 c2 c4 c6 c7 (c9 merged)
    assert (b["repeat_rate"].numerator, b["repeat_rate"].denominator) == (1, 4)  # c8 of c3 c5 c8 c11
    assert (a["village_resolution_rate"].numerator, a["village_resolution_rate"].denominator) == (1, 5)


def test_by_owner_by_hand(march, township):
    """领导包案: c6 and c11 owned by 李建国, c5 by 周明 (taken in April, after their March): the owner grouping is by
    the owner a case has now; the cases no leader owns are one group, last."""
    zhou = make_user("leader2", "leader", full_name="周明")
    for name, owner in (("c6", township.leader), ("c11", township.leader), ("c5", zhou)):
        with at(t(4, 3)):
            workflow.petition_assign_owner(
                petition=march[name], by=township.leader, owner=owner, plan="包案化解。", due=dt.date(2026, 5, 1)
            )
    rows = metrics.compute_by(P, "owner", today=TODAY)
    response = {r.label: (r.figures["response_rate"].numerator, r.figures["response_rate"].denominator) for r in rows}
    # Routed in March: c1 c2 c3 c4 c5 c6 c11, answered in time: c1 c3 c4 c11.
    assert response == {"李建国": (1, 2), "周明": (0, 1), "（无包案领导）": (3, 4)}
    assert rows[-1].key == metrics.NONE_KEY
    owned = metrics.cases(P, "response_rate", "denominator", dimension="owner", key=str(zhou.pk), today=TODAY)
    assert list(owned) == [march["c5"]]


def test_by_department_by_hand(march, township):
    rows = {r.label: r for r in metrics.compute_by(P, "department", today=TODAY)}
    assert set(rows) == {"民政办", "自规所", "和平村委会", "（未交办）"}
    response = {
        label: (r.figures["response_rate"].numerator, r.figures["response_rate"].denominator)
        for label, r in rows.items()
    }
    # c1 c2 c5 c11 → c1 c11; c3; c4; c6 was returned and has no department any more.
    assert response == {"民政办": (2, 4), "自规所": (1, 1), "和平村委会": (1, 1), "（未交办）": (0, 1)}
    # The group without a department comes last.
    assert metrics.compute_by(P, "department", today=TODAY)[-1].key == metrics.NONE_KEY


def test_by_subject_and_channel(march):
    subjects = {r.label: r.figures["repeat_rate"].denominator for r in metrics.compute_by(P, "subject", today=TODAY)}
    assert subjects == {"低保": 8, "宅基地": 1}
    channels = {r.label: r.figures["repeat_rate"].denominator for r in metrics.compute_by(P, "channel", today=TODAY)}
    assert channels == {"来访": 7, "来电": 2}


@pytest.mark.parametrize("dimension", list(metrics.DIMENSIONS))
def test_groups_add_up_and_each_group_drills_down_to_its_cases(march, dimension):
    overall = metrics.compute(P, today=TODAY)
    rows = metrics.compute_by(P, dimension, today=TODAY)
    for measure in metrics.MEASURE_KEYS:
        assert sum(r.figures[measure].denominator for r in rows) == overall[measure].denominator
        assert sum(r.figures[measure].numerator_cases for r in rows) == overall[measure].numerator_cases
        for row in rows:
            for part in ("numerator", "denominator", "missed"):
                listed = metrics.cases(P, measure, part, dimension=dimension, key=row.key, today=TODAY)
                assert listed.count() == metrics.part_count(row.figures[measure], part), (measure, row.label, part)


def test_many_periods_in_three_queries_agree_with_one_at_a_time(march, django_assert_num_queries):
    periods = [Period.month(2026, 2), P, Period.month(2026, 4)]
    with django_assert_num_queries(3):  # the kept months (none here), the cases, the revisit events
        many = metrics.compute_many(periods, today=TODAY)
    assert many[1] == metrics.compute(P, today=TODAY)
    assert many[0] == metrics.compute(periods[0], today=TODAY)


@pytest.mark.parametrize("dimension", list(metrics.DIMENSIONS))
def test_the_sum_of_any_grouping_is_the_townships_figures(march, dimension):
    assert metrics.total(metrics.compute_by(P, dimension, today=TODAY)) == metrics.compute(P, today=TODAY)


def test_a_grouping_costs_four_queries_whatever_it_holds(march, django_assert_num_queries):
    # the kept months (none here), the cases, the last revisit events, the villages' names
    with django_assert_num_queries(4):
        metrics.compute_by(P, "village", today=TODAY)


def test_several_groupings_come_from_the_same_five_queries(march, django_assert_num_queries):
    dimensions = list(metrics.DIMENSIONS)
    with django_assert_num_queries(7):  # … and the townships', villages', departments' and owners' names
        many = metrics.compute_by_many(P, dimensions, today=TODAY)
    for dimension in dimensions:
        assert many[dimension] == metrics.compute_by(P, dimension, today=TODAY)


def test_json_shape(march):
    data = metrics.as_json(P, today=TODAY)
    for key in metrics.MEASURE_KEYS:
        assert set(data[key]) == {"value", "numerator", "denominator"}
    assert data["response_rate"] == {"value": 0.5714, "numerator": 4, "denominator": 7}
    villages = {row["name"]: row for row in data["by_village"]}
    assert villages["和平村"]["response_rate"] == {"value": 0.5, "numerator": 2, "denominator": 4}
    assert {row["name"] for row in data["by_department"]} == {"民政办", "自规所", "和平村委会", "（未交办）"}
    assert all(set(metrics.MEASURE_KEYS) <= set(row) for row in data["by_department"])


def test_bad_group_key_is_refused():
    with pytest.raises(ValueError):
        metrics.group_filter("village", "abc")
    with pytest.raises(ValueError):
        metrics.group_filter("channel", "carrier-pigeon")


def test_a_range_that_is_a_whole_month_quarter_or_year_is_named():
    import datetime as dt

    assert Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31)).named().label == "2026年3月"
    assert Period(dt.date(2026, 1, 1), dt.date(2026, 3, 31)).named().label == "2026年第1季度"
    assert Period(dt.date(2026, 1, 1), dt.date(2026, 12, 31)).named().label == "2026年"
    assert Period(dt.date(2026, 3, 2), dt.date(2026, 3, 31)).named().kind == "custom"


def test_many_periods_must_not_overlap(march):
    with pytest.raises(ValueError):
        metrics.compute_many([P, Period.parse_range("2026-03-31", "2026-04-30")], today=TODAY)


def test_group_and_skip_level_visits_are_counted_and_listed(march, township, client_as):
    """集体访 (five or more came) and 越级访 received in March: counted on the numbers page, and the links list exactly
    those cases."""
    group = township.register(t(3, 11), township.village_a, head_count=6)
    township.register(t(3, 12), township.village_b, head_count=4)  # four people: not a group visit
    skip = township.register(t(3, 13), township.village_b, is_skip_level=True)
    township.register(t(4, 2), township.village_a, head_count=8, is_skip_level=True)  # April: outside March
    assert metrics.visit_kinds(P) == {"group_visits": 1, "skip_level": 1}

    page = client_as(township.leader).get("/dashboards/metrics/?kind=month&month=2026-03")
    kinds = {label: (n, url) for label, n, url in page.context["visit_kinds"]}
    assert kinds["集体访"][0] == 1 and kinds["越级访"][0] == 1
    for label, expected in (("集体访", group), ("越级访", skip)):
        listed = client_as(township.leader).get(kinds[label][1]).context["page_obj"].object_list
        assert list(listed) == [expected]
