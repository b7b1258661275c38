"""The demo has a year behind it (issue 21): seed_demo runs a year of township life through the real workflow on
the demo clock, so the trend, last month's report, the revisit records and every case's history are consistent."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from dashboards.exports import build_monthly_workbook
from dashboards.periods import Period
from households.models import Township
from petitions import deadlines
from petitions.models import Action, Petition, PetitionEvent
from visits.models import Revisit


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """seed_demo once for the module (about half a minute), undone at the end."""
    with django_db_blocker.unblock():
        from django.db import transaction

        atomic = transaction.atomic()
        atomic.__enter__()
        call_command("seed_demo", stdout=io.StringIO())
        yield
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


def whole_months(count: int = 12) -> list[Period]:
    period = Period.current_month()
    months = []
    for _ in range(count):
        period = period.previous()
        months.append(period)
    return months


@pytest.mark.django_db
def test_the_trend_has_cases_behind_the_response_rate_in_at_least_ten_of_the_last_twelve_months(demo, client):
    client.force_login(get_user_model().objects.get(username="leader"))
    behind = {}
    for period in whole_months():
        url = reverse("dashboards:metrics_json")
        response = client.get(url, {"from": period.start.isoformat(), "to": period.end.isoformat()})
        assert response.status_code == 200
        behind[period.start] = response.json()["response_rate"]["denominator"]
    assert sum(d > 0 for d in behind.values()) >= 10, behind
    assert sum(behind.values()) >= 80, behind


@pytest.mark.django_db
def test_last_months_report_has_every_sheet_filled(demo):
    last = whole_months(1)[0]
    stats = build_monthly_workbook(last, io.BytesIO(), township=Township.objects.get(code="DX"))
    assert set(stats.rows) == {"汇总", "诉求明细", "超期事项", "走访统计", "回访满意度"}
    empty = [sheet for sheet, rows in stats.rows.items() if not rows]
    assert empty == [], stats.rows


@pytest.mark.django_db
def test_every_revisit_event_has_its_revisit_record(demo):
    events = PetitionEvent.objects.filter(action=Action.REVISIT)
    assert events.count() >= 100
    recorded = set(Revisit.objects.exclude(event=None).values_list("event_id", flat=True))
    missing = [e.petition.tracking_number for e in events.select_related("petition") if e.pk not in recorded]
    assert missing == []


@pytest.mark.django_db
def test_histories_are_in_time_order_and_past_cases_are_not_stamped_today(demo):
    today = timezone.localdate()
    now = timezone.now()
    events = PetitionEvent.objects.order_by("petition_id", "pk").values_list("petition_id", "created_at", "action")
    received = dict(Petition.objects.values_list("pk", "received_at"))
    last: dict[int, dt.datetime] = {}
    stamped_today = []
    for petition_id, created_at, action in events:
        assert created_at <= now
        assert created_at >= last.get(petition_id, created_at), f"case {petition_id}: {action} out of order"
        last[petition_id] = created_at
        assert created_at >= received[petition_id] - dt.timedelta(minutes=1)
        if action == Action.REGISTER:
            assert timezone.localdate(created_at) == timezone.localdate(received[petition_id])
        if timezone.localdate(created_at) == today and timezone.localdate(received[petition_id]) < today - dt.timedelta(
            days=40
        ):
            stamped_today.append((petition_id, action))
    # A case received more than forty days ago has nothing stamped today: its year happened in the past.
    assert stamped_today == []
    months = {timezone.localdate(r).replace(day=1) for r in received.values()}
    assert len(months) >= 12


@pytest.mark.django_db
def test_the_year_holds_late_extended_supervised_reopened_village_and_published_cases(demo):
    events = PetitionEvent.objects.filter(created_at__lt=timezone.now() - dt.timedelta(days=40))
    for action in (
        Action.APPROVE_EXTENSION, Action.SUPERVISE, Action.SETTLE_IN_VILLAGE, Action.PUBLISH, Action.ANSWER_AT_DESK,
    ):  # fmt: skip
        assert events.filter(action=action).exists(), action
    assert events.filter(action=Action.REVISIT, data__reopened=True).exists()
    old = Petition.objects.filter(received_at__lt=timezone.now() - dt.timedelta(days=40))
    # Received on working days, deadlines counted over the holiday calendar.
    for petition in old.exclude(channel="door_visit").filter(lead_department__isnull=False)[:60]:
        assert deadlines.is_workday(timezone.localdate(petition.received_at))[0], petition.tracking_number
        route = petition.events.filter(action=Action.ROUTE).order_by("pk").first()
        if (
            route is not None
            and petition.reply_by
            and not petition.events.filter(
                action__in=[Action.APPROVE_EXTENSION, Action.REVISIT], data__reopened=True
            ).exists()
        ):
            expected = deadlines.add_working_days(timezone.localdate(route.created_at), petition.reply_working_days)
            if not petition.events.filter(action=Action.APPROVE_EXTENSION).exists() and petition.reopen_count == 0:
                assert petition.reply_by == expected[0], petition.tracking_number
    late_signs = [p for p in old if p.sign_by and p.signed_at and timezone.localdate(p.signed_at) > p.sign_by]
    assert late_signs
