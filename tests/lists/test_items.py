"""The findings checklist (清单): items from visits, ticking off, deadlines, closing, and turning into a case."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from lists import services
from lists.models import Item
from lists.services import ListConflict
from petitions.models import Channel, Petition
from tests.conftest import make_user
from tests.petitions.conftest import intake_data

from .conftest import make_visit

pytestmark = pytest.mark.django_db


def make_item(by, village, *, household=None, heard_on=None, due_date=None, text="协调修路灯", **kw) -> Item:
    heard_on = heard_on or timezone.localdate()
    return services.item_create(
        by=by, text=text, village=village, household=household, heard_on=heard_on, due_date=due_date, **kw
    )


def test_visit_findings_become_open_items_of_the_recorder(liaison_a, village_a, household_a):
    visit = make_visit(
        liaison_a, village_a, [household_a], follow_ups=["修路灯", "  ", "落实低保复核"],
        follow_up_due=timezone.localdate() + dt.timedelta(days=3),
    )  # fmt: skip
    items = list(visit.items.order_by("pk"))
    assert [i.text for i in items] == ["修路灯", "落实低保复核"]
    assert {(i.owner_id, i.household_id, i.village_id, i.source, i.status) for i in items} == {
        (liaison_a.pk, household_a.pk, village_a.pk, "visit", "open")
    }
    assert {i.due_date for i in items} == {timezone.localdate() + dt.timedelta(days=3)}


def test_an_item_due_before_it_was_heard_is_refused(liaison_a, village_a):
    today = timezone.localdate()
    with pytest.raises(ValidationError) as e:
        make_item(liaison_a, village_a, heard_on=today, due_date=today - dt.timedelta(days=1))
    assert e.value.message_dict == {"due_date": ["完成时限不能早于发现日期。"]}
    assert not Item.objects.exists()
    item = make_item(liaison_a, village_a, heard_on=today)
    with pytest.raises(ValidationError):
        services.item_assign(item=item, by=liaison_a, due_date=today - dt.timedelta(days=2))


def test_the_visit_form_refuses_a_follow_up_due_before_the_visit(client_as, liaison_a, village_a, household_a):
    when = timezone.localtime() - dt.timedelta(days=2)
    data = {
        "kind": "home_visit",
        "village": village_a.pk,
        "households": [household_a.pk],
        "visited_at": when.strftime("%Y-%m-%dT%H:%M"),
        "heard": "反映路灯",
        "follow_ups": "修路灯",
        "follow_up_due": (when.date() - dt.timedelta(days=1)).isoformat(),
    }
    response = client_as(liaison_a).post(reverse("visits:new"), data)
    assert response.status_code == 200
    assert "完成时限不能早于发现日期" in response.content.decode()
    assert not Item.objects.exists()


def test_ticking_off_twice_changes_once(liaison_a, village_a):
    item = make_item(liaison_a, village_a)
    stale = Item.objects.get(pk=item.pk)
    services.item_tick(item=item, by=liaison_a)
    with pytest.raises(ListConflict):
        services.item_tick(item=stale, by=liaison_a)
    item.refresh_from_db()
    assert item.status == Item.Status.DONE and item.finished_by == liaison_a


def test_assign_then_close_needs_a_note(liaison_a, village_a):
    item = make_item(liaison_a, village_a)
    services.item_assign(item=item, by=liaison_a, due_date=timezone.localdate() + dt.timedelta(days=10))
    assert item.status == Item.Status.ASSIGNED
    with pytest.raises(ValidationError):
        services.item_close(item=item, by=liaison_a, note=" ")
    services.item_close(item=item, by=liaison_a, note="群众表示不再需要")
    assert item.status == Item.Status.CLOSED


def test_another_villages_liaison_may_not_keep_the_item(liaison_a, liaison_b, village_a, village_b):
    item = make_item(liaison_a, village_a)
    with pytest.raises(PermissionDenied):
        services.item_tick(item=item, by=liaison_b)
    with pytest.raises(PermissionDenied):
        make_item(liaison_a, village_b)


def test_an_item_turned_into_a_case_links_both_ways(client_as, liaison_a, village_a, household_a, category):
    item = make_item(liaison_a, village_a, household=household_a, text="低保停发，要求复核")
    page = client_as(liaison_a).get(reverse("lists:item_case", args=[item.pk]))
    assert page.status_code == 200
    assert page.context["form"].initial["content"] == "低保停发，要求复核"
    assert page.context["form"].initial["household"] == household_a.pk
    data = intake_data(
        category, village_a, household=household_a.pk, petitioner_name="张德明", petitioner_phone="13800000001",
        channel=Channel.DOOR_VISIT, summary="低保停发", content="低保停发，要求复核",
    )  # fmt: skip
    response = client_as(liaison_a).post(reverse("lists:item_case", args=[item.pk]), data)
    assert response.status_code == 302
    petition = Petition.objects.get()
    item.refresh_from_db()
    assert item.status == Item.Status.CASE
    assert item.petition == petition
    assert petition.checklist_item == item
    # … once: a second case from the same item is refused
    with pytest.raises(ListConflict):
        services.item_link_case(item=item, petition=petition, by=liaison_a)


def test_my_list_shows_my_pending_items_and_the_household_page_its_items(
    client_as, liaison_a, liaison_b, village_a, village_b, household_a, leader
):
    mine = make_item(liaison_a, village_a, household=household_a, text="我的事项")
    done = make_item(liaison_a, village_a, text="已办结的事项")
    services.item_tick(item=done, by=liaison_a)
    make_item(liaison_b, village_b, text="别村的事项")
    body = client_as(liaison_a).get(reverse("lists:items")).content.decode()
    assert "我的事项" in body and "已办结的事项" not in body and "别村的事项" not in body
    page = client_as(leader).get(reverse("households:detail", args=[household_a.pk])).content.decode()
    assert "household-items" in page and mine.text in page


def test_items_past_due_are_on_the_desk(client_as, liaison_a, village_a):
    today = timezone.localdate()
    make_item(liaison_a, village_a, text="早该办的事", heard_on=today - dt.timedelta(days=10),
              due_date=today - dt.timedelta(days=1))  # fmt: skip
    make_item(liaison_a, village_a, text="还没到期的事")
    body = client_as(liaison_a).get("/").content.decode()
    assert 'id="items-overdue"' in body
    assert "早该办的事" in body and "还没到期的事" not in body.split('id="items-overdue"')[1].split("</ul>")[0]


def test_the_county_reads_but_does_not_tick(client_as, liaison_a, village_a):
    county = make_user("county", "county")
    item = make_item(liaison_a, village_a)
    client = client_as(county)
    assert client.get(reverse("lists:item_detail", args=[item.pk])).status_code == 200
    client.post(reverse("lists:item_tick", args=[item.pk]))
    item.refresh_from_db()
    assert item.status == Item.Status.OPEN


@pytest.mark.parametrize("n", [3, 30])
def test_my_list_query_count_is_constant(client_as, liaison_a, village_a, household_a, django_assert_num_queries, n):
    for k in range(n):
        make_item(liaison_a, village_a, household=household_a if k % 2 else None, text=f"事项{k}")
    client = client_as(liaison_a)
    client.get(reverse("lists:items"))  # warm the session
    with django_assert_num_queries(QUERIES):
        assert client.get(reverse("lists:items")).status_code == 200


#: session, user, the scope (groups, villages, departments, townships), the navigation and messages, the items
#: (one select_related query) — the same for 3 rows as for 30.
QUERIES = 11


def test_an_office_puts_its_own_items_on_its_list(client_as, handler_minzheng, dept_minzheng, dept_zigui, village_a):
    """职能办公室的清单: an office's staff add items for their office, in a village of its township; the office's
    list shows them; another office's name, or a village of another township, is refused and writes nothing."""
    from tests.conftest import make_township, make_village

    client = client_as(handler_minzheng)
    url = reverse("lists:item_new")
    page = client.get(url).content.decode()
    offices = page.split('name="department"')[1].split("</select>")[0]
    assert "民政办" in offices and dept_zigui.name not in offices
    today = timezone.localdate().isoformat()
    form = {
        "village": village_a.pk,
        "text": "走访发现低保户房屋漏雨",
        "heard_on": today,
        "department": dept_minzheng.pk,
    }

    response = client.post(url, form)
    assert response.status_code == 302
    item = Item.objects.get()
    assert (item.department, item.owner, item.village) == (dept_minzheng, handler_minzheng, village_a)
    assert "走访发现低保户房屋漏雨" in client.get(reverse("lists:items")).content.decode()

    assert client.post(url, {**form, "department": dept_zigui.pk}).status_code == 200  # not their office
    elsewhere = make_village("外乡村", township=make_township("和兴镇", "HX", "MQHX"))
    assert client.post(url, {**form, "village": elsewhere.pk}).status_code == 200  # not a village they may choose
    with pytest.raises(PermissionDenied):
        services.item_create(
            by=handler_minzheng, text="越界", village=elsewhere, heard_on=timezone.localdate(), department=dept_minzheng
        )
    assert Item.objects.count() == 1
