"""Each role's desk: its own heading, figures that count exactly what the linked queue lists, only what the
role's scope allows, and a query count that does not grow with the data."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from petitions import workflow
from petitions.models import Petition, Status
from petitions.views import QUEUES
from tests.visits.conftest import make_household, make_visit


@pytest.mark.django_db
def test_login_page_is_in_chinese(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert "登录" in response.content.decode()


@pytest.mark.django_db
def test_home_requires_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "desk"),
    [
        ("reception", "前台接待工作台"),
        ("leader", "领导工作台"),
        ("handler_minzheng", "承办人工作台"),
        ("liaison_a", "村联络员工作台"),
        ("admin_user", "系统管理"),
    ],
)
def test_each_role_sees_its_own_desk(request, client_as, persona, desk):
    user = request.getfixturevalue(persona)
    response = client_as(user).get("/")
    page = response.content.decode()
    assert response.status_code == 200
    assert desk in page
    others = {"前台接待工作台", "领导工作台", "承办人工作台", "村联络员工作台"} - {desk}
    assert not any(other in page for other in others)


def desk(response, role):
    return response.context["desks"][role]


def queue_count(scope_user_client, slug):
    """How many rows the petitions queue the desk links to lists."""
    response = scope_user_client.get(reverse("petitions:queue", args=[slug]))
    return response.context["page_obj"].paginator.count


@pytest.mark.django_db
def test_leader_desk_counts_match_the_queues(client_as, leader, make_petition, dept_zigui):
    make_petition(Status.AWAITING_INSTRUCTION)
    make_petition(Status.AWAITING_INSTRUCTION)
    overdue = make_petition(Status.IN_PROGRESS)
    Petition.objects.filter(pk=overdue.pk).update(reply_by="2026-01-05")
    supervised = make_petition(Status.ASSIGNED)
    workflow.petition_supervise(petition=supervised, by=leader, note="请加快办理。")
    client = client_as(leader)
    response = client.get("/")
    counts = desk(response, "leader")["counts"]
    assert counts["instruction"] == 2
    assert counts["overdue"] == 1
    assert counts["supervised"] == 1
    for key, slug in [("instruction", "instruction"), ("extensions", "extensions"), ("overdue", "overdue"),
                      ("supervised", "supervised"), ("due_soon", "due_soon")]:  # fmt: skip
        assert counts[key] == queue_count(client, slug), key
        assert reverse("petitions:queue", args=[slug]) in response.content.decode()
    assert reverse("dashboards:metrics") in response.content.decode()


@pytest.mark.django_db
def test_handler_desk_shows_only_its_department(client_as, handler_minzheng, make_petition, dept_zigui):
    mine = make_petition(Status.ASSIGNED)
    reopened = make_petition(Status.REPLIED)
    workflow.petition_revisit(
        petition=reopened, by=reopened.created_by, solved=False, satisfaction="unsatisfied", note="没解决"
    )
    other = make_petition(Status.ASSIGNED, lead_department=dept_zigui)
    client = client_as(handler_minzheng)
    response = client.get("/")
    d = desk(response, "handler")
    assert d["counts"]["to_sign"] == 1 == queue_count(client, "to_sign")
    assert d["counts"]["in_progress"] == 1 == queue_count(client, "in_progress")
    assert d["counts"]["reopened"] == 1
    assert [p.pk for p in d["reopened"]] == [reopened.pk]
    page = response.content.decode()
    assert reopened.tracking_number in page
    assert other.tracking_number not in page
    assert mine.pk not in [p.pk for p in d["in_progress"]]


@pytest.mark.django_db
def test_handler_of_another_department_sees_none_of_it(client_as, handler_zigui, make_petition):
    make_petition(Status.ASSIGNED)
    d = desk(client_as(handler_zigui).get("/"), "handler")
    assert d["counts"]["to_sign"] == 0
    assert d["in_progress"] == []


@pytest.mark.django_db
def test_reception_desk_today_recent_and_possible_repeats(client_as, reception, make_petition, village_b):
    first = make_petition(petitioner_phone="13912345678")
    second = make_petition(petitioner_phone="13912345678")  # same phone, not linked
    linked = make_petition(petitioner_phone="13912345678", repeat_of=first)  # already marked repeat
    lone = make_petition(petitioner_phone="13700000000")
    response = client_as(reception).get("/")
    d = desk(response, "reception")
    assert d["counts"]["today"] == 4
    assert {p.pk for p in d["recent"]} == {first.pk, second.pk, linked.pk, lone.pk}
    assert [p.pk for p in d["repeats"]] == [second.pk]
    today = d["today"].isoformat()
    assert f"?received_from={today}&amp;received_to={today}" in response.content.decode()


@pytest.mark.django_db
def test_liaison_desk_counts_only_their_villages(client_as, liaison_a, liaison_b, village_a, village_b, make_petition):
    make_visit(liaison_a, village_a, kind="forum")
    make_visit(liaison_b, village_b, kind="forum")
    visited = make_household(village_a, "HP-001", cadre=liaison_a)
    make_household(village_a, "HP-002", cadre=liaison_a)  # not visited this month
    make_household(village_b, "DJ-001", cadre=liaison_b)
    make_visit(liaison_a, village_a, [visited])
    make_petition(Status.REPLIED)  # 和平村, replied just now: not yet due for a revisit
    make_petition(Status.IN_PROGRESS, village=village_b)
    response = client_as(liaison_a).get("/")
    f = desk(response, "liaison")["figures"]
    assert f.visits == 2
    assert (f.contacts, f.contacts_behind, f.contacts_visited) == (2, 1, 1)
    assert f.revisits_due == 0
    assert f.village_open == 1
    assert "和平村" in response.content.decode()
    assert "reception" not in response.context["desks"] and "leader" not in response.context["desks"]


@pytest.mark.django_db
def test_liaison_desk_counts_revisits_due(client_as, liaison_a, make_petition, settings):
    p = make_petition(Status.REPLIED)
    Petition.objects.filter(pk=p.pk).update(replied_at=p.replied_at - dt.timedelta(days=10))
    f = desk(client_as(liaison_a).get("/"), "liaison")["figures"]
    assert f.revisits_due == 1


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["reception", "leader", "handler_minzheng", "liaison_a", "admin_user"])
def test_desk_query_count_does_not_grow(request, client_as, persona, make_petition):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user = request.getfixturevalue(persona)
    client = client_as(user)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/").status_code == 200
        return len(ctx.captured_queries)

    for _ in range(3):
        make_petition(Status.IN_PROGRESS)
    few = count()
    for state in (
        [Status.IN_PROGRESS] * 6 + [Status.ASSIGNED] * 6 + [Status.REPLIED] * 3 + [Status.AWAITING_INSTRUCTION] * 6
    ):
        make_petition(state)
    assert count() == few


def test_queue_slugs_the_desks_link_to_exist():
    for slug in ["registered", "replied", "instruction", "extensions", "overdue", "supervised", "due_soon",
                 "to_sign", "in_progress", "village_open"]:  # fmt: skip
        assert slug in QUEUES
