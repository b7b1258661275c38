"""Revisits drive the case through the petitions workflow: satisfied closes, unsatisfied reopens,
three times unreached lets a leader close with a reason. Liaisons revisit only their villages."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from petitions.models import Action, Petition, PetitionEvent, Satisfaction, Status
from petitions.workflow import TransitionError
from visits.models import Revisit
from visits.services import revisit_close_unreachable, revisit_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def replied(make_petition):
    return make_petition(Status.REPLIED)


def revisit_events(petition):
    return PetitionEvent.objects.filter(petition=petition, action=Action.REVISIT)


@pytest.mark.parametrize("satisfaction", [Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED])
def test_satisfied_revisit_closes_the_case_with_one_event(liaison_a, replied, satisfaction):
    revisit = revisit_record(
        petition=replied, by=liaison_a, method="phone", reached=True, solved=True, satisfaction=satisfaction
    )
    replied.refresh_from_db()
    assert replied.status == Status.CLOSED
    assert replied.closed_without_satisfaction is False
    event = revisit_events(replied).get()
    assert revisit.event == event
    assert (event.actor, event.from_status, event.to_status) == (liaison_a, Status.REPLIED, Status.CLOSED)
    assert event.data["satisfaction"] == satisfaction
    assert event.data["method"] == "电话"


def test_unsatisfied_revisit_sends_the_case_back_with_the_comment(liaison_a, replied):
    revisit_record(
        petition=replied,
        by=liaison_a,
        method="door",
        reached=True,
        solved=False,
        satisfaction=Satisfaction.UNSATISFIED,
        comment="补助还没到账",
    )
    replied.refresh_from_db()
    assert replied.status == Status.IN_PROGRESS
    assert replied.reopen_count == 1
    event = revisit_events(replied).get()
    assert (event.to_status, event.note, event.data["reopened"]) == (Status.IN_PROGRESS, "补助还没到账", True)


def test_unsatisfied_without_a_comment_is_refused(liaison_a, replied):
    with pytest.raises(ValidationError) as error:
        revisit_record(
            petition=replied, by=liaison_a, method="phone", reached=True, satisfaction=Satisfaction.UNSATISFIED
        )
    assert error.value.message_dict["comment"] == ["群众不满意时请写明意见，随诉求退回承办单位重办。"]
    assert not Revisit.objects.exists()


def test_unreached_revisit_is_recorded_without_moving_the_case(liaison_a, replied):
    revisit = revisit_record(petition=replied, by=liaison_a, method="phone", reached=False)
    replied.refresh_from_db()
    assert replied.status == Status.REPLIED
    assert revisit.event is None
    assert (revisit.solved, revisit.satisfaction) == (False, "")
    assert not revisit_events(replied).exists()


def test_leader_closes_with_a_reason_after_three_unreached_revisits(liaison_a, leader, replied):
    for _ in range(2):
        revisit_record(petition=replied, by=liaison_a, method="phone", reached=False)
    with pytest.raises(ValidationError) as error:
        revisit_close_unreachable(petition=replied, by=leader, reason="联系不上")
    assert "目前2次" in error.value.messages[0]
    revisit_record(petition=replied, by=liaison_a, method="door", reached=False)

    event = revisit_close_unreachable(petition=replied, by=leader, reason="三次联系不上，已外出务工")

    replied.refresh_from_db()
    assert replied.status == Status.CLOSED
    assert replied.closed_without_satisfaction is True
    assert (event.action, event.note) == (Action.CLOSE_WITH_REASON, "三次联系不上，已外出务工")


def test_liaison_may_not_close_an_unreachable_case(liaison_a, replied):
    for _ in range(3):
        revisit_record(petition=replied, by=liaison_a, method="phone", reached=False)
    with pytest.raises(PermissionDenied):
        revisit_close_unreachable(petition=replied, by=liaison_a, reason="联系不上")
    replied.refresh_from_db()
    assert replied.status == Status.REPLIED


def test_unreached_attempts_before_a_reopen_do_not_count(liaison_a, leader, handler_minzheng, replied):
    from petitions import workflow
    from petitions.models import Reply

    for _ in range(3):
        revisit_record(petition=replied, by=liaison_a, method="phone", reached=False)
    Revisit.objects.update(created_at=timezone.now() - dt.timedelta(days=3))
    revisit_record(
        petition=replied, by=liaison_a, method="phone", reached=True,
        satisfaction=Satisfaction.UNSATISFIED, comment="还没解决",
    )  # fmt: skip
    workflow.petition_reply(
        petition=replied, by=handler_minzheng, facts="已补发", decision=Reply.Decision.SUPPORT,
        delivery=Reply.Delivery.PHONE,
    )  # fmt: skip
    with pytest.raises(ValidationError):
        revisit_close_unreachable(petition=replied, by=leader, reason="联系不上")


def test_liaison_of_another_village_cannot_revisit(liaison_b, replied, client_as):
    with pytest.raises(PermissionDenied):
        revisit_record(petition=replied, by=liaison_b, method="phone", reached=False)
    assert client_as(liaison_b).get(reverse("visits:revisit_new", args=[replied.pk])).status_code == 404
    assert not Revisit.objects.exists()


def test_case_not_yet_replied_has_no_revisit(liaison_a, make_petition):
    petition = make_petition(Status.IN_PROGRESS)
    with pytest.raises(TransitionError):
        revisit_record(petition=petition, by=liaison_a, method="phone", reached=False)


def test_revisit_page_records_a_satisfied_revisit(client_as, liaison_a, replied):
    client = client_as(liaison_a)
    page = client.get(reverse("visits:revisit_new", args=[replied.pk]))
    assert replied.summary in page.content.decode()
    response = client.post(
        reverse("visits:revisit_new", args=[replied.pk]),
        {"method": "phone", "reached": "1", "solved": "1", "satisfaction": "satisfied", "comment": "很满意"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("visits:revisits")
    assert f"{replied.tracking_number}：群众满意，已办结。" in response.content.decode()
    assert Petition.objects.get(pk=replied.pk).status == Status.CLOSED


def test_revisit_page_names_missing_answers_in_chinese(client_as, liaison_a, replied):
    response = client_as(liaison_a).post(
        reverse("visits:revisit_new", args=[replied.pk]), {"method": "phone", "reached": "1"}
    )
    errors = response.context["form"].errors
    assert errors["satisfaction"] == ["请选择满意度。"]
    assert errors["solved"] == ["请选择问题是否解决。"]
    assert Petition.objects.get(pk=replied.pk).status == Status.REPLIED


def test_close_form_appears_for_a_leader_after_three_unreached(client_as, liaison_a, leader, replied):
    for _ in range(3):
        revisit_record(petition=replied, by=liaison_a, method="phone", reached=False)
    assert (
        "close-unreachable"
        not in client_as(liaison_a).get(reverse("visits:revisit_new", args=[replied.pk])).content.decode()
    )
    client = client_as(leader)
    assert "close-unreachable" in client.get(reverse("visits:revisit_new", args=[replied.pk])).content.decode()
    client.post(reverse("visits:revisit_close", args=[replied.pk]), {"reason": "三次联系不上"})
    assert Petition.objects.get(pk=replied.pk).status == Status.CLOSED
