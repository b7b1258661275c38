"""Intake and the rota: 接访领导 pre-filled from the day's 带班领导 and saved; the desk clerk and the hotline
attendant recorded; the leader's desk lists 今日接访."""

from __future__ import annotations

from django.utils import timezone

from dashboards.desks import desks_for
from minqing.access import scope_for
from petitions.models import Petition
from tests.conftest import make_township, make_user
from tests.duty.conftest import plan
from tests.petitions.conftest import intake_data


def today_rota(posts, **people):
    today = timezone.localdate()
    return {(today, posts[code]): user for code, user in people.items()}


def month_of_today():
    from duty.services import month_days

    today = timezone.localdate()
    return month_days(today.year, today.month)


def test_intake_pre_fills_todays_leader_and_the_case_records_it(
    client_as, reception, leader, leader2, posts, category, village_a
):
    township = make_township()
    plan(township, leader, today_rota(posts, leader_on_duty=leader2, desk=[reception]), month_of_today())
    response = client_as(reception).get("/petitions/new/")
    assert response.context["form"]["received_by_leader"].value() == leader2.pk
    assert f'<option value="{leader2.pk}" selected>王强</option>' in response.content.decode()

    response = client_as(reception).post(
        "/petitions/new/", intake_data(category, village_a, received_by_leader=leader2.pk)
    )
    assert response.status_code == 302
    petition = Petition.objects.get()
    assert petition.received_by_leader == leader2
    assert petition.desk_attendant == reception  # the clerk on today's 座班接待 rota
    assert petition.hotline_attendant is None
    page = client_as(reception).get(f"/petitions/{petition.pk}/").content.decode()
    assert '<dd class="col-8" id="case-received-by-leader">王强</dd>' in page
    assert "王强" in client_as(reception).get(f"/petitions/{petition.pk}/receipt/").content.decode()


def test_without_a_rota_nothing_is_pre_filled(client_as, reception, leader, posts):
    response = client_as(reception).get("/petitions/new/")
    assert response.context["form"]["received_by_leader"].value() is None


def test_a_leader_of_another_township_cannot_be_the_receiving_leader(client_as, reception, category, village_a, posts):
    other = make_user("leader_hx", "leader", townships=[make_township("和兴镇", "HX", "MQHX")])
    response = client_as(reception).post(
        "/petitions/new/", intake_data(category, village_a, received_by_leader=other.pk)
    )
    assert response.status_code == 200
    assert "received_by_leader" in response.context["form"].errors
    assert not Petition.objects.exists()


def test_a_phone_case_records_the_hotline_attendant(client_as, reception, leader, posts, category, village_a):
    township = make_township()
    attendant = make_user("hotline", "reception", full_name="赵敏")
    plan(township, leader, today_rota(posts, hotline=attendant, desk=[attendant]), month_of_today())
    client_as(reception).post("/petitions/new/", intake_data(category, village_a, channel="phone"))
    petition = Petition.objects.get()
    assert petition.hotline_attendant == attendant
    assert petition.desk_attendant is None  # a call is not a walk-in
    assert "赵敏" in client_as(reception).get(f"/petitions/{petition.pk}/").content.decode()


def test_a_walk_in_records_the_desk_clerk_on_the_rota_when_another_registers(
    client_as, reception, leader, posts, category, village_a
):
    township = make_township()
    clerk = make_user("clerk", "reception", full_name="马丽")
    plan(township, leader, today_rota(posts, desk=[clerk]), month_of_today())
    client_as(reception).post("/petitions/new/", intake_data(category, village_a))
    assert Petition.objects.get().desk_attendant == clerk


def test_the_leader_on_duty_sees_todays_receptions_on_the_desk(
    client_as, reception, leader, posts, category, village_a
):
    township = make_township()
    plan(township, leader, today_rota(posts, leader_on_duty=leader, desk=[reception]), month_of_today())
    client_as(reception).post("/petitions/new/", intake_data(category, village_a, received_by_leader=leader.pk))
    petition = Petition.objects.get()
    desk = desks_for(scope_for(leader))["duty"]
    assert desk["on_duty_leader"] and desk["received"] == [petition]
    page = client_as(leader).get("/").content.decode()
    assert "今日接访" in page and petition.tracking_number in page
    block = page[page.index('id="desk-duty"') :].split("</section>")[0]
    assert "带班领导：</span>李建国" in block and "座班接待：</span>王芳" in block
    assert '民心电话值守：</span><span class="text-muted">未安排' in block


def test_a_leader_not_on_duty_has_no_receptions_list(client_as, leader, leader2, posts):
    plan(make_township(), leader, today_rota(posts, leader_on_duty=leader2), month_of_today())
    assert desks_for(scope_for(leader))["duty"]["on_duty_leader"] is False
    assert "今日接访" not in client_as(leader).get("/").content.decode()
