"""The leaders' queues as they read: 待批示 shows how long each case has waited and its statutory 告知 deadline
(no department or reply deadline exists yet); 待公示 lists the replied and closed cases not yet on the board."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from minqing.access import scope_for
from petitions import workflow
from petitions.models import Petition, Satisfaction, Status
from tests.conftest import explain, requires_postgres
from tests.petitions.test_publication import publish


def header(page: str) -> list[str]:
    thead = re.search(r"<thead.*?</thead>", page, re.S).group(0)
    return re.findall(r"<th[^>]*>([^<]+)</th>", thead)


def cells(page: str, label: str) -> list[str]:
    """The text of each row's cell labelled ``label`` (data-label, as phones show it)."""
    found = re.findall(rf'<td data-label="{label}"[^>]*>(.*?)</td>', page, re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cell)).strip() for cell in found]


@pytest.mark.django_db
def test_the_instruction_queue_shows_days_waiting_and_the_notice_deadline(client_as, leader, make_petition):
    petition = make_petition(Status.AWAITING_INSTRUCTION)
    received = timezone.now() - dt.timedelta(days=12)
    notice_by = timezone.localdate() + dt.timedelta(days=3)
    Petition.objects.filter(pk=petition.pk).update(received_at=received, notice_by=notice_by)
    late = make_petition(Status.AWAITING_INSTRUCTION)
    Petition.objects.filter(pk=late.pk).update(
        received_at=timezone.now() - dt.timedelta(days=20), notice_by=timezone.localdate() - dt.timedelta(days=1)
    )

    page = client_as(leader).get(reverse("petitions:queue", args=["instruction"])).content.decode()
    columns = header(page)
    assert "已等待" in columns and "告知期限" in columns
    assert "承办单位" not in columns and "答复期限" not in columns
    assert cells(page, "已等待") == ["12 天", "20 天"]
    notices = cells(page, "告知期限")
    assert notices[0] == f"{notice_by:%Y-%m-%d} 剩3天"
    assert notices[1].endswith("已超期")


@pytest.mark.django_db
def test_other_lists_keep_the_department_and_reply_deadline(client_as, leader, make_petition):
    make_petition(Status.IN_PROGRESS)
    for url in (reverse("petitions:index"), reverse("petitions:queue", args=["overdue"])):
        columns = header(client_as(leader).get(url).content.decode())
        assert "承办单位" in columns and "答复期限" in columns and "已等待" not in columns


@pytest.mark.django_db
def test_to_publish_lists_replied_and_closed_cases_not_yet_on_the_board_nor_refused(
    client_as, leader, reception, make_petition
):
    replied = make_petition(Status.REPLIED)
    closed = make_petition(Status.CLOSED)
    make_petition(Status.IN_PROGRESS)  # not answered yet
    make_petition(Status.WITHDRAWN)  # nothing to publish
    published = make_petition(Status.CLOSED)
    publish(published, leader)
    refused = make_petition(Status.CLOSED)
    publish(refused, leader)
    workflow.petition_unpublish(petition=refused, by=leader, reason="涉及个人隐私，不宜公开。")
    # Taken off the board when the petitioner was not satisfied, replied to again: waits for a new notice.
    again = make_petition(Status.REPLIED)
    publish(again, leader)
    workflow.petition_revisit(
        petition=again, by=reception, solved=False, satisfaction=Satisfaction.UNSATISFIED, method="电话"
    )
    workflow.petition_reply(
        petition=again, by=again.lead_department.staff.first(), facts="重新核实。", decision="support", delivery="phone"
    )

    expected = {replied.pk, closed.pk, again.pk}
    assert set(Petition.objects.awaiting_publication().values_list("pk", flat=True)) == expected
    client = client_as(leader)
    response = client.get(reverse("petitions:queue", args=["to_publish"]))
    assert {p.pk for p in response.context["page_obj"]} == expected
    assert response.context["title"] == "待公示"
    assert "答复时间" in header(response.content.decode())
    desk = client.get(reverse("dashboards:home"))
    assert desk.context["desks"]["leader"]["counts"]["to_publish"] == 3
    assert {p.pk for p in desk.context["desks"]["leader"]["to_publish"]} == expected
    assert reverse("petitions:queue", args=["to_publish"]) in desk.content.decode()


@requires_postgres
@pytest.mark.django_db
def test_on_postgresql_the_desk_reads_its_first_cases_to_publish_from_their_index(leader, make_petition):
    """The leader's desk shows the five oldest replies waiting for 公示: from petition_to_publish_idx, in its order,
    never by sorting every replied and closed case of the township (200 ms at county scale)."""
    for status in (Status.REPLIED, Status.CLOSED, Status.IN_PROGRESS):
        make_petition(status)
    waiting = Petition.objects.visible_to(scope_for(leader)).awaiting_publication()
    first = waiting.order_by(F("replied_at").asc(nulls_last=True), "pk")[:5]
    plan = explain(first, enable_seqscan="off", enable_sort="off")
    assert "petition_to_publish_idx" in plan and "Sort" not in plan, plan


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["reception", "handler_minzheng", "liaison_a"])
def test_only_leaders_have_the_to_publish_queue(request, client_as, persona):
    client = client_as(request.getfixturevalue(persona))
    assert client.get(reverse("petitions:queue", args=["to_publish"])).status_code == 404
