"""The month's rota grid: planned in one form, all or nothing; copied from last month by weekday; filled by week;
printed; swaps recorded or refused beside the field; "who is on duty" answered by duty.rota."""

from __future__ import annotations

import datetime as dt

import pytest

from duty import rota, services
from duty.models import Absence, RotaEntry, Swap
from tests.conftest import make_township, make_user
from tests.duty.conftest import grid_data, plan

FEB = [dt.date(2027, 2, d) for d in range(1, 29)]  # 2027-02-01 is a Monday
JAN = services.month_days(2027, 1)


def version(township, days):
    return services.month_version(township, days)


def test_a_leader_plans_a_month_in_one_form(client_as, leader, leader2, reception, posts):
    township = make_township()
    cells = {(day, posts["leader_on_duty"]): leader if day.day % 2 else leader2 for day in FEB}
    cells[(FEB[0], posts["desk"])] = [reception]
    cells[(FEB[0], posts["hotline"])] = reception
    response = client_as(leader).post("/duty/?month=2027-02", grid_data("2027-02", version(township, FEB), cells))
    assert response.status_code == 302
    assert RotaEntry.objects.filter(township=township).count() == 30
    assert rota.leader_on_duty(township, dt.date(2027, 2, 3)) == leader
    assert rota.leader_on_duty(township, dt.date(2027, 2, 4)) == leader2
    assert rota.on_duty(township, FEB[0], "desk") == [reception]
    assert rota.hotline_attendant(township, FEB[0]) == reception
    page = client_as(leader).get("/duty/?month=2027-02").content.decode()
    assert f'<option value="{leader2.pk}" selected>王强</option>' in page


def test_a_one_person_post_refuses_a_second_person_and_nothing_is_saved(client_as, leader, leader2, posts):
    township = make_township()
    cells = {(FEB[0], posts["leader_on_duty"]): leader, (FEB[2], posts["leader_on_duty"]): [leader, leader2]}
    response = client_as(leader).post("/duty/?month=2027-02", grid_data("2027-02", version(township, FEB), cells))
    assert response.status_code == 200
    page = response.content.decode()
    assert "带班领导每天只能安排1人，这里选了2人。" in page
    assert "未保存任何内容" in page
    assert not RotaEntry.objects.exists()  # the valid cell of the 1st is not saved either


def test_only_a_leader_may_stand_as_the_leader_on_duty(client_as, leader, reception, posts):
    township = make_township()
    cells = {(FEB[0], posts["leader_on_duty"]): reception}
    response = client_as(leader).post("/duty/?month=2027-02", grid_data("2027-02", version(township, FEB), cells))
    assert "王芳不能担任带班领导（须为本乡镇领导）。" in response.content.decode()
    assert not RotaEntry.objects.exists()


def test_someone_on_leave_cannot_be_planned(client_as, leader, leader2, posts):
    township = make_township()
    Absence.objects.create(user=leader2, start_date=FEB[4], end_date=FEB[6], reason="出差")
    cells = {(FEB[5], posts["leader_on_duty"]): leader2}
    response = client_as(leader).post("/duty/?month=2027-02", grid_data("2027-02", version(township, FEB), cells))
    assert "王强当天出差，不能排班。" in response.content.decode()
    assert not RotaEntry.objects.exists()


def test_a_leader_of_another_township_is_not_offered_nor_accepted(client_as, leader, posts):
    make_township()
    other = make_user("leader_hx", "leader", townships=[make_township("和兴镇", "HX", "MQHX")], full_name="周正华")
    township = make_township()
    page = client_as(leader).get("/duty/?month=2027-02").content.decode()
    assert "周正华" not in page
    cells = {(FEB[0], posts["leader_on_duty"]): other}
    response = client_as(leader).post("/duty/?month=2027-02", grid_data("2027-02", version(township, FEB), cells))
    assert "不能担任带班领导" in response.content.decode()
    assert not RotaEntry.objects.exists()


def test_two_planners_saving_at_once_do_not_overwrite_each_other(client_as, leader, leader2, reception, posts):
    township = make_township()
    stale = version(township, FEB)
    plan(township, reception, {(FEB[0], posts["leader_on_duty"]): leader2}, FEB)  # the other planner saved first
    cells = {(FEB[0], posts["leader_on_duty"]): leader}
    response = client_as(leader).post("/duty/?month=2027-02", grid_data("2027-02", stale, cells))
    assert "本月值班表已被他人修改" in response.content.decode()
    assert rota.leader_on_duty(township, FEB[0]) == leader2


def test_copy_last_month_by_weekday_then_save(client_as, leader, leader2, reception, posts):
    township = make_township()
    # January 2027: leader on Mondays, leader2 on Tuesdays; reception at the desk on the 2nd Wednesday only.
    jan = {(d, posts["leader_on_duty"]): leader for d in JAN if d.weekday() == 0}
    jan.update({(d, posts["leader_on_duty"]): leader2 for d in JAN if d.weekday() == 1})
    jan[(dt.date(2027, 1, 13), posts["desk"])] = reception
    plan(township, leader, jan, JAN)

    copied = services.copy_previous_month(township, 2027, 2)
    lead = posts["leader_on_duty"].pk
    assert copied[(dt.date(2027, 2, 1), lead)] == [leader.pk]  # Monday ← Monday
    assert copied[(dt.date(2027, 2, 23), lead)] == [leader2.pk]  # Tuesday ← Tuesday
    assert copied[(dt.date(2027, 2, 10), posts["desk"].pk)] == [reception.pk]  # 2nd Wednesday ← 2nd Wednesday
    assert (dt.date(2027, 2, 3), posts["desk"].pk) not in copied
    assert (dt.date(2027, 2, 4), lead) not in copied  # nobody on Thursdays

    response = client_as(leader).get("/duty/?month=2027-02&copy=1")
    page = response.content.decode()
    assert "已按星期复制2027年1月的值班安排" in page
    assert not RotaEntry.objects.filter(date__month=2).exists()  # a copy is reviewed, not saved
    grid = response.context["grid"]
    assert grid.cells == copied
    data = {"month": "2027-02", "version": response.context["version"], "action": "save"}
    for (day, post_id), ids in copied.items():
        data[f"c-{day.day}-{post_id}"] = [str(i) for i in ids]
    assert client_as(leader).post("/duty/?month=2027-02", data).status_code == 302
    assert RotaEntry.objects.filter(date__month=2, post=posts["leader_on_duty"]).count() == 8
    assert rota.leader_on_duty(township, dt.date(2027, 2, 22)) == leader


def test_fill_by_week_repeats_the_first_seven_days(client_as, leader, leader2, posts):
    township = make_township()
    first_week = {(FEB[i], posts["leader_on_duty"]): (leader if i < 5 else leader2) for i in range(7)}
    data = grid_data("2027-02", version(township, FEB), first_week, action="fill_week")
    response = client_as(leader).post("/duty/?month=2027-02", data)
    assert response.status_code == 200
    assert "已按本月第一周" in response.content.decode()
    cells = response.context["grid"].cells
    lead = posts["leader_on_duty"].pk
    assert cells[(dt.date(2027, 2, 13), lead)] == [leader2.pk]  # a Saturday
    assert cells[(dt.date(2027, 2, 24), lead)] == [leader.pk]  # a Wednesday
    assert len([k for k, v in cells.items() if v]) == 28
    assert not RotaEntry.objects.exists()


def test_the_month_prints_on_a4(client_as, leader, leader2, reception, posts):
    township = make_township()
    plan(township, leader, {(FEB[0], posts["leader_on_duty"]): leader2, (FEB[0], posts["desk"]): reception}, FEB)
    response = client_as(reception).get("/duty/print/?month=2027-02")
    page = response.content.decode()
    assert response.status_code == 200
    assert "duty/rota-a4.css" in page
    assert "鼎新乡民情信息中心值班表" in page and "2027年2月" in page
    row = page[page.index("2月1日 周一") :].split("</tr>")[0]
    assert "王强" in row and "王芳" in row
    assert page.count("<tr") == 29  # the head and 28 days


def test_others_of_the_township_read_the_rota_but_do_not_plan(client_as, leader, handler_minzheng, posts):
    township = make_township()
    plan(township, leader, {(FEB[0], posts["leader_on_duty"]): leader}, FEB)
    page = client_as(handler_minzheng).get("/duty/?month=2027-02").content.decode()
    assert "李建国" in page and "<select" not in page
    data = grid_data("2027-02", version(township, FEB), {(FEB[1], posts["leader_on_duty"]): leader})
    assert client_as(handler_minzheng).post("/duty/?month=2027-02", data).status_code == 403
    assert RotaEntry.objects.count() == 1


def test_the_grid_page_reads_in_a_constant_number_of_queries(client_as, leader, leader2, reception, posts):
    """An empty month and a full one, with more people to choose from: the same queries (session, user, scope ×4,
    township, month version, entries, posts, people and their groups, swaps, the inbox count; plus the base's)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    township = make_township()
    client = client_as(leader)
    with CaptureQueriesContext(connection) as empty:
        client.get("/duty/?month=2027-02")
    for n in range(6):
        make_user(f"cadre{n}", "reception", full_name=f"干部{n}")
    cells = {}
    for day in FEB:
        cells[(day, posts["leader_on_duty"])] = leader if day.day % 2 else leader2
        cells[(day, posts["desk"])] = [reception]
        cells[(day, posts["hotline"])] = reception
    plan(township, leader, cells, FEB)
    Swap.objects.create(
        township=township, date=FEB[0], post=posts["desk"], from_user=leader, to_user=reception, reason="x"
    )
    with CaptureQueriesContext(connection) as full:
        page = client.get("/duty/?month=2027-02").content.decode()
    assert page.count(" selected>") == 28 * 3
    assert len(full) == len(empty) <= 17


# --- Swaps ---------------------------------------------------------------------------------------------------


@pytest.fixture
def planned(leader, leader2, reception, posts):
    township = make_township()
    plan(township, leader, {(FEB[1], posts["leader_on_duty"]): leader, (FEB[1], posts["desk"]): reception}, FEB)
    return township


def swap_data(post, from_user, to_user, reason="家中有事"):
    return {"date": "2027-02-02", "post": post.pk, "from_user": from_user.pk, "to_user": to_user.pk, "reason": reason}


def test_a_swap_is_recorded_and_the_rota_follows(client_as, planned, leader, leader2, posts):
    response = client_as(leader).post("/duty/swap/", swap_data(posts["leader_on_duty"], leader, leader2))
    assert response.status_code == 302
    assert rota.leader_on_duty(planned, FEB[1]) == leader2
    swap = Swap.objects.get()
    assert (swap.from_user, swap.to_user, swap.reason, swap.recorded_by) == (leader, leader2, "家中有事", leader)
    assert "李建国 → 王强（家中有事" in client_as(leader).get("/duty/?month=2027-02").content.decode()


def test_a_swap_onto_someone_absent_is_refused_beside_the_field(client_as, planned, leader, leader2, posts):
    Absence.objects.create(user=leader2, start_date=FEB[1], end_date=FEB[1], reason="请假")
    response = client_as(leader).post("/duty/swap/", swap_data(posts["leader_on_duty"], leader, leader2))
    assert response.status_code == 200
    assert response.context["form"].errors["to_user"] == ["王强当天请假，不能替班。"]
    assert "王强当天请假，不能替班。" in response.content.decode()
    assert rota.leader_on_duty(planned, FEB[1]) == leader and not Swap.objects.exists()


def test_a_swap_onto_someone_who_may_not_hold_the_post_is_refused(client_as, planned, leader, reception, posts):
    response = client_as(leader).post("/duty/swap/", swap_data(posts["leader_on_duty"], leader, reception))
    assert response.context["form"].errors["to_user"] == ["王芳不能担任带班领导（须为本乡镇领导）。"]
    assert not Swap.objects.exists()


def test_a_swap_onto_someone_already_on_the_post_is_refused(client_as, planned, leader, reception, posts):
    other = make_user("desk2", "reception", full_name="马丽")
    plan(planned, leader, {(FEB[1], posts["desk"]): [reception, other]}, FEB)
    response = client_as(leader).post("/duty/swap/", swap_data(posts["desk"], reception, other))
    assert response.context["form"].errors["to_user"] == ["马丽当天已在座班接待岗位上。"]


def test_a_swap_of_someone_not_on_duty_is_refused(client_as, planned, leader, leader2, posts):
    response = client_as(leader).post("/duty/swap/", swap_data(posts["leader_on_duty"], leader2, leader))
    assert response.context["form"].errors["from_user"] == ["王强当天不在带班领导岗位上。"]


def test_a_switched_off_post_keeps_its_entries_and_leaves_the_grid(client_as, leader, reception, posts):
    township = make_township()
    plan(township, leader, {(FEB[0], posts["night_visit"]): [reception], (FEB[0], posts["desk"]): [reception]}, FEB)
    posts["night_visit"].is_active = False
    posts["night_visit"].save()
    response = client_as(leader).get("/duty/?month=2027-02&copy=1")
    assert "夜访值班" not in response.content.decode()
    data = grid_data("2027-02", version(township, FEB), {(FEB[1], posts["desk"]): [reception]})
    assert client_as(leader).post("/duty/?month=2027-02", data).status_code == 302
    assert list(RotaEntry.objects.values_list("date", "post__code").order_by("date")) == [
        (FEB[0], "night_visit"),
        (FEB[1], "desk"),
    ]
