"""The public pages: board, notice, feed, JSON and lookup — wiring, filters, query counts, the lookup's same
answer and its per-address limit, and a page that carries no inline script and no staff navigation."""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import xml.etree.ElementTree as ET
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from petitions import public_views, workflow
from petitions.models import Category, Publication, Status
from tests.conftest import make_village
from tests.petitions.conftest import make_category

ATOM = "{http://www.w3.org/2005/Atom}"
_TEST_ADDRESS: dict[str, str] = {}


@pytest.fixture(autouse=True)
def addresses():
    """This test's client addresses: unique, so tests running side by side on one Redis never share a lookup
    counter (the cache outlives a test's database)."""
    made = SimpleNamespace(**{k: f"2001:db8::{secrets.token_hex(2)}:{secrets.token_hex(2)}" for k in "dab"})
    _TEST_ADDRESS["default"] = made.d
    yield made
    cache.delete_many([f"minqing:public-lookup:{a}" for a in vars(made).values()])


def publish(petition, leader, summary="反映生活困难，经民政办核实后已按政策办理。"):
    workflow.petition_publish(petition=petition, by=leader, public_summary=summary, result="已办理。")
    return petition


@pytest.fixture
def published(make_petition, leader):
    """publish(n=1, **register_fields) → cases on the board, the last one newest."""

    def make(n=1, state=Status.CLOSED, **fields):
        return [publish(make_petition(state, **fields), leader) for _ in range(n)]

    return make


# --- The board ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_board_lists_published_cases_newest_first_without_login(published, make_petition, leader, client):
    older, newer = published(2)
    taken_down = published()[0]
    workflow.petition_unpublish(petition=taken_down, by=leader, reason="需修改。")
    make_petition(Status.CLOSED)  # never published
    response = client.get(reverse("public:board"))
    assert response.status_code == 200
    numbers = [n["tracking_number"] for n in response.context["notices"]]
    assert numbers == [newer.tracking_number, older.tracking_number]
    html = response.content.decode()
    assert "张某" in html and "民政办" in html and "低保" in html


@pytest.mark.django_db
def test_board_context_holds_only_dictionaries(published, client):
    published(2)
    response = client.get(reverse("public:board"))
    assert all(type(n) is dict for n in response.context["notices"])
    assert not hasattr(response.context["page_obj"], "object_list")


@pytest.mark.django_db
def test_board_filters_by_village_subject_and_month(published, client, dept_minzheng):
    in_a = published()[0]
    village_b = make_village("大井村")
    in_b = published(village=village_b)[0]
    other_subject = published(category=make_category("饮水", department=dept_minzheng))[0]
    last_year = published(received_at=timezone.now() - dt.timedelta(days=400))[0]
    url = reverse("public:board")

    def numbers(**query):
        return {n["tracking_number"] for n in client.get(url, query).context["notices"]}

    assert numbers(village=village_b.pk) == {in_b.tracking_number}
    assert numbers(subject="饮水") == {other_subject.tracking_number}
    month = timezone.localtime(last_year.received_at).strftime("%Y-%m")
    assert numbers(month=month) == {last_year.tracking_number}
    assert in_a.tracking_number in numbers(month="garbage")  # a malformed month filters nothing


@pytest.mark.django_db
def test_board_pages_by_25(published, client):
    published(26)
    first = client.get(reverse("public:board"))
    second = client.get(reverse("public:board"), {"page": 2})
    assert len(first.context["notices"]) == 25 and len(second.context["notices"]) == 1
    assert "第 1 / 2 页" in first.content.decode()


@pytest.fixture
def many_on_board(make_petition, leader):
    """n published cases made quickly: registered through the workflow, the board rows written directly
    (what the board reads does not depend on how the case got there)."""

    def make(n):
        petitions = [make_petition(Status.REGISTERED) for _ in range(n)]
        now = timezone.now()
        Publication.objects.bulk_create(
            Publication(
                petition=p,
                public_summary="反映生活困难，已按政策办理。",
                decision="support",
                result="已办理。",
                village=p.village,
                subject=p.category.subject,
                department_name="民政办",
                received_on=p.received_at.date(),
                is_published=True,
                published_at=now - dt.timedelta(minutes=k),
                published_by=leader,
            )
            for k, p in enumerate(petitions)
        )

    return make


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [3, 60])
def test_board_runs_a_constant_number_of_queries(rows, many_on_board, client, django_assert_num_queries):
    many_on_board(rows)
    # The county's board: count; the page of notices with case, township, category and village; the township,
    # village and subject filters' choices; the townships' own boards (links); today's 带班领导 of each township; the
    # newest 公开反馈 with their counts.
    with django_assert_num_queries(8):
        response = client.get(reverse("public:board"), {"subject": "低保"})
    assert len(response.context["notices"]) == min(rows, 25)
    # A township's board: the township; count; page; its villages and the subjects; the week's 带班领导; its 公开反馈.
    with django_assert_num_queries(7):
        response = client.get(reverse("public:board_township", args=["DX"]), {"subject": "低保"})
    assert len(response.context["notices"]) == min(rows, 25)


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [3, 60])
def test_json_and_feed_run_a_constant_number_of_queries(rows, many_on_board, client, django_assert_num_queries):
    many_on_board(rows)
    with django_assert_num_queries(3):  # the subject filter's choices, count, page
        assert client.get(reverse("public:notices_json")).status_code == 200
    with django_assert_num_queries(1):  # the newest notices with case, category and village
        assert client.get(reverse("public:feed")).status_code == 200


# --- One notice ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_notice_page_shows_a_published_case_and_404s_otherwise(published, make_petition, leader, client):
    shown = published()[0]
    response = client.get(reverse("public:notice", args=[shown.tracking_number]))
    assert response.status_code == 200 and response.context["notice"]["petitioner"] == "张某"
    workflow.petition_unpublish(petition=shown, by=leader, reason="撤下")
    assert client.get(reverse("public:notice", args=[shown.tracking_number])).status_code == 404
    hidden = make_petition(Status.CLOSED)
    assert client.get(reverse("public:notice", args=[hidden.tracking_number])).status_code == 404
    assert client.get(reverse("public:notice", args=["MQ209901-0001"])).status_code == 404


# --- Feed and JSON ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_feed_is_atom_with_one_entry_per_notice(published, client):
    first, second = published(2)
    response = client.get(reverse("public:feed"))
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    assert root.findtext(f"{ATOM}title") == "示范县民情中心 公示栏"  # the county's feed
    township_feed = ET.fromstring(client.get(reverse("public:feed_township", args=["DX"])).content)
    assert township_feed.findtext(f"{ATOM}title") == "鼎新乡民情信息中心 公示栏"
    entries = root.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == [
        f"{second.tracking_number} 和平村 低保",
        f"{first.tracking_number} 和平村 低保",
    ]
    entry = entries[0]
    assert entry.find(f"{ATOM}link").get("href").endswith(f"/public/notices/{second.tracking_number}/")
    assert entry.findtext(f"{ATOM}id") and entry.findtext(f"{ATOM}updated")
    summary = entry.findtext(f"{ATOM}summary")
    assert "诉求人：张某" in summary and "反映生活困难" in summary
    assert {c.get("term") for c in entry.findall(f"{ATOM}category")} == {"和平村", "低保"}


@pytest.mark.django_db
def test_json_has_the_boards_fields_and_pages(published, client, monkeypatch):
    monkeypatch.setattr(public_views, "JSON_PAGE_SIZE", 2)
    cases = published(3)
    response = client.get(reverse("public:notices_json"))
    assert response["Content-Type"] == "application/json"
    data = json.loads(response.content)
    assert (data["count"], data["page"], data["num_pages"]) == (3, 1, 2)
    assert data["source"] == "示范县民情中心"  # the county's JSON; each township's says its center
    item = data["results"][0]
    assert item == {
        "tracking_number": cases[-1].tracking_number,
        "township": "鼎新乡",
        "received_on": timezone.localtime(cases[-1].received_at).date().isoformat(),
        "village": "和平村",
        "subject": "低保",
        "petitioner": "张某",
        "summary": "反映生活困难，经民政办核实后已按政策办理。",
        "decision": "支持",
        "result": "已办理。",
        "department": "民政办",
        "replied_on": timezone.localdate(cases[-1].replied_at).isoformat(),
        "finished_on": timezone.localdate(cases[-1].closed_at).isoformat(),
        "published_at": item["published_at"],
        "url": f"http://testserver/public/notices/{cases[-1].tracking_number}/",
    }
    assert data["next"] == "http://testserver/public/notices.json?page=2"
    second = json.loads(client.get(data["next"]).content)
    assert len(second["results"]) == 1 and second["next"] is None
    assert "\\u" not in response.content.decode()  # Chinese as Chinese


@pytest.mark.django_db
def test_json_takes_the_boards_filters(published, client):
    published()
    other = published(village=make_village("大井村"))[0]
    data = json.loads(client.get(reverse("public:notices_json"), {"village": other.village_id}).content)
    assert [r["tracking_number"] for r in data["results"]] == [other.tracking_number]


# --- The lookup ------------------------------------------------------------------------------------


def _lookup(client, number, phone4=None, address=None):
    """The form as the petitioner sends it (POST), or the receipt's QR code link (GET ?number=) without phone4."""
    address = address or _TEST_ADDRESS["default"]
    if phone4 is None:
        return client.get(reverse("public:lookup"), {"number": number}, REMOTE_ADDR=address)
    return client.post(reverse("public:lookup"), {"number": number, "phone4": phone4}, REMOTE_ADDR=address)


@pytest.mark.django_db
def test_the_phone_digits_travel_in_the_body_never_in_the_url(make_petition, client):
    petition = make_petition(Status.REPLIED)
    html = _lookup(client, petition.tracking_number).content.decode()
    assert 'method="post"' in html and "csrfmiddlewaretoken" in html
    query = {"number": petition.tracking_number, "phone4": petition.petitioner_phone[-4:]}
    response = client.get(reverse("public:lookup"), query, REMOTE_ADDR=_TEST_ADDRESS["default"])
    assert "办理过程" not in response.content.decode()  # a GET with the digits looks nothing up
    assert not response.context["form"].is_bound


@pytest.mark.django_db
def test_lookup_with_the_right_pair_shows_progress_and_reply(make_petition, client):
    petition = make_petition(Status.REPLIED)
    response = _lookup(client, petition.tracking_number, petition.petitioner_phone[-4:])
    assert response.status_code == 200
    html = response.content.decode()
    assert "已答复" in html and "经入户核实，情况属实。" in html and "《社会救助暂行办法》" in html
    assert petition.instruction not in html
    assert response["Cache-Control"].startswith("max-age=0") and "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_a_wrong_pair_gets_the_same_answer_as_an_unknown_number(make_petition, client):
    petition = make_petition(Status.REPLIED)
    unknown = "MQ209901-0001"
    wrong = _lookup(
        client, petition.tracking_number, "0000" if not petition.petitioner_phone.endswith("0000") else "1111"
    )
    missing = _lookup(client, unknown, "0000" if not petition.petitioner_phone.endswith("0000") else "1111")
    assert wrong.status_code == missing.status_code == 200
    assert "未查到" in wrong.content.decode()
    token = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')  # masked anew on every page

    def page(response):
        return token.sub("", response.content.decode())

    assert page(wrong).replace(petition.tracking_number, unknown) == page(missing)


@pytest.mark.django_db
def test_the_receipts_qr_code_only_prefills_the_number(make_petition, client):
    petition = make_petition(Status.REPLIED)
    response = _lookup(client, petition.tracking_number)
    html = response.content.decode()
    assert f'value="{petition.tracking_number}"' in html
    assert "未查到" not in html and "办理过程" not in html
    assert not response.context["form"].is_bound


@pytest.mark.django_db
def test_a_malformed_number_is_a_form_error(client):
    response = _lookup(client, "12345", "1234")
    assert "受理编号格式应如" in response.content.decode()


@pytest.mark.django_db
def test_the_eleventh_attempt_from_one_address_is_refused(make_petition, client, addresses):
    petition = make_petition(Status.REPLIED)
    phone4 = petition.petitioner_phone[-4:]
    for n in range(10):
        assert _lookup(client, f"MQ209901-{n:04d}", "1234", address=addresses.a).status_code == 200
    refused = _lookup(client, petition.tracking_number, phone4, address=addresses.a)
    assert refused.status_code == 429
    html = refused.content.decode()
    assert "查询次数过多，请10分钟后再试" in html
    assert "办理过程" not in html  # not even the right pair gets through
    # Another address is still allowed.
    other = _lookup(client, petition.tracking_number, phone4, address=addresses.b)
    assert other.status_code == 200 and "办理过程" in other.content.decode()


@pytest.mark.django_db
def test_opening_the_form_from_the_qr_code_is_not_an_attempt(make_petition, client, addresses):
    petition = make_petition(Status.REPLIED)
    for _ in range(12):
        _lookup(client, petition.tracking_number, address=addresses.a)
    response = _lookup(client, petition.tracking_number, petition.petitioner_phone[-4:], address=addresses.a)
    assert response.status_code == 200 and "办理过程" in response.content.decode()


# --- The pages themselves -------------------------------------------------------------------------------

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)


@pytest.mark.django_db
def test_public_pages_have_no_inline_script_or_style_and_no_staff_navigation(published, leader, client):
    shown = published()[0]
    client.force_login(leader)  # even a signed-in leader sees the public face
    for url in [
        reverse("public:board"),
        reverse("public:notice", args=[shown.tracking_number]),
        reverse("public:lookup") + f"?number={shown.tracking_number}",
    ]:
        html = client.get(url, REMOTE_ADDR=_TEST_ADDRESS["default"]).content.decode()
        assert not INLINE_SCRIPT.search(html), url
        assert " style=" not in html and "<style" not in html, url
        assert " on" + "click=" not in html, url
        assert "退出登录" not in html and "户籍台账" not in html and "李建国" not in html, url
    result = _lookup(client, shown.tracking_number, shown.petitioner_phone[-4:]).content.decode()
    assert "办理过程" in result and not INLINE_SCRIPT.search(result) and " style=" not in result


@pytest.mark.django_db
def test_the_board_prints_on_a4_landscape(client):
    html = client.get(reverse("public:board")).content.decode()
    assert 'public_board_print.css" media="print"' in html
    from django.contrib.staticfiles import finders

    css = open(finders.find("petitions/public_board_print.css"), encoding="utf-8").read()
    assert "size: A4 landscape" in css


# --- Each township's side ---------------------------------------------------------------------------------


@pytest.fixture
def two_boards(published, make_petition, leader, village_a):
    """A notice of 鼎新乡 (the personas' township) and one of 和兴镇."""
    from tests.conftest import make_department, make_township, make_user

    hexing = make_township("和兴镇", "HX", "MQHX")
    hexing.hotline = "0851-55556666"
    hexing.save()
    dingxin_case = published()[0]
    village = make_village("和兴村", township=hexing)
    department = make_department("民政办", township=hexing)
    clerk = make_user("reception_hx", "reception", townships=[hexing])
    boss = make_user("leader_hx", "leader", townships=[hexing])
    worker = make_user("handler_hx", "handler", departments=[department])
    category = make_category("低保", Category.Kind.HELP, department)
    case = workflow.petition_register(
        by=clerk, channel="visit", petitioner_name="周某某", petitioner_phone="13700001111", category=category,
        summary="申请低保", content="家庭困难。", village=village,
    )  # fmt: skip
    workflow.petition_submit(petition=case, by=clerk)
    workflow.petition_route(petition=case, by=boss, instruction="核实", lead_department=department)
    workflow.petition_sign(petition=case, by=worker)
    workflow.petition_reply(petition=case, by=worker, facts="属实。", decision="support", delivery="phone")
    publish(case, boss)
    return {"DX": dingxin_case, "HX": case, "hexing": hexing}


@pytest.mark.django_db
def test_each_township_has_its_own_board_and_the_county_has_all(two_boards, client):
    dx, hx = two_boards["DX"].tracking_number, two_boards["HX"].tracking_number
    assert hx.startswith("MQHX") and not dx.startswith("MQHX")
    county = client.get(reverse("public:board")).content.decode()
    assert dx in county and hx in county and "和兴镇" in county
    hexing = client.get(reverse("public:board_township", args=["HX"])).content.decode()
    assert hx in hexing and dx not in hexing
    assert "和兴镇民情信息中心" in hexing and "0851-55556666" in hexing
    dingxin = client.get(reverse("public:board_township", args=["DX"])).content.decode()
    assert dx in dingxin and hx not in dingxin
    filtered = client.get(reverse("public:board"), {"township": two_boards["hexing"].pk}).content.decode()
    assert hx in filtered and dx not in filtered
    data = client.get(reverse("public:notices_json_township", args=["HX"])).json()
    assert data["source"] == "和兴镇民情信息中心" and [r["tracking_number"] for r in data["results"]] == [hx]
    assert client.get("/public/ZZ/").status_code == 404


@pytest.mark.django_db
def test_a_townships_lookup_finds_only_its_own_cases(two_boards, client):
    hx = two_boards["HX"]
    data = {"number": hx.tracking_number, "phone4": hx.petitioner_phone[-4:]}
    found = client.post(reverse("public:lookup_township", args=["HX"]), data, REMOTE_ADDR=_TEST_ADDRESS["default"])
    assert "办理过程" in found.content.decode()
    elsewhere = client.post(reverse("public:lookup_township", args=["DX"]), data, REMOTE_ADDR=_TEST_ADDRESS["default"])
    assert "办理过程" not in elsewhere.content.decode() and "未查到" in elsewhere.content.decode()
    county = client.post(reverse("public:lookup"), data, REMOTE_ADDR=_TEST_ADDRESS["default"])
    assert "办理过程" in county.content.decode()
