"""公示 and 撤下公示 as workflow actions: roles, states, one event each, the stale copy, what staff may write,
the written consent, and the case page's wiring."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from households.idcard import id_number_for
from households.models import Household, Person, Tag
from minqing.access import scope_for
from notifications.models import Notification
from petitions import workflow
from petitions.models import Action, Petition, PetitionEvent, Publication, Reply, Status
from petitions.workflow import TransitionError, available_actions
from tests.petitions.conftest import make_category

SUMMARY = "反映家中生活困难，申请纳入救助。经民政办入户核实，家庭收入低于当地标准。"
RESULT = "已按政策纳入救助，救助金按月发放。"


def publish(petition, by, **kwargs):
    kwargs.setdefault("public_summary", SUMMARY)
    kwargs.setdefault("result", RESULT)
    return workflow.petition_publish(petition=petition, by=by, **kwargs)


def events_of(petition) -> int:
    return PetitionEvent.objects.filter(petition=petition).count()


# --- Roles and states ----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("state", [Status.REPLIED, Status.CLOSED])
def test_leader_publishes_a_replied_or_closed_case_as_one_event_without_changing_its_state(
    state, make_petition, leader
):
    petition = make_petition(state)
    before = events_of(petition)
    event = publish(petition, leader)
    petition.refresh_from_db()
    assert petition.status == state
    assert events_of(petition) == before + 1
    assert (event.action, event.from_status, event.to_status, event.actor) == (Action.PUBLISH, state, state, leader)
    publication = Publication.objects.get(petition=petition)
    assert publication.is_published and publication.published_by == leader
    assert event.data["publication_id"] == publication.pk
    assert publication.public_summary == SUMMARY and publication.result == RESULT


@pytest.mark.django_db
def test_publication_copies_the_case_facts_for_the_board(make_petition, leader, village_a):
    petition = make_petition(Status.CLOSED)
    publish(petition, leader)
    publication = Publication.objects.get(petition=petition)
    assert publication.village == village_a
    assert publication.subject == "低保"
    assert publication.department_name == "民政办"
    assert publication.decision == Reply.Decision.SUPPORT  # the latest reply's, when none is given
    assert publication.received_on == timezone.localdate(petition.received_at)


@pytest.mark.django_db
def test_a_case_answered_at_the_desk_is_published_under_the_center(make_petition, reception, leader):
    petition = make_petition(Status.REGISTERED)
    workflow.petition_answer_at_desk(
        petition=petition, by=reception, facts="政策已当面解释。", decision=Reply.Decision.EXPLAINED
    )
    publish(petition, leader)
    assert Publication.objects.get(petition=petition).department_name == "鼎新乡民情信息中心"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "state", [Status.REGISTERED, Status.AWAITING_INSTRUCTION, Status.ASSIGNED, Status.IN_PROGRESS, Status.WITHDRAWN]
)
def test_an_unfinished_or_withdrawn_case_cannot_be_published(state, make_petition, leader):
    petition = make_petition(state)
    before = events_of(petition)
    with pytest.raises(TransitionError):
        publish(petition, leader)
    assert events_of(petition) == before
    assert not Publication.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["reception", "handler_minzheng", "liaison_a", "admin_user"])
def test_only_leaders_publish_and_unpublish(persona, make_petition, leader, request):
    by = request.getfixturevalue(persona)
    petition = make_petition(Status.REPLIED)
    with pytest.raises(PermissionDenied):
        publish(petition, by)
    publish(petition, leader)
    with pytest.raises(PermissionDenied):
        workflow.petition_unpublish(petition=petition, by=by, reason="不宜公开。")
    assert Publication.objects.get(petition=petition).is_published


@pytest.mark.django_db
def test_unpublishing_needs_a_reason_and_is_one_event(make_petition, leader):
    petition = make_petition(Status.CLOSED)
    publish(petition, leader)
    before = events_of(petition)
    with pytest.raises(ValidationError) as error:
        workflow.petition_unpublish(petition=petition, by=leader, reason="  ")
    assert "reason" in error.value.message_dict
    assert events_of(petition) == before

    event = workflow.petition_unpublish(petition=petition, by=leader, reason="摘要需补充处理经过。")
    assert (event.action, event.note, event.actor) == (Action.UNPUBLISH, "摘要需补充处理经过。", leader)
    assert events_of(petition) == before + 1
    publication = Publication.objects.get(petition=petition)
    assert not publication.is_published
    assert (publication.unpublished_by, publication.unpublish_reason) == (leader, "摘要需补充处理经过。")
    assert Petition.objects.get(pk=petition.pk).status == Status.CLOSED


@pytest.mark.django_db
def test_a_published_case_cannot_be_published_twice_nor_an_unpublished_one_taken_down(make_petition, leader):
    petition = make_petition(Status.REPLIED)
    with pytest.raises(TransitionError):
        workflow.petition_unpublish(petition=petition, by=leader, reason="撤下")
    publish(petition, leader)
    with pytest.raises(TransitionError):
        publish(petition, leader)
    workflow.petition_unpublish(petition=petition, by=leader, reason="撤下")
    with pytest.raises(TransitionError):
        workflow.petition_unpublish(petition=petition, by=leader, reason="再撤")


@pytest.mark.django_db
def test_republishing_after_unpublishing_replaces_the_text_on_the_same_row(make_petition, leader):
    petition = make_petition(Status.REPLIED)
    publish(petition, leader)
    workflow.petition_unpublish(petition=petition, by=leader, reason="摘要需修改。")
    publish(petition, leader, public_summary="反映生活困难。经核实，已纳入救助。")
    publication = Publication.objects.get(petition=petition)
    assert publication.is_published and publication.public_summary == "反映生活困难。经核实，已纳入救助。"
    assert (publication.unpublished_at, publication.unpublish_reason) == (None, "")
    actions = list(petition.events.order_by("pk").values_list("action", flat=True))
    assert actions[-3:] == [Action.PUBLISH, Action.UNPUBLISH, Action.PUBLISH]


@pytest.mark.django_db
def test_a_stale_copy_cannot_publish_after_another_leader_did(make_petition, leader):
    petition = make_petition(Status.REPLIED)
    first, second = Petition.objects.get(pk=petition.pk), Petition.objects.get(pk=petition.pk)
    publish(first, leader)
    before = events_of(petition)
    with pytest.raises(TransitionError):
        publish(second, leader, public_summary="另一位领导的摘要：反映困难，已办理。")
    assert events_of(petition) == before
    assert Publication.objects.get(petition=petition).public_summary == SUMMARY


@pytest.mark.django_db
def test_a_stale_copy_cannot_unpublish_twice(make_petition, leader):
    petition = make_petition(Status.REPLIED)
    publish(petition, leader)
    first, second = Petition.objects.get(pk=petition.pk), Petition.objects.get(pk=petition.pk)
    assert first.publication.is_published and second.publication.is_published  # both copies read the row
    workflow.petition_unpublish(petition=first, by=leader, reason="撤下")
    before = events_of(petition)
    with pytest.raises(TransitionError):
        workflow.petition_unpublish(petition=second, by=leader, reason="再撤")
    assert events_of(petition) == before


@pytest.mark.django_db
def test_a_reopened_case_leaves_the_board_in_the_same_transaction(make_petition, leader, reception, client):
    petition = make_petition(Status.REPLIED)
    publish(petition, leader)
    assert petition.tracking_number in client.get(reverse("public:board")).content.decode()
    workflow.petition_revisit(petition=petition, by=reception, solved=False, satisfaction="unsatisfied")
    assert petition.status == Status.IN_PROGRESS
    publication = Publication.objects.get(petition=petition)
    assert not publication.is_published and publication.unpublished_by == reception
    for url in (reverse("public:board"), reverse("public:feed"), reverse("public:notices_json")):
        assert petition.tracking_number not in client.get(url).content.decode()
    assert client.get(reverse("public:notice", args=[petition.tracking_number])).status_code == 404
    off = petition.events.get(action=Action.UNPUBLISH)
    assert off.actor == reception and off.data["reopened"] is True and "重新答复后" in off.note
    # Nothing is left to take down by hand; after the new reply it may be published again.
    assert Action.UNPUBLISH not in {t.action for t in available_actions(petition, scope_for(leader))}


@pytest.mark.django_db
def test_a_reopen_rolled_back_leaves_the_notice_on_the_board(make_petition, leader, reception, monkeypatch):
    petition = make_petition(Status.REPLIED)
    publish(petition, leader)

    real_event = workflow._event

    def fail_on_the_unpublish_event(petition, action, *args, **kwargs):
        if action == Action.UNPUBLISH:
            raise RuntimeError("disk full")
        return real_event(petition, action, *args, **kwargs)

    monkeypatch.setattr(workflow, "_event", fail_on_the_unpublish_event)
    with pytest.raises(RuntimeError):
        workflow.petition_revisit(petition=petition, by=reception, solved=False, satisfaction="unsatisfied")
    assert Publication.objects.get(petition=petition).is_published
    assert Petition.objects.get(pk=petition.pk).status == Status.REPLIED


@pytest.mark.django_db
def test_the_publishing_leader_is_told_a_new_notice_waits(
    make_petition, leader, reception, django_capture_on_commit_callbacks
):
    petition = make_petition(Status.REPLIED)
    publish(petition, leader)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.petition_revisit(petition=petition, by=reception, solved=False, satisfaction="unsatisfied")
    told = Notification.objects.get(recipient=leader, kind="petition.notice_withdrawn")
    assert petition.tracking_number in told.title and "重新答复后" in told.body


@pytest.mark.django_db
def test_a_satisfied_revisit_keeps_the_notice_and_it_says_closed(make_petition, leader, reception, client):
    petition = make_petition(Status.REPLIED)
    publish(petition, leader)
    page = client.get(reverse("public:notice", args=[petition.tracking_number])).content.decode()
    assert "答复日期" in page and "办结日期" not in page
    workflow.petition_revisit(petition=petition, by=reception, solved=True, satisfaction="satisfied")
    page = client.get(reverse("public:notice", args=[petition.tracking_number])).content.decode()
    assert "答复日期" in page and "办结日期" in page
    item = client.get(reverse("public:notices_json")).json()["results"][0]
    assert item["finished_on"] == timezone.localdate(Petition.objects.get(pk=petition.pk).closed_at).isoformat()


@pytest.mark.django_db
def test_buttons_follow_the_publication(make_petition, leader):
    petition = make_petition(Status.REPLIED)
    scope = scope_for(leader)
    shown = {t.action for t in available_actions(Petition.objects.get(pk=petition.pk), scope)}
    assert Action.PUBLISH in shown and Action.UNPUBLISH not in shown
    publish(petition, leader)
    shown = {t.action for t in available_actions(Petition.objects.get(pk=petition.pk), scope)}
    assert Action.UNPUBLISH in shown and Action.PUBLISH not in shown


@pytest.mark.django_db
def test_the_case_page_data_knows_the_publication_without_a_query(make_petition, leader, django_assert_num_queries):
    petition = make_petition(Status.REPLIED)
    scope = scope_for(leader)
    petition = Petition.objects.with_detail_data().get(pk=petition.pk)
    with django_assert_num_queries(0):
        actions = {t.action for t in available_actions(petition, scope)}
    assert Action.PUBLISH in actions


# --- What staff may write ---------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "text",
    [
        "家中老人生病，生活困难，申请低保。",  # the petitioner's words (make_petition's content), unedited
        "家中老人生病 生活困难 申请低保",  # the same with the punctuation gone
        "申请低保1",  # the case's own summary
        "群众来访：家中老人生病，生活困难，申请低保。已办理。",  # the content copied whole
    ],
)
def test_the_petitioners_own_words_are_refused(text, make_petition, leader):
    petition = make_petition(Status.REPLIED)
    with pytest.raises(ValidationError) as error:
        publish(petition, leader, public_summary=text)
    assert "原话" in error.value.message_dict["public_summary"][0]
    assert not Publication.objects.exists()


@pytest.mark.django_db
def test_names_phones_id_numbers_and_sensitive_tags_are_refused(make_petition, leader, village_a):
    household = Household.objects.create(village=village_a, household_no="007", head_name="张德明")
    Person.objects.create(household=household, name="张小雨")
    Tag.objects.create(kind=Tag.Kind.HOUSEHOLD, name="低保户", sensitive=True)
    petition = make_petition(Status.REPLIED, petitioner_name="张德明", household=household)
    cases = {
        "张德明反映生活困难，已办理。": "姓名",
        "其女张小雨就学困难，已办理。": "姓名",
        "联系电话13800001234，已办理。": "电话",
        "身份证号52272219800101001X，已办理。": "身份证",
        "该户为低保户，已办理。": "低保户",
        # Numbers dressed up: a landline, a dashed ID number, full-width digits, spaced digits.
        "请致电0851-87654321了解。": "电话",
        "请致电（0851）8765 4321了解。": "电话",
        "身份证号522722-19800101-001X，已办理。": "身份证",
        "联系电话１３８００００１２３４，已办理。": "电话",
        "联系电话138 0000 1234，已办理。": "电话",
    }
    for text, word in cases.items():
        with pytest.raises(ValidationError) as error:
            publish(petition, leader, public_summary=text)
        assert word in error.value.message_dict["public_summary"][0], text
        with pytest.raises(ValidationError) as error:
            publish(petition, leader, result=text)
        assert word in error.value.message_dict["result"][0], text
    assert not Publication.objects.exists()


@pytest.mark.django_db
def test_dates_and_amounts_are_not_mistaken_for_numbers_that_identify(make_petition, leader):
    petition = make_petition(Status.REPLIED)
    publish(
        petition, leader, public_summary="2026-11-05起每月发放救助金1200元，共12个月。", result="已于2026年11月办结。"
    )
    assert Publication.objects.get(petition=petition).is_published


@pytest.mark.django_db
def test_summary_and_result_are_required(make_petition, leader):
    petition = make_petition(Status.REPLIED)
    with pytest.raises(ValidationError) as error:
        publish(petition, leader, public_summary=" ", result="")
    assert set(error.value.message_dict) == {"public_summary", "result"}


# --- The written consent -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_consent_is_recorded_with_who_and_when(make_petition, leader):
    petition = make_petition(Status.CLOSED)
    event = publish(petition, leader, consent=True, consent_note="同意书已签字存档。")
    publication = Publication.objects.get(petition=petition)
    assert publication.name_consent
    assert publication.consent_recorded_by == leader and publication.consent_recorded_at is not None
    assert publication.consent_note == "同意书已签字存档。"
    assert event.data["name_consent"] is True


@pytest.mark.django_db
def test_consent_needs_a_note_of_the_written_form(make_petition, leader):
    petition = make_petition(Status.CLOSED)
    with pytest.raises(ValidationError) as error:
        publish(petition, leader, consent=True)
    assert "consent_note" in error.value.message_dict


@pytest.mark.django_db
def test_consent_is_refused_for_an_accusation(make_petition, leader, accusation_category):
    petition = make_petition(Status.CLOSED, category=accusation_category)
    with pytest.raises(ValidationError) as error:
        publish(petition, leader, consent=True, consent_note="同意书已签字。")
    assert "保密" in error.value.message_dict["consent"][0]


@pytest.mark.django_db
def test_consent_is_refused_for_a_minor(make_petition, leader):
    petition = make_petition(Status.CLOSED, petitioner_id_number=id_number_for("110101", dt.date(2015, 1, 1), 1))
    with pytest.raises(ValidationError) as error:
        publish(petition, leader, consent=True, consent_note="监护人签字同意。")
    assert "未成年人" in error.value.message_dict["consent"][0]


# --- The case page's wiring ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_publish_form_is_prefilled_from_the_reply_with_a_warning(make_petition, leader, client_as):
    petition = make_petition(Status.REPLIED)
    response = client_as(leader).get(reverse("petitions:act", args=[petition.pk, Action.PUBLISH]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "请改写后再公示" in html and "公示时诉求人显示为“张某”" in html
    assert "经入户核实，情况属实。" in html  # the reply's facts, for staff to rewrite
    assert response.context["form"].initial["decision"] == Reply.Decision.SUPPORT


@pytest.mark.django_db
def test_publish_form_refuses_the_petitioners_unedited_words(make_petition, leader, client_as):
    petition = make_petition(Status.REPLIED)
    url = reverse("petitions:act", args=[petition.pk, Action.PUBLISH])
    response = client_as(leader).post(
        url, {"public_summary": petition.content, "decision": Reply.Decision.SUPPORT, "result": RESULT}
    )
    assert response.status_code == 200
    assert "不得照录诉求人原话" in response.content.decode()
    assert not Publication.objects.exists()


@pytest.mark.django_db
def test_publish_and_unpublish_through_the_case_page(make_petition, leader, client_as):
    petition = make_petition(Status.REPLIED)
    client = client_as(leader)
    response = client.post(
        reverse("petitions:act", args=[petition.pk, Action.PUBLISH]),
        {"public_summary": SUMMARY, "decision": Reply.Decision.SUPPORT, "result": RESULT},
    )
    assert response.status_code == 302
    assert Publication.objects.get(petition=petition).is_published
    page = client.get(reverse("petitions:detail", args=[petition.pk])).content.decode()
    assert "撤下公示" in page
    response = client.post(reverse("petitions:act", args=[petition.pk, Action.UNPUBLISH]), {"reason": "需修改。"})
    assert response.status_code == 302
    assert not Publication.objects.get(petition=petition).is_published


@pytest.mark.django_db
def test_consent_box_is_disabled_for_an_accusation(make_petition, leader, client_as, accusation_category):
    category = make_category("干部作风", accusation_category.kind, accusation_category.default_department)
    petition = make_petition(Status.REPLIED, category=category)
    response = client_as(leader).get(reverse("petitions:act", args=[petition.pk, Action.PUBLISH]))
    assert response.context["form"].fields["consent"].disabled
