"""The public side of the documents (issue 21): the contact directory, the flow poster and 公开反馈 — anonymous
pages, what they show, and who may link which cases to an answer."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from minqing.access import scope_for
from petitions import answers, workflow
from petitions.models import Category, CategoryLimit, DirectoryEntry, PublicAnswer
from tests.conftest import make_township, make_user, make_village

BODY = "经城建办现场排查，主管网老化渗漏，已更换管网，全村供水恢复正常。"


@pytest.fixture
def directory(village_a, village_b, leader):
    township = village_a.township
    township.hotline = "0851-12345678"
    township.save()
    boss = DirectoryEntry.objects.create(
        township=township, section="leader", name="许振邦", post="乡党委书记", duties="主持全面工作",
        office_phone="0851-12345601",
    )  # fmt: skip
    boss.villages.set([village_a])
    DirectoryEntry.objects.create(
        township=township, section="leader", user=leader, post="中心主任", office_phone="0851-12345603"
    )
    liaison = DirectoryEntry.objects.create(
        township=township, section="village", name="陈联络", post="村民情联络员", office_phone="0851-12345621"
    )
    liaison.villages.set([village_b])
    DirectoryEntry.objects.create(
        township=township, section="cadre", name="丁不公", post="党政办", office_phone="0851-99999999",
        is_published=False,
    )  # fmt: skip
    return township


def test_directory_answers_anonymously_with_what_the_township_published(client, directory, leader):
    for url in (reverse("public:directory"), reverse("public:directory_township", args=[directory.code])):
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        assert "联系方式公开栏" in page
        assert "许振邦" in page and "乡党委书记" in page and "0851-12345601" in page
        assert leader.first_name in page  # an entry tied to an account shows the account's name
        assert "陈联络" in page  # under its village
        assert "丁不公" not in page and "0851-99999999" not in page  # not published
    page = client.get(reverse("public:directory_township", args=[directory.code])).content.decode()
    # Each village is listed: 和平村 with nobody published says whom to call, 大井村 shows its liaison.
    assert re.search(r"和平村</div>\s*<ul[^>]*>\s*<li[^>]*>暂未公开", page)
    assert re.search(r"大井村</div>\s*<ul[^>]*>\s*<li[^>]*>\s*<span[^>]*>陈联络", page)


def test_directory_of_another_township_shows_only_its_own(client, directory):
    other = make_township("和兴镇", "HX", "MQHX")
    page = client.get(reverse("public:directory_township", args=[other.code])).content.decode()
    assert "许振邦" not in page
    assert client.get("/public/ZZ/directory/").status_code == 404


def test_process_poster_reads_the_limits_in_force(client, village_a, settings, dept_minzheng):
    settings.MINQING = {**settings.MINQING, "STATUTORY_FINISH_DAYS": 45, "STATUTORY_NOTICE_DAYS": 12}
    settings.MINQING_REVISIT_AFTER_DAYS = 9
    water = Category.objects.create(kind="complaint", subject="饮水", reply_working_days=5, sign_working_days=1)
    Category.objects.create(kind="consultation", subject="政策咨询", reply_working_days=0, statutory_applies=False)
    CategoryLimit.objects.create(township=village_a.township, category=water, reply_working_days=7)

    county = client.get(reverse("public:process"))
    assert county.status_code == 200
    page = county.content.decode()
    for step in ("登记受理", "领导批示", "交办承办单位", "限时办理", "答复", "公示", "回访"):
        assert step in page
    assert "45 日内办结" in page and "12 日内告知" in page and "答复后 9 日内回访" in page
    assert "即办（当天答复）" in page and "5 个工作日" in page
    assert "进度查询" in page and "后四位" in page
    assert "@page" not in page and "cdn" not in page.lower()  # the poster's print rules are in its own file

    township = client.get(reverse("public:process_township", args=[village_a.township.code])).content.decode()
    assert "7 个工作日" in township  # the township's own limit for 饮水
    css = client.get("/static/petitions/public_poster.css")
    assert css.status_code in (200, 404)  # served by whitenoise/runserver in development only


def test_the_public_header_and_footer_link_the_new_pages(client, village_a):
    page = client.get(reverse("public:board")).content.decode()
    assert reverse("public:directory") in page and reverse("public:process") in page
    code = village_a.township.code
    page = client.get(reverse("public:board_township", args=[code])).content.decode()
    assert reverse("public:directory_township", args=[code]) in page
    assert reverse("public:process_township", args=[code]) in page


# --- 公开反馈 -------------------------------------------------------------------------------------------------


def _answer_form(petitions, **overrides):
    data = {
        "title": "关于和平村低保问题的统一答复",
        "body": BODY,
        "cases": "\n".join(p.tracking_number for p in petitions),
        "is_published": "on",
    }
    data.update(overrides)
    return data


def test_a_leader_writes_an_answer_and_each_linked_case_shows_it(client_as, client, make_petition, leader):
    published = make_petition("replied")
    workflow.petition_publish(
        petition=published, by=leader, public_summary="反映生活困难，已按政策办理。", result="已办理。"
    )
    other = make_petition("in_progress")
    response = client_as(leader).post(reverse("petitions:answer_new"), _answer_form([published, other]))
    assert response.status_code == 302, response.context["form"].errors
    answer = PublicAnswer.objects.get()
    assert set(answer.petitions.all()) == {published, other}
    assert answer.township == published.township and answer.written_by == leader

    client.logout()
    notice = client.get(reverse("public:notice", args=[published.tracking_number])).content.decode()
    assert "公开反馈" in notice and "关于和平村低保问题的统一答复" in notice and BODY in notice
    for petition in (published, other):
        data = {"number": petition.tracking_number, "phone4": petition.petitioner_phone[-4:]}
        page = client.post(reverse("public:lookup"), data, REMOTE_ADDR="10.77.0.1").content.decode()
        assert "办理过程" in page and BODY in page, petition.tracking_number
    board = client.get(reverse("public:board")).content.decode()
    assert "关于和平村低保问题的统一答复" in board

    answer.is_published = False
    answer.save()
    notice = client.get(reverse("public:notice", args=[published.tracking_number])).content.decode()
    assert BODY not in notice


def test_a_leader_of_another_township_cannot_link_a_case_that_is_not_theirs(client_as, make_petition):
    ours = make_petition("replied")
    hexing = make_township("和兴镇", "HX", "MQHX")
    make_village("和兴村", township=hexing)
    leader_hx = make_user("leader_hx", "leader", townships=[hexing], full_name="周正华")
    response = client_as(leader_hx).post(reverse("petitions:answer_new"), _answer_form([ours]))
    assert response.status_code == 200
    form = response.context["form"]
    assert f"{ours.tracking_number} 不是本乡镇（和兴镇）的诉求，不能关联。" in form.errors["cases"]
    page = response.content.decode()
    assert "不是本乡镇（和兴镇）的诉求" in page
    assert not PublicAnswer.objects.exists()
    # The same answer for a number that does not exist: nothing told about another township's cases.
    response = client_as(leader_hx).post(reverse("petitions:answer_new"), _answer_form([], cases="MQ209901-0001"))
    assert "MQ209901-0001 不是本乡镇（和兴镇）的诉求，不能关联。" in response.context["form"].errors["cases"]
    # And the service refuses too, whatever a form let through.
    with pytest.raises(Exception, match="不是本乡镇"):
        answers.answer_save(
            scope=scope_for(leader_hx), by=leader_hx, township=hexing, title="标题", body=BODY, cases=[ours]
        )


def test_an_answer_may_not_name_a_petitioner_nor_link_an_accusation(
    client_as, make_petition, leader, accusation_category
):
    case = make_petition("replied")
    response = client_as(leader).post(
        reverse("petitions:answer_new"), _answer_form([case], body=f"{case.petitioner_name}家的问题已解决。")
    )
    assert response.status_code == 200
    assert "姓名" in " ".join(response.context["form"].errors["body"])
    accusation = make_petition("registered", category=accusation_category)
    response = client_as(leader).post(reverse("petitions:answer_new"), _answer_form([accusation]))
    assert "检举控告" in " ".join(response.context["form"].errors["cases"])
    assert not PublicAnswer.objects.exists()


def test_only_leaders_open_the_answer_pages(client_as, reception, handler_minzheng, leader, make_petition):
    assert client_as(reception).get(reverse("petitions:answers")).status_code == 403
    assert client_as(handler_minzheng).get(reverse("petitions:answer_new")).status_code == 403
    assert client_as(leader).get(reverse("petitions:answers")).status_code == 200
    case = make_petition("replied")
    answer = answers.answer_save(
        scope=scope_for(leader), by=leader, township=case.township, title="统一答复", body=BODY, cases=[case]
    )
    page = client_as(leader).get(reverse("petitions:answer_edit", args=[answer.pk])).content.decode()
    assert case.tracking_number in page
    assert re.search(r"统一答复", client_as(leader).get(reverse("petitions:answers")).content.decode())
