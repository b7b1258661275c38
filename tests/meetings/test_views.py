"""Wiring of the meetings pages: who reads which meeting (scope → 404), planning and deciding through the forms,
errors shown in Chinese, the A4 minutes, and a meeting page whose query count does not grow with its agenda."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from meetings import services
from meetings.models import Decision, Meeting
from petitions.models import Status
from tests.conftest import make_user
from tests.meetings.conftest import plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def village_meeting(make_petition, kinds, village_secretary, village_a):
    cases = [make_petition("village_triage"), make_petition("village_triage")]
    meeting = plan(village_secretary, kinds["村两委分析会"], timezone.localdate(), village=village_a)
    meeting.cases = cases
    return meeting


def decision_post(item, **fields) -> dict:
    prefix = f"item-{item.pk}"
    data = {
        "action": "settle_in_village",
        "analysis": "邻里误会。",
        "measure": "当场调解。",
        "owner_department": "",
        "owner_name": "村主任王明",
        "due_on": (timezone.localdate() + dt.timedelta(days=3)).isoformat(),
        "reply_decision": "support",
    }
    data.update(fields)
    return {f"{prefix}-{k}": v for k, v in data.items()}


def test_the_months_meetings_are_scoped(village_meeting, client_as, leader, liaison_a, liaison_b, reception):
    month = f"?month={village_meeting.date:%Y-%m}"
    assert village_meeting.title in client_as(leader).get("/meetings/" + month).content.decode()
    assert village_meeting.title in client_as(liaison_a).get("/meetings/" + month).content.decode()
    assert village_meeting.title not in client_as(liaison_b).get("/meetings/" + month).content.decode()
    assert client_as(reception).get("/meetings/").status_code == 403
    assert client_as(liaison_b).get(f"/meetings/{village_meeting.pk}/").status_code == 404
    county = make_user("county", "county")
    assert client_as(county).get(f"/meetings/{village_meeting.pk}/").status_code == 200


def test_the_secretary_decides_through_the_page(village_meeting, client_as, village_secretary):
    client = client_as(village_secretary)
    item = village_meeting.items.get(petition=village_meeting.cases[0])
    page = client.get(f"/meetings/{village_meeting.pk}/").content.decode()
    assert f'action="/meetings/{village_meeting.pk}/items/{item.pk}/decide/"' in page
    response = client.post(f"/meetings/{village_meeting.pk}/items/{item.pk}/decide/", decision_post(item))
    assert response.status_code == 302 and response["Location"].endswith(f"#item-{item.pk}")
    assert village_meeting.cases[0].__class__.objects.get(pk=item.petition_id).status == Status.REPLIED

    # A decision without an owner: the page again, the Chinese error on the field, nothing written.
    other = village_meeting.items.get(petition=village_meeting.cases[1])
    response = client.post(
        f"/meetings/{village_meeting.pk}/items/{other.pk}/decide/", decision_post(other, owner_name="", due_on="")
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "请填写责任单位或责任人。" in page and "请填写完成期限。" in page
    assert Decision.objects.count() == 1
    # The one item alone, for a phone.
    single = client.get(f"/meetings/{village_meeting.pk}/items/{other.pk}/decide/").content.decode()
    assert f'id="item-{other.pk}"' in single and f'id="item-{item.pk}"' not in single


def test_a_stale_item_says_so_and_is_updated(village_meeting, client_as, village_secretary, leader):
    from petitions import workflow

    case = village_meeting.cases[0]
    item = village_meeting.items.get(petition=case)
    workflow.petition_supervise(petition=case, by=leader, note="请尽快")
    client = client_as(village_secretary)
    response = client.post(f"/meetings/{village_meeting.pk}/items/{item.pk}/decide/", decision_post(item))
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "在列入议程后已有变化" in page and 'class="alert alert-warning py-1 px-2 small mt-2 mb-0 stale-item"' in page
    client.post(f"/meetings/{village_meeting.pk}/items/{item.pk}/reload/")
    assert (
        client.post(f"/meetings/{village_meeting.pk}/items/{item.pk}/decide/", decision_post(item)).status_code == 302
    )
    assert Decision.objects.filter(item=item).exists()


def test_adding_and_removing_items(village_meeting, client_as, village_secretary, make_petition):
    client = client_as(village_secretary)
    extra = make_petition("in_progress")
    client.post(f"/meetings/{village_meeting.pk}/items/add/", {"number": extra.tracking_number})
    client.post(f"/meetings/{village_meeting.pk}/items/add/", {"title": "研究村道路灯维修", "detail": "群众多次反映"})
    items = village_meeting.items.filter(removed=False)
    assert items.count() == 4 and items.filter(title="研究村道路灯维修").exists()
    topic = items.get(title="研究村道路灯维修")
    client.post(f"/meetings/{village_meeting.pk}/items/{topic.pk}/remove/")
    assert village_meeting.items.filter(removed=False).count() == 3
    response = client.post(f"/meetings/{village_meeting.pk}/items/add/", {"number": "MQ209912-9999"}, follow=True)
    assert "找不到该编号的诉求" in response.content.decode()


def test_planning_a_meeting_through_the_form(client_as, leader, kinds, village_a, make_petition):
    make_petition("village_triage")
    response = client_as(leader).post(
        "/meetings/new/",
        {
            "kind": kinds["村两委分析会"].pk, "village": village_a.pk, "date": timezone.localdate().isoformat(),
            "start_time": "19:30", "place": "张家院坝", "other_attendees": "村民代表李四、党员代表王五",
        },
    )  # fmt: skip
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/meetings/{meeting.pk}/"
    assert (meeting.place, meeting.start_time, meeting.items.count()) == ("张家院坝", dt.time(19, 30), 1)
    assert meeting.other_attendee_names == ["村民代表李四", "党员代表王五"]
    # The body must fit the kind: a village meeting without a village is refused in Chinese.
    response = client_as(leader).post(
        "/meetings/new/", {"kind": kinds["村两委分析会"].pk, "date": timezone.localdate().isoformat()}
    )
    assert response.status_code == 200 and "村两委分析会请选择村。" in response.content.decode()


def test_the_minutes_print_every_item_with_its_decision_owner_and_date(
    village_meeting, client_as, village_secretary, leader
):
    chair = make_user("cun_zhuren", "liaison", villages=[village_meeting.village], full_name="村主任王明")
    services.meeting_update(
        meeting=village_meeting, by=village_secretary, chair=chair, attendees=[chair, village_secretary]
    )
    for case, action in zip(village_meeting.cases, ["settle_in_village", "send_up"], strict=True):
        item = village_meeting.items.select_related("meeting", "petition").get(petition=case)
        services.decision_record(
            item=item, by=village_secretary, action=action, analysis="分析", measure=f"措施{action}",
            owner_name="村主任王明", due_on=village_meeting.date + dt.timedelta(days=5),
        )  # fmt: skip
    services.meeting_hold(meeting=village_meeting, by=village_secretary)
    page = client_as(leader).get(f"/meetings/{village_meeting.pk}/print/").content.decode()
    assert "（纪要未审定，仅供核对）" in page
    assert "村主任王明、王村秘" in page  # the attendees
    due = (village_meeting.date + dt.timedelta(days=5)).isoformat()
    for label, measure in (("在村化解", "措施settle_in_village"), ("上报乡镇", "措施send_up")):
        assert label in page and measure in page
    assert page.count(due) == 2
    client_as(chair).post(f"/meetings/{village_meeting.pk}/approve/")
    page = client_as(leader).get(f"/meetings/{village_meeting.pk}/print/").content.decode()
    assert "审定：村主任王明" in page and "未审定" not in page


def test_the_meeting_page_costs_the_same_whatever_its_agenda(
    make_petition, kinds, village_secretary, village_a, client_as
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_petition("village_triage")
    make_petition("village_triage")
    meeting = plan(village_secretary, kinds["村两委分析会"], timezone.localdate(), village=village_a)
    client = client_as(village_secretary)
    url = f"/meetings/{meeting.pk}/"
    client.get(url)  # the session and the scope's first reads

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    few = queries()
    for _ in range(7):
        services.item_add_case(
            meeting=meeting, by=village_secretary, number=make_petition("village_triage").tracking_number
        )
    services.item_add_topic(meeting=meeting, by=village_secretary, title="其他议题")
    assert meeting.items.count() == 10
    assert queries() == few
