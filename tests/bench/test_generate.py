"""The benchmark's generator writes rows the workflow could have written (bench/generate.py), at a small scale.

The generator needs PostgreSQL (COPY); the checks on the runner's guards run anywhere.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from io import StringIO

import pytest
from django.core.management import call_command

from bench import county
from bench.measure import p95
from tests.conftest import requires_postgres

SCALE = 0.004  # 1,000 households, 2,000 cases, 4,000 visits


@pytest.fixture
def county_data(db):
    from bench.generate import generate

    call_command("seed_demo", "--no-sample-data", stdout=StringIO())
    return generate(SCALE, log=lambda message: None)


def generated(county_data):
    """The cases the generator wrote itself: not the few it made through the workflow to fill empty queues
    (``fill_empty_queues``), whose times and deadlines are the workflow's own."""
    from petitions.models import Petition

    return Petition.objects.exclude(pk__in=county_data["queue_cases"])


@requires_postgres
def test_counts_follow_the_scale(county_data):
    from households.models import Household, Person, Township, Village
    from petitions.models import Petition
    from visits.models import Visit

    # 20 townships of 13 villages (鼎新乡 and 19 more); the demo's second township 和兴镇 keeps its own few, unused.
    assert Township.objects.exclude(code="HX").count() == 20
    assert Village.objects.exclude(township__code="HX").count() == 260
    assert set(Petition.objects.values_list("township__code", flat=True).distinct()) <= set(
        Township.objects.exclude(code="HX").values_list("code", flat=True)
    )
    assert Household.objects.count() == 1_000
    assert 2_700 <= Person.objects.count() <= 3_300  # three people a household on average
    assert generated(county_data).count() == 2_000  # besides the few made to fill empty queues
    assert Visit.objects.count() == 4_000
    month_start, month_end = (dt.datetime.fromisoformat(v) for v in county_data["report_month"])
    assert Petition.objects.filter(received_at__gte=month_start, received_at__lt=month_end).count() == 80


@requires_postgres
def test_every_case_history_is_a_legal_walk_through_the_workflow(county_data):
    from petitions.models import PetitionEvent
    from petitions.workflow import TRANSITIONS

    events = defaultdict(list)
    for e in PetitionEvent.objects.order_by("created_at", "pk").values(
        "petition_id", "action", "from_status", "to_status", "created_at"
    ):
        events[e["petition_id"]].append(e)
    cases = generated(county_data).values("pk", "status", "version", "received_at")
    for case in cases:
        history = events[case["pk"]]
        assert history[0]["action"] == "register" and history[0]["from_status"] == ""
        assert history[0]["created_at"] == case["received_at"]
        state = "registered"
        for e in history[1:]:
            rule = TRANSITIONS[e["action"]]
            assert e["from_status"] == state, (case["pk"], e)
            assert state in rule.sources, (case["pk"], e["action"], state)
            if e["action"] == "revisit":  # satisfied → closed; not satisfied → back to the department
                assert e["to_status"] in ("closed", "in_progress")
            else:
                assert e["to_status"] == (rule.target or state), (case["pk"], e)
            state = e["to_status"]
        assert state == case["status"]
        assert case["version"] == len(history) - 1  # every action after registering bumps the version


@requires_postgres
def test_cases_are_found_in_every_main_state_and_their_fields_match(county_data):
    from petitions.models import Petition, Reply
    from visits.models import Revisit

    states = Counter(Petition.objects.values_list("status", flat=True))
    assert {"closed", "replied", "in_progress", "merged", "not_accepted", "withdrawn"} <= set(states)
    assert not Petition.objects.filter(status="closed", closed_at__isnull=True).exists()
    assert not Petition.objects.filter(status__in=["replied", "closed"], replied_at__isnull=True).exists()
    assert not Petition.objects.filter(status__in=["assigned", "in_progress"], lead_department__isnull=True).exists()
    assert not Petition.objects.filter(status="merged", merged_into__isnull=True).exists()
    assert Reply.objects.count() == Petition.objects.filter(events__action__in=["reply", "answer_at_desk"]).count()
    # Every reached revisit holds the event it wrote; unreached ones hold none.
    assert not Revisit.objects.filter(reached=True, event__isnull=True).exists()
    assert Revisit.objects.filter(reached=True).count() == Petition.objects.filter(events__action="revisit").count()
    # Leaders' closing without a satisfied revisit is flagged, as the workflow does.
    closed_by_reason = Petition.objects.filter(events__action="close_with_reason")
    assert set(closed_by_reason.values_list("pk", flat=True)) == set(
        Petition.objects.filter(closed_without_satisfaction=True).values_list("pk", flat=True)
    )


@requires_postgres
def test_deadlines_are_the_workflows_working_days_from_the_routing_day(county_data):
    from django.utils import timezone

    from petitions import deadlines

    routed = generated(county_data).filter(sign_by__isnull=False).select_related("category")[:200]
    assert routed
    for case in routed:
        day = timezone.localdate(case.routed_at)
        assert case.sign_by == deadlines.add_working_days(day, case.category.sign_working_days)[0]
        assert case.notice_by == deadlines.statutory_notice_by(timezone.localdate(case.received_at))[0]


@requires_postgres
def test_tracking_numbers_and_identities_continue_after_the_load(county_data):
    from households.models import Household, Village
    from petitions.models import Petition, TrackingCounter

    numbers = list(Petition.objects.values_list("tracking_number", flat=True))
    assert len(numbers) == len(set(numbers))
    for counter in TrackingCounter.objects.all():
        # a counter is a township's prefix and a month (MQQB202611): its numbers are MQQB202611-0001 …
        assert Petition.objects.filter(tracking_number__startswith=f"{counter.month}-").count() == counter.last_number
    # The identity sequences were moved past the generated ids: a new row gets a fresh id.
    household = Household.objects.create(village=Village.objects.first(), household_no="9999", head_name="新户")
    assert household.pk > 1_000


@requires_postgres
def test_every_queue_the_benchmark_opens_shows_a_case_even_at_a_small_scale(county_data):
    """A queue with no case skips its row query and prefetch: its query count would differ from full scale's."""
    from bench.generate import empty_queues

    assert empty_queues() == []


def test_the_benchmark_refuses_sqlite_with_a_clear_message(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite:///minqing.sqlite3")
    with pytest.raises(SystemExit, match="需要 PostgreSQL"):
        county.bench_database_url(0.01)


def test_the_benchmark_only_ever_drops_a_database_named_for_it(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/minqing")
    assert county.bench_database_url(0.01)[2] == "minqing_bench_0_01"
    monkeypatch.setenv("BENCH_DATABASE", "minqing")
    with pytest.raises(SystemExit, match="minqing_bench"):
        county.bench_database_url(0.01)


def test_p95_of_twenty_latencies_is_the_nineteenth():
    assert p95([float(n) for n in range(1, 21)]) == 19.0
