"""The revisit queue: a case falls due MINQING_REVISIT_AFTER_DAYS after its reply; liaisons see their villages."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from petitions.models import Petition, Status
from tests.conftest import make_user
from visits.services import revisit_record

from .test_visit_list_queries import BUDGET, queries

pytestmark = pytest.mark.django_db


def replied_days_ago(petition, days):
    Petition.objects.filter(pk=petition.pk).update(replied_at=timezone.now() - dt.timedelta(days=days))
    petition.refresh_from_db()
    return petition


def numbers(response):
    return {p.tracking_number for p in response.context["page_obj"]}


def test_case_is_due_seven_days_after_the_reply(client_as, leader, make_petition, settings):
    settings.MINQING_REVISIT_AFTER_DAYS = 7
    due = replied_days_ago(make_petition(Status.REPLIED), 8)
    fresh = replied_days_ago(make_petition(Status.REPLIED), 2)
    client = client_as(leader)
    assert numbers(client.get(reverse("visits:revisits"))) == {due.tracking_number}
    assert numbers(client.get(reverse("visits:revisits"), {"due": "upcoming"})) == {fresh.tracking_number}
    assert numbers(client.get(reverse("visits:revisits"), {"due": ""})) == {due.tracking_number, fresh.tracking_number}


def test_the_delay_is_a_setting(client_as, leader, make_petition, settings):
    settings.MINQING_REVISIT_AFTER_DAYS = 1
    petition = replied_days_ago(make_petition(Status.REPLIED), 2)
    assert numbers(client_as(leader).get(reverse("visits:revisits"))) == {petition.tracking_number}


def test_closed_and_running_cases_are_not_in_the_queue(client_as, leader, make_petition):
    make_petition(Status.CLOSED)
    make_petition(Status.IN_PROGRESS)
    assert numbers(client_as(leader).get(reverse("visits:revisits"), {"due": ""})) == set()


def test_liaison_sees_only_their_villages_cases(client_as, liaison_a, liaison_b, village_b, make_petition):
    ours = replied_days_ago(make_petition(Status.REPLIED), 10)
    theirs = replied_days_ago(make_petition(Status.REPLIED, village=village_b), 10)
    assert numbers(client_as(liaison_a).get(reverse("visits:revisits"))) == {ours.tracking_number}
    assert numbers(client_as(liaison_b).get(reverse("visits:revisits"))) == {theirs.tracking_number}


def test_queue_counts_unreached_attempts_and_filters_them(client_as, leader, liaison_a, make_petition):
    hard = replied_days_ago(make_petition(Status.REPLIED), 10)
    easy = replied_days_ago(make_petition(Status.REPLIED), 10)
    for _ in range(3):
        revisit_record(petition=hard, by=liaison_a, method="phone", reached=False)
    revisit_record(petition=easy, by=liaison_a, method="phone", reached=False)
    client = client_as(leader)
    rows = {p.tracking_number: p.unreached for p in client.get(reverse("visits:revisits")).context["page_obj"]}
    assert rows == {hard.tracking_number: 3, easy.tracking_number: 1}
    assert numbers(client.get(reverse("visits:revisits"), {"unreachable": "true"})) == {hard.tracking_number}


def test_handler_has_no_revisit_queue(client_as, handler_minzheng):
    assert client_as(handler_minzheng).get(reverse("visits:revisits")).status_code == 403


def test_queue_query_count_is_constant(client_as, leader, make_petition):
    liaison = make_user("queue-liaison", "liaison", villages=[make_petition(Status.REPLIED).village])
    client = client_as(leader)

    def add(n):
        for _ in range(n):
            petition = replied_days_ago(make_petition(Status.REPLIED), 9)
            revisit_record(petition=petition, by=liaison, method="phone", reached=False)

    add(2)
    small = queries(client, reverse("visits:revisits"))
    add(27)
    large = queries(client, reverse("visits:revisits"))
    assert small == large
    assert large <= BUDGET
