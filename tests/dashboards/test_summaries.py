"""Kept month counts (dashboards.summaries): a period read from them gives exactly the figures counted from the
cases, before and after the cases change, for whole months, quarters, a year and periods that cut months.

The history is half a year of a small township made with the real workflow at random (seeded) times: cases
routed, signed, replied, revisited, reopened and revisited again in a later month, returned, answered at the
desk, merged and closed by a leader."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.db.models import F, Sum
from django.utils import timezone

from dashboards import metrics, summaries
from dashboards.models import Summary, SummaryBuild
from dashboards.periods import Period
from petitions import workflow
from petitions.models import DayVersion, Petition, Reply
from tests.conftest import make_user, requires_postgres
from tests.dashboards.conftest import B, S, U, at

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 7, 15)
PERIODS = [
    *(Period.month(2026, m) for m in range(1, 8)),
    Period.quarter(2026, 1),
    Period.quarter(2026, 2),
    Period.year(2026),
    Period(dt.date(2026, 1, 1), dt.date(2026, 6, 30)),
    Period(dt.date(2026, 1, 15), dt.date(2026, 4, 20)),  # cuts January and April
    Period(dt.date(2026, 2, 1), dt.date(2026, 7, 15)),  # ends in today's month
    Period(dt.date(2025, 12, 20), dt.date(2026, 3, 31)),  # starts before the first case
    Period(dt.date(2026, 3, 10), dt.date(2026, 3, 10)),  # one day
]


def when(day: dt.date, hours: float) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(8)) + dt.timedelta(hours=hours)


def history(township, seed: int = 7, cases: int = 45) -> list[Petition]:
    """Cases received from January to June 2026, each taken a random way through the pipeline."""
    rng = random.Random(seed)
    owning = random.Random(seed + 1)  # its own stream, so the cases' ways are those they always were
    tw = township
    owners = [tw.leader, make_user("leader2", "leader", full_name="周明")]
    departments = [tw.minzheng, tw.zigui, tw.cun]
    made = []
    for _ in range(cases):
        day = dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(0, 181))
        village = rng.choice([tw.village_a, tw.village_b])
        subject = rng.choice([tw.dibao, tw.zhaijidi])
        channel = rng.choice(["visit", "phone", "letter"])
        clock = when(day, rng.uniform(0, 8))
        way = rng.random()
        if way < 0.1:
            p = tw.register(clock, village, subject, channel=channel, is_repeat=rng.random() < 0.5)
            with at(clock + dt.timedelta(hours=1)):
                workflow.petition_answer_at_desk(
                    petition=p, by=tw.reception, facts="当场解释。", decision=Reply.Decision.EXPLAINED
                )
            clock += dt.timedelta(days=rng.randrange(1, 40))
            tw.revisit(p, clock, rng.choice([S, B]), True)
        elif way < 0.15 and made:
            p = tw.register(clock, village, subject, channel=channel)
            into = rng.choice(made)
            if into.status not in ("merged",):
                with at(clock + dt.timedelta(hours=1)):
                    workflow.petition_merge(petition=p, by=tw.reception, into=into)
        else:
            department = rng.choice(departments)
            p = tw.handled(village, department, clock, subject=subject, channel=channel)
            if owning.random() < 0.3:  # 领导包案: the numbers group by owner too
                with at(clock + dt.timedelta(minutes=30)):
                    workflow.petition_assign_owner(
                        petition=p,
                        by=tw.leader,
                        owner=owning.choice(owners),
                        plan="包案化解。",
                        due=day + dt.timedelta(days=30),
                    )
            if rng.random() < 0.1:
                with at(clock + dt.timedelta(hours=3)):
                    workflow.petition_return(petition=p, by=tw.handlers[department], reason="不属本单位职责。")
                made.append(p)
                continue
            if rng.random() < 0.85:
                clock += dt.timedelta(hours=rng.choice([2, 20, 50, 100]))
                tw.sign(p, clock)
                if rng.random() < 0.85:
                    clock += dt.timedelta(days=rng.randrange(1, 25))
                    tw.reply(p, clock)
                    for _attempt in range(3):
                        if rng.random() < 0.2:
                            break
                        clock += dt.timedelta(days=rng.randrange(1, 30))
                        verdict = rng.choice([S, S, B, U, U])
                        tw.revisit(p, clock, verdict, verdict != U)
                        if verdict != U:
                            break
                        clock += dt.timedelta(days=rng.randrange(1, 20))
                        tw.reply(p, clock)
                    else:
                        with at(clock + dt.timedelta(days=1)):
                            workflow.petition_close_with_reason(petition=p, by=tw.leader, reason="三次联系不上。")
        made.append(p)
    return made


def all_figures(periods=PERIODS) -> list:
    """Everything the pages and metrics.json show for each period, with the order of the groups."""
    out = [metrics.compute_many(periods[:7], today=TODAY)]  # the months, in one go
    out.append(metrics.compute_many([Period.quarter(2026, 1), Period.quarter(2026, 2), periods[6]], today=TODAY))
    out.append(
        metrics.compute_many(  # periods that cut months, side by side
            [Period(dt.date(2026, 1, 15), dt.date(2026, 2, 20)), Period(dt.date(2026, 3, 1), dt.date(2026, 5, 10))],
            today=TODAY,
        )
    )
    for period in periods:
        out.append(metrics.compute(period, today=TODAY))
        out.append(metrics.compute_by_many(period, list(metrics.DIMENSIONS), today=TODAY))
        out.append(metrics.as_json(period, today=TODAY))
    return out


@pytest.fixture
def half_year(township):
    return history(township)


MONTHS = [Period.month(2026, m) for m in range(1, 7)]


def days(first: dt.date, last: dt.date) -> list[Period]:
    return [Period(first + dt.timedelta(n), first + dt.timedelta(n)) for n in range((last - first).days + 1)]


JULY_DAYS = days(dt.date(2026, 7, 1), dt.date(2026, 7, 14))


def history_days() -> list[Period]:
    """Each day from the first case's to yesterday: all within the last year, so all kept on their own."""
    first = timezone.localdate(Petition.objects.order_by("received_at").first().received_at)
    return days(first, dt.date(2026, 7, 14))


def kept(period: Period) -> tuple:
    return summaries.plan([period], TODAY)[0].kept


def covered(period: Period) -> set[dt.date]:
    """The days of ``period`` read from kept counts."""
    return {s.start + dt.timedelta(days=n) for s in kept(period) for n in range((s.end - s.start).days + 1)}


def test_the_history_has_what_the_comparison_needs(half_year):
    """Reopened cases revisited again in a later month, every state, and revisits in every month."""
    statuses = {p.status for p in Petition.objects.all()}
    assert {"closed", "in_progress", "assigned", "replied", "awaiting_instruction", "merged"} <= statuses
    later_month = [
        p
        for p in Petition.objects.filter(reopen_count__gt=0)
        if len({timezone.localdate(e.created_at).month for e in p.events.filter(action="revisit")}) > 1
    ]
    assert later_month, "no case was revisited again in a later month"


def test_kept_spans_give_the_figures_counted_from_the_cases(half_year):
    counted = all_figures()
    assert summaries.refresh(today=TODAY) == MONTHS + history_days()
    assert Summary.objects.filter(grain=summaries.PLACE).exists()
    assert Summary.objects.filter(grain=summaries.TOPIC).exists()
    assert kept(Period.year(2026)) == (*MONTHS, *JULY_DAYS)
    assert kept(Period(dt.date(2026, 1, 15), dt.date(2026, 4, 20))) == (
        *days(dt.date(2026, 1, 15), dt.date(2026, 1, 31)),
        MONTHS[1],
        MONTHS[2],
        *days(dt.date(2026, 4, 1), dt.date(2026, 4, 20)),
    )
    assert kept(Period.month(2026, 7)) == tuple(JULY_DAYS)  # today is never kept
    assert all_figures() == counted


def test_a_kept_year_is_read_without_the_cases(half_year, django_assert_num_queries):
    summaries.refresh(today=TODAY)
    first_half = Period(dt.date(2026, 1, 1), dt.date(2026, 6, 30))
    with django_assert_num_queries(2):  # which spans are current, their counts
        metrics.compute(first_half, today=TODAY)
    # which spans are current, their counts by township × village × department, the townships', villages' and
    # departments' names
    with django_assert_num_queries(5):
        metrics.as_json(first_half, today=TODAY)
    with django_assert_num_queries(7):  # … and the cases and revisits of today, 15 July
        metrics.as_json(Period(dt.date(2026, 1, 1), dt.date(2026, 7, 15)), today=TODAY)


def test_a_change_to_a_case_stops_its_spans_being_read_from_kept_counts(half_year, township):
    summaries.refresh(today=TODAY)
    before = all_figures()
    # Reply on 10 July to cases routed earlier and still open: their routed, received and deadline days
    # change (on-time rate: no longer lapsed); and revisit the replied ones on 11 July.
    open_cases = list(Petition.objects.filter(status="in_progress").order_by("pk"))
    replied = list(Petition.objects.filter(status="replied").order_by("pk"))
    assert open_cases and replied
    for p in open_cases:
        township.reply(p, dt.datetime(2026, 7, 10, 9))
    for p in replied:
        township.revisit(p, dt.datetime(2026, 7, 11, 9), S, True)
    touched = {d for p in open_cases + replied for d in workflow._counted_days(p)}
    assert dt.date(2026, 7, 10) in touched
    assert not touched & covered(Period.year(2026))
    # A month with a touched day is read from its other days.
    march = {dt.date(2026, 3, 1) + dt.timedelta(n) for n in range(31)}
    assert march & touched
    assert covered(Period.year(2026)) & march == march - touched

    after = all_figures()
    assert after != before  # the change shows in the figures …
    summaries.forget()
    assert after == all_figures()  # … exactly as counted from the cases
    summaries.refresh(today=TODAY)
    assert after == all_figures()  # and from the spans counted again


def test_a_change_during_a_build_leaves_the_span_out_of_date(half_year, township, monkeypatch):
    case = next(p for p in Petition.objects.filter(status="in_progress") if p.routed_at.month < 7)
    routed = timezone.localdate(case.routed_at)
    month = Period.month(routed.year, routed.month)
    count = summaries._rows_of

    def counting_then_a_reply(span, grain, today):
        rows = count(span, grain, today)
        if case.status == "in_progress":  # a handler replies while the month is being counted
            township.reply(case, dt.datetime(2026, 7, 12, 9))
        return rows

    monkeypatch.setattr(summaries, "_rows_of", counting_then_a_reply)
    built = summaries.build(month, today=TODAY)
    assert case.status == "replied"
    versions = DayVersion.objects.filter(day__gte=month.start, day__lte=month.end).aggregate(v=Sum("version"))["v"]
    assert built.versions < versions
    assert month not in kept(Period.year(2026))
    monkeypatch.undo()
    assert summaries.refresh(today=TODAY) == MONTHS + history_days()  # that month again, and the rest
    assert month in kept(Period.year(2026))


def test_refresh_counts_again_only_what_is_out_of_date(half_year, township):
    assert len(summaries.refresh(today=TODAY)) == len(MONTHS + history_days())
    assert summaries.refresh(today=TODAY) == []
    p = Petition.objects.filter(status="assigned").first()
    township.sign(p, dt.datetime(2026, 7, 13, 9))
    days = workflow._counted_days(p) | {dt.date(2026, 7, 13)}
    assert covered(Period.year(2026)).isdisjoint(days)
    again = summaries.refresh(today=TODAY)
    assert {d for s in again for d in (s.start, s.end)} >= {d for d in days if d.month == 7}
    assert all(any(s.start <= d <= s.end for s in again) for d in days)


def test_days_older_than_a_year_are_forgotten_and_their_months_kept(half_year):
    summaries.refresh(today=TODAY)
    assert SummaryBuild.objects.filter(start=dt.date(2026, 1, 10), end=dt.date(2026, 1, 10)).exists()
    a_year_on = dt.date(2027, 2, 10)  # days are kept from 1 February 2026 on
    assert summaries.refresh(today=a_year_on) == [
        *(Period.month(2026, m) for m in range(7, 13)),
        Period.month(2027, 1),
        *days(dt.date(2026, 7, 15), dt.date(2027, 2, 9)),  # those before were counted already, and still are
    ]
    assert not SummaryBuild.objects.filter(start=F("end"), start__lt=dt.date(2026, 2, 1)).exists()
    assert not Summary.objects.filter(start=F("end"), start__lt=dt.date(2026, 2, 1)).exists()
    assert SummaryBuild.objects.filter(start=dt.date(2026, 1, 1), end=dt.date(2026, 1, 31)).exists()


def test_only_past_days_are_kept(half_year):
    with pytest.raises(ValueError):
        summaries.build(Period(TODAY, TODAY), today=TODAY)
    with pytest.raises(ValueError):
        summaries.build(Period.month(2026, 7), today=TODAY)


def test_a_revisit_counts_once_in_a_period_that_holds_its_next_one(township):
    """A case revisited 不满意 in March and 满意 in April: March keeps the first with April as its next
    revisit. Read over March only it counts (unsatisfied); over March and April only the April one counts."""
    tw = township
    p = tw.handled(tw.village_a, tw.minzheng, dt.datetime(2026, 3, 2, 9), dt.datetime(2026, 3, 2, 15))
    tw.reply(p, dt.datetime(2026, 3, 5, 9))
    tw.revisit(p, dt.datetime(2026, 3, 20, 9), U, False)
    tw.reply(p, dt.datetime(2026, 4, 2, 9))
    tw.revisit(p, dt.datetime(2026, 4, 8, 9), S, True)
    summaries.refresh(today=TODAY)
    row = Summary.objects.get(
        grain=summaries.PLACE, start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31), resolution_rate_d=1
    )
    assert row.next_revisit_on == dt.date(2026, 4, 8)

    march = metrics.compute(Period.month(2026, 3), today=TODAY)["satisfaction_rate"]
    both = metrics.compute(Period(dt.date(2026, 3, 1), dt.date(2026, 4, 30)), today=TODAY)["satisfaction_rate"]
    to_april_7 = metrics.compute(Period(dt.date(2026, 3, 1), dt.date(2026, 4, 7)), today=TODAY)["satisfaction_rate"]
    assert (march.numerator, march.denominator) == (0, 1)
    assert (both.numerator, both.denominator) == (1, 1)
    assert (to_april_7.numerator, to_april_7.denominator) == (0, 1)


def test_every_measure_part_has_a_column():
    fields = {f.name for f in Summary._meta.get_fields()}
    assert set(summaries.count_fields().values()) <= fields


def test_beat_counts_changed_months_every_ten_minutes(settings, half_year):
    from dashboards.tasks import refresh_month_summaries

    entry = settings.CELERY_BEAT_SCHEDULE["month-summaries"]
    assert entry["task"] == "dashboards.refresh_month_summaries"
    assert entry["schedule"].minute == set(range(0, 60, 10))
    built = refresh_month_summaries.delay().get()  # eager here: the wiring only
    assert built == SummaryBuild.objects.count() > 0
    assert refresh_month_summaries.delay().get() == 0


def test_build_month_summaries_command(half_year):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("build_month_summaries", "--stale-only", stdout=out)
    built = SummaryBuild.objects.count()
    assert built > 0 and f"已汇总 {built} 个时段" in out.getvalue()
    out = StringIO()
    call_command("build_month_summaries", "--stale-only", stdout=out)
    assert "已汇总 0 个时段" in out.getvalue()
    out = StringIO()
    call_command("build_month_summaries", stdout=out)  # everything, whatever moved
    assert f"已汇总 {built} 个时段" in out.getvalue()


def test_after_a_bulk_update_recounting_gives_the_figures_of_the_rows(half_year):
    summaries.refresh(today=TODAY)
    before = all_figures()
    Petition.objects.filter(pk__in=[p.pk for p in half_year[::2]]).update(is_repeat=True)  # no day moves
    assert all_figures() == before  # the kept counts cannot know …
    summaries.recount_all(today=TODAY)  # … until everything is counted again
    recounted = all_figures()
    summaries.forget()
    assert recounted == all_figures() != before


def test_a_plain_build_month_summaries_after_a_bulk_update_leaves_no_old_figure(half_year, settings):
    """The command as an administrator runs it after a bulk load: today's date, every span, every remembered
    figure dropped."""
    from django.core.management import call_command

    settings.MINQING_METRICS_CACHE_SECONDS, settings.MINQING_METRICS_CACHE_AFTER_MS = 600, 0
    call_command("build_month_summaries", "--stale-only", stdout=open("/dev/null", "w"))
    march = Period.month(2026, 3)
    today = timezone.localdate()
    remembered_before, _, _ = metrics.remembered("test", lambda: metrics.as_json(march, today=today), [march])
    Petition.objects.update(is_repeat=True)
    call_command("build_month_summaries", stdout=open("/dev/null", "w"))
    after, _, from_cache = metrics.remembered("test", lambda: metrics.as_json(march, today=today), [march])
    summaries.forget()
    assert not from_cache
    assert after == metrics.as_json(march, today=today) != remembered_before
    assert after["repeat_rate"]["numerator"] == after["repeat_rate"]["denominator"] > 0


def test_changing_a_departments_kind_in_the_admin_puts_every_kept_count_out_of_date(
    half_year, township, admin_user, client_as
):
    from django.urls import reverse

    summaries.refresh(today=TODAY)
    assert kept(Period.year(2026))
    department = township.minzheng
    response = client_as(admin_user).post(
        reverse("admin:petitions_department_change", args=[department.pk]),
        {
            "name": department.name,
            "township": department.township_id,
            "kind": "village",
            "phone": "",
            "sort_order": 0,
            "staff": [],
        },
    )
    assert response.status_code == 302
    assert kept(Period.year(2026)) == ()
    # The figures now count 民政办's closed cases as resolved in the village, read from the cases.
    summaries.forget()
    counted = metrics.compute(Period.year(2026), today=TODAY)
    summaries.refresh(today=TODAY)
    assert metrics.compute(Period.year(2026), today=TODAY) == counted


@requires_postgres
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_leaders_routing_cases_of_different_days_at_once_count_every_change(reception, leader, township):
    """Eight leaders route eight cases at once, received on days given in different orders: every route
    bumps its days, none waits on another for ever (the days are locked in one order)."""
    import threading

    from django.db import connection

    tw = township
    leaders = [make_user(f"leader{n}", "leader") for n in range(8)]
    months = [3, 5, 1, 4, 2, 5, 3, 1]
    cases = []
    for n, month in enumerate(months):
        p = workflow.petition_register(
            by=reception, channel="visit", petitioner_name=f"张{n}", category=tw.dibao, summary="低保",
            content="申请。", village=tw.village_a, received_at=timezone.make_aware(dt.datetime(2026, month, 10)),
        )  # fmt: skip
        workflow.petition_submit(petition=p, by=reception)
        cases.append(p)
    before = {v.day: v.version for v in DayVersion.objects.all()}
    barrier = threading.Barrier(len(cases))
    errors: list[BaseException] = []

    def route(p, by):
        try:
            barrier.wait(timeout=10)
            workflow.petition_route(petition=p, by=by, instruction="请办理。", lead_department=tw.minzheng)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=route, args=pair) for pair in zip(cases, leaders, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    after = {v.day: v.version for v in DayVersion.objects.all()}
    for day in {dt.date(2026, m, 10) for m in months}:
        assert after[day] - before[day] == months.count(day.month)
