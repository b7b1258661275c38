"""The ledger's pages: scope (list, page, filter choices, direct URL → 404), forms, the sensitive-data record."""

import re
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from households.models import Household, HouseholdEvent, Person, SensitiveAccessLog, Tag
from tests.households.factories import an_id, make_household, make_tag

pytestmark = pytest.mark.django_db

INDEX = reverse("households:index")


@pytest.fixture
def ledger(village_a, village_b):
    dibao = make_tag("低保户", sensitive=True)
    big = make_tag("种养大户")
    return {
        "a": make_household(
            village_a, "001", head_name="张三", phone="13812345678", tags=[dibao, big],
            members=[{"name": "张小三", "tags": [make_tag("残疾人", sensitive=True, kind=Tag.Kind.PERSON)]}],
        ),
        "a2": make_household(village_a, "002", head_name="王五"),
        "b": make_household(village_b, "001", head_name="赵六", tags=[dibao]),
        "dibao": dibao,
    }  # fmt: skip


def names(response):
    return {h.head_name for h in response.context["object_list"]}


def test_leader_sees_the_whole_ledger(client_as, leader, ledger):
    assert names(client_as(leader).get(INDEX)) == {"张三", "王五", "赵六"}


def test_liaison_sees_only_their_own_village_in_the_list(client_as, liaison_a, ledger):
    response = client_as(liaison_a).get(INDEX)
    assert names(response) == {"张三", "王五"}
    # asking for the other village by its id gives an invalid filter, not its households
    assert names(client_as(liaison_a).get(INDEX, {"village": ledger["b"].village_id})) == set()


def test_liaison_filter_choices_list_only_their_villages_groups_and_cadres(client_as, liaison_a, liaison_b, ledger):
    Household.objects.filter(pk=ledger["b"].pk).update(contact_cadre=liaison_b)
    Household.objects.filter(pk=ledger["a"].pk).update(contact_cadre=liaison_a)
    form = client_as(liaison_a).get(INDEX).context["filter"].form
    assert [v.name for v in form.fields["village"].queryset] == ["和平村"]
    assert {g.village.name for g in form.fields["group"].queryset} == {"和平村"}
    assert list(form.fields["cadre"].queryset) == [liaison_a]


def test_leader_filter_choices_list_every_village(client_as, leader, ledger):
    form = client_as(leader).get(INDEX).context["filter"].form
    assert {v.name for v in form.fields["village"].queryset} == {"和平村", "大井村"}


def test_group_and_cadre_choices_follow_the_chosen_village(client_as, leader, liaison_a, ledger):
    Household.objects.filter(pk=ledger["a"].pk).update(contact_cadre=liaison_a)
    client = client_as(leader)
    unchosen = client.get(INDEX).context["filter"].form
    assert list(unchosen.fields["group"].queryset) == [] and list(unchosen.fields["cadre"].queryset) == []
    assert unchosen.fields["group"].empty_label == "先选村"
    village_a = ledger["a"].village
    chosen = client.get(INDEX, {"village": village_a.pk}).context["filter"].form
    assert {g.village_id for g in chosen.fields["group"].queryset} == {village_a.pk}
    assert list(chosen.fields["cadre"].queryset) == [liaison_a]
    other = client.get(INDEX, {"village": ledger["b"].village_id}).context["filter"].form
    assert list(other.fields["cadre"].queryset) == []


def test_liaison_gets_404_on_another_villages_household_by_direct_url(client_as, liaison_a, ledger):
    client = client_as(liaison_a)
    assert client.get(reverse("households:detail", args=[ledger["b"].pk])).status_code == 404
    assert client.get(reverse("households:edit", args=[ledger["b"].pk])).status_code == 404
    assert client.get(reverse("households:detail", args=[ledger["a"].pk])).status_code == 200


def test_handler_has_no_ledger(client_as, handler_minzheng, ledger):
    client = client_as(handler_minzheng)
    assert client.get(INDEX).status_code == 403
    assert client.get(reverse("households:detail", args=[ledger["a"].pk])).status_code == 404


def test_anonymous_is_sent_to_login(client, ledger):
    assert client.get(INDEX).status_code == 302


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "张小三"}, {"张三"}),  # a member's name
        ({"q": "138 1234 5678"}, {"张三"}),  # a phone, normalised
        ({"q": "001"}, {"张三", "赵六"}),  # a household number
        ({"tag": "dibao"}, {"张三", "赵六"}),
        ({"village": "b"}, {"赵六"}),
    ],
)
def test_search_and_filters_narrow_the_list(client_as, leader, ledger, params, expected):
    params = {
        k: (ledger["dibao"].pk if v == "dibao" else ledger["b"].village_id if v == "b" else v)
        for k, v in params.items()
    }
    assert names(client_as(leader).get(INDEX, params)) == expected


def test_the_list_filters_by_contact_cadre(client_as, leader, liaison_a, ledger):
    Household.objects.filter(pk=ledger["a2"].pk).update(contact_cadre=liaison_a)
    assert names(client_as(leader).get(INDEX, {"cadre": liaison_a.pk})) == {"王五"}


def test_the_list_pages_by_25(client_as, leader, village_a):
    for n in range(30):
        make_household(village_a, f"{n:03d}")
    response = client_as(leader).get(INDEX)
    assert len(response.context["object_list"]) == 25
    assert response.context["page_obj"].paginator.num_pages == 2


# The ledger list as a leader, whatever the page holds:
#   session, user; scope: groups, villages, departments, townships (4); count; the cadres for the bulk assignment;
#   the navigation's unread-notification count (base.html); filter choices: village, group, tag, cadre (4);
#   the page; its tags (1 prefetch); the session save (savepoint, update, release: 3).
LIST_QUERIES = 18


@pytest.mark.parametrize("rows", [3, 60])
def test_the_list_runs_a_constant_number_of_queries(client_as, leader, village_a, rows, django_assert_num_queries):
    tags = [make_tag("种养大户"), make_tag("脱贫户")]
    for n in range(rows):
        make_household(village_a, f"{n:03d}", contact_cadre=leader, tags=tags, group=village_a.groups.first())
    client = client_as(leader)
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(INDEX)
    assert len(response.context["object_list"]) == min(rows, 25)


def test_household_page_shows_members_tags_cadre_and_timeline(client_as, leader, liaison_a, ledger):
    Household.objects.filter(pk=ledger["a"].pk).update(contact_cadre=liaison_a)
    HouseholdEvent.objects.create(household=ledger["a"], action=HouseholdEvent.Action.CREATED, actor_name="王芳")
    response = client_as(leader).get(reverse("households:detail", args=[ledger["a"].pk]))
    html = response.content.decode()
    assert "张小三" in html and "种养大户" in html and "陈秀英" in html
    assert "低保户" in html and "残疾人" in html
    assert "建档（王芳）" in html


def test_household_page_queries_do_not_grow_with_members_or_events(client_as, leader, village_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    tag = make_tag("残疾人", sensitive=True, kind=Tag.Kind.PERSON)
    household = make_household(village_a, "001", members=[{"name": "成员", "tags": [tag], "id_number": an_id(1)}])
    client = client_as(leader)
    url = reverse("households:detail", args=[household.pk])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    one = count()
    for n in range(2, 13):
        person = Person.objects.create(household=household, name=f"成员{n}", id_number=an_id(n))
        person.tags.add(tag)
        HouseholdEvent.objects.create(household=household, action=HouseholdEvent.Action.MEMBER_ADDED)
    assert count() == one


def test_the_list_shows_no_sensitive_tag(client_as, leader, ledger):
    html = client_as(leader).get(INDEX).content.decode()
    assert "种养大户" in html
    assert "低保户</span>" not in html


def test_viewing_a_household_with_sensitive_tags_is_recorded(client_as, leader, ledger):
    client_as(leader).get(reverse("households:detail", args=[ledger["a"].pk]))
    record = SensitiveAccessLog.objects.get()
    assert (record.user, record.user_name, record.household, record.action) == (leader, "李建国", ledger["a"], "view")


def test_liaison_of_the_village_sees_sensitive_tags_and_is_recorded(client_as, liaison_a, ledger):
    html = client_as(liaison_a).get(reverse("households:detail", args=[ledger["a"].pk])).content.decode()
    assert "低保户" in html
    assert SensitiveAccessLog.objects.filter(user=liaison_a, household=ledger["a"]).count() == 1


def test_a_household_without_sensitive_data_leaves_no_record(client_as, leader, ledger):
    client_as(leader).get(reverse("households:detail", args=[ledger["a2"].pk]))
    assert not SensitiveAccessLog.objects.exists()


def test_filtering_the_list_by_a_sensitive_tag_is_recorded(client_as, reception, ledger):
    client_as(reception).get(INDEX, {"tag": ledger["dibao"].pk})
    record = SensitiveAccessLog.objects.get()
    assert (record.user, record.action, record.household) == (reception, "filter", None)
    assert "低保户" in record.note


def test_admin_reads_the_sensitive_access_record_and_cannot_change_it(client_as, leader, admin_user, ledger):
    client_as(leader).get(reverse("households:detail", args=[ledger["a"].pk]))
    client = client_as(admin_user)
    response = client.get(reverse("admin:households_sensitiveaccesslog_changelist"))
    assert response.status_code == 200
    assert "李建国" in response.content.decode()
    record = SensitiveAccessLog.objects.get()
    assert (
        client.post(
            reverse("admin:households_sensitiveaccesslog_delete", args=[record.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert client.get(reverse("admin:households_sensitiveaccesslog_add")).status_code == 403


def test_who_may_see_sensitive_tags(leader, reception, admin_user, handler_minzheng, liaison_a, liaison_b, ledger):
    from minqing.access import scope_for

    household = ledger["a"]
    assert scope_for(leader).may_see_sensitive(household)
    assert scope_for(reception).may_see_sensitive(household)
    assert scope_for(admin_user).may_see_sensitive(household)
    assert scope_for(liaison_a).may_see_sensitive(household)
    assert not scope_for(liaison_b).may_see_sensitive(household)
    assert not scope_for(handler_minzheng).may_see_sensitive(household)


# --- Create and edit ---------------------------------------------------------------------------------


def form_data(village, **overrides):
    data = {
        "village": village.pk,
        "group": "",
        "household_no": "010",
        "head_name": "孙七",
        "head_id_number": "",
        "phone": "",
        "address": "和平村3组",
        "size": "2",
        "notes": "",
        "members-TOTAL_FORMS": "1",
        "members-INITIAL_FORMS": "0",
        "members-MIN_NUM_FORMS": "0",
        "members-MAX_NUM_FORMS": "1000",
        "members-0-name": "",
        "members-0-relation": "其他",
        "members-0-id_number": "",
        "members-0-phone": "",
    }
    data.update(overrides)
    return data


def test_create_a_household_with_a_member_normalising_phone_and_id(client_as, reception, village_a):
    data = form_data(
        village_a,
        head_id_number="11010519491231002x",
        phone="+86 138-1234-5678",
        **{"members-0-name": " 孙 小七 ", "members-0-relation": "子女", "members-0-id_number": "440524188001010014"},
    )
    response = client_as(reception).post(reverse("households:create"), data)
    household = Household.objects.get(household_no="010")
    assert response.status_code == 302 and response.url == household.get_absolute_url()
    assert (household.head_id_number, household.phone) == ("11010519491231002X", "13812345678")
    member = household.members.get()
    assert (member.name, member.sex, str(member.birth_date)) == ("孙小七", "M", "1880-01-01")
    assert set(household.events.values_list("action", flat=True)) == {"created", "member_added"}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("head_id_number", "110105194912310021", "身份证号校验位不正确"),
        ("head_id_number", "110105194902300028", "不存在"),
        ("phone", "1381234567", "电话号码格式不正确"),
        ("household_no", "001", "和平村已有001号户"),
    ],
)
def test_invalid_input_gets_a_chinese_message_beside_the_field_and_nothing_is_saved(
    client_as, reception, ledger, village_a, field, value, message
):
    before = Household.objects.count()
    response = client_as(reception).post(reverse("households:create"), form_data(village_a, **{field: value}))
    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors[field])
    assert Household.objects.count() == before


def test_a_bad_member_id_is_refused_beside_the_member_field(client_as, reception, village_a):
    data = form_data(village_a, **{"members-0-name": "孙小七", "members-0-id_number": "440524188001010015"})
    response = client_as(reception).post(reverse("households:create"), data)
    assert response.status_code == 200
    assert "校验位不正确" in response.context["members"].forms[0].errors["id_number"][0]
    assert not Household.objects.filter(household_no="010").exists()
    assert not Person.objects.exists()


def test_a_liaison_cannot_create_a_household_in_another_village(client_as, liaison_a, village_b):
    response = client_as(liaison_a).post(reverse("households:create"), form_data(village_b))
    assert response.status_code == 200
    assert "village" in response.context["form"].errors
    assert not Household.objects.exists()


def test_editing_records_what_changed_on_the_timeline(client_as, leader, ledger, village_a):
    household = ledger["a2"]
    data = form_data(village_a, household_no="002", head_name="王五", phone="13900001111", size="")
    response = client_as(leader).post(reverse("households:edit", args=[household.pk]), data)
    assert response.status_code == 302
    household.refresh_from_db()
    assert household.phone == "13900001111"
    event = household.events.get()
    assert event.action == "updated" and "联系电话" in event.note and event.actor == leader


def test_opening_the_edit_form_of_a_sensitive_household_is_recorded(client_as, reception, ledger, village_a):
    assert client_as(reception).get(reverse("households:edit", args=[ledger["a"].pk])).status_code == 200
    assert SensitiveAccessLog.objects.get().action == "edit"
    # a sensitive tag on a member only counts too
    member_only = make_household(
        village_a, "003", members=[{"name": "甲", "tags": [make_tag("残疾人", kind="person")]}]
    )
    client_as(reception).get(reverse("households:edit", args=[member_only.pk]))
    assert SensitiveAccessLog.objects.filter(household=member_only, action="edit").count() == 1


# --- Contact households -----------------------------------------------------------------------------


def test_leader_assigns_ticked_households_to_a_cadre(client_as, leader, liaison_a, ledger):
    response = client_as(leader).post(
        reverse("households:assign_contact"),
        {"households": [ledger["a"].pk, ledger["a2"].pk], "cadre": liaison_a.pk, "next": INDEX},
    )
    assert response.status_code == 302
    assert set(Household.objects.filter(contact_cadre=liaison_a).values_list("head_name", flat=True)) == {
        "张三",
        "王五",
    }
    assert HouseholdEvent.objects.filter(action="contact_changed").count() == 2


def test_a_cadre_cannot_be_given_a_household_outside_their_villages(client_as, leader, liaison_a, ledger):
    client = client_as(leader)
    client.post(reverse("households:assign_contact"), {"households": [ledger["b"].pk], "cadre": liaison_a.pk})
    assert Household.objects.get(pk=ledger["b"].pk).contact_cadre is None


def test_the_cadres_offered_are_those_the_assignment_accepts(
    client_as, leader, reception, liaison_a, liaison_b, handler_minzheng, ledger
):
    client = client_as(leader)
    everywhere = set(client.get(INDEX).context["cadres"])
    assert {leader, reception, liaison_a, liaison_b} <= everywhere and handler_minzheng not in everywhere
    village_a = ledger["a"].village
    in_a = set(client.get(INDEX, {"village": village_a.pk}).context["cadres"])
    assert liaison_a in in_a and liaison_b not in in_a and leader in in_a
    page = client.get(reverse("households:detail", args=[ledger["a"].pk]))
    assert liaison_a in page.context["cadres"] and liaison_b not in page.context["cadres"]


def test_only_leaders_and_admins_assign_contact_households(client_as, liaison_a, reception, ledger):
    for user in (liaison_a, reception):
        response = client_as(user).post(
            reverse("households:assign_contact"), {"households": [ledger["a"].pk], "cadre": liaison_a.pk}
        )
        assert response.status_code == 403


def test_a_cadre_sees_their_contact_households(client_as, liaison_a, ledger):
    Household.objects.filter(pk=ledger["a2"].pk).update(contact_cadre=liaison_a)
    response = client_as(liaison_a).get(reverse("households:contacts"))
    assert [h.head_name for h in response.context["mine"]] == ["王五"]
    assert [row["village"].name for row in response.context["overview"]] == ["和平村"]


def test_contacts_overview_shows_the_guidance_by_village_size(client_as, leader, liaison_a, village_a):
    for n in range(12):
        make_household(village_a, f"{n:03d}", size=50, contact_cadre=liaison_a)  # 600 people
    row = next(
        r
        for r in client_as(leader).get(reverse("households:contacts")).context["overview"]
        if r["village"] == village_a
    )
    assert (row["village"].population, row["quota"]) == (600, 15)
    assert row["cadres"] == [{"user": liaison_a, "count": 12, "over": False}]


@pytest.mark.parametrize(("population", "quota"), [(0, 10), (499, 10), (500, 15), (1000, 15), (1001, 20)])
def test_contact_quota_follows_village_size(population, quota):
    from households.services import contact_quota

    assert contact_quota(population) == quota


def test_other_village_data_is_not_in_a_liaisons_export(client_as, liaison_a, ledger):
    from io import BytesIO

    from openpyxl import load_workbook

    response = client_as(liaison_a).get(reverse("households:export"))
    assert response.status_code == 200
    rows = list(load_workbook(BytesIO(response.content)).worksheets[0].values)
    assert {r[3] for r in rows[1:]} == {"张三", "王五"}
    assert SensitiveAccessLog.objects.get().action == "export"


def test_a_liaison_asking_to_export_another_village_gets_nothing(client_as, liaison_a, ledger):
    from io import BytesIO

    from openpyxl import load_workbook

    response = client_as(liaison_a).get(reverse("households:export"), {"village": ledger["b"].village_id})
    assert list(load_workbook(BytesIO(response.content)).worksheets[0].values)[1:] == []


def test_editing_keeps_a_tag_of_the_other_kind_that_an_import_put_there(client_as, leader, village_a):
    left_behind = make_tag("留守老人", sensitive=True, kind=Tag.Kind.PERSON)
    household = make_household(village_a, "005", head_name="钱八", tags=[left_behind])
    client = client_as(leader)
    form = client.get(reverse("households:edit", args=[household.pk])).context["form"]
    assert left_behind in form.fields["tags"].queryset
    data = form_data(village_a, household_no="005", head_name="钱八", size="", tags=[left_behind.pk])
    assert client.post(reverse("households:edit", args=[household.pk]), data).status_code == 302
    assert list(household.tags.all()) == [left_behind]


def test_export_follows_the_lists_filters(client_as, leader, ledger):
    from io import BytesIO

    from openpyxl import load_workbook

    response = client_as(leader).get(reverse("households:export"), {"q": "赵"})
    rows = list(load_workbook(BytesIO(response.content)).worksheets[0].values)
    assert [r[3] for r in rows[1:]] == ["赵六"]


def test_reading_a_sensitive_household_in_the_admin_is_recorded(client_as, admin_user, ledger):
    client = client_as(admin_user)
    assert client.get(reverse("admin:households_household_change", args=[ledger["a"].pk])).status_code == 200
    record = SensitiveAccessLog.objects.get()
    assert (record.user, record.action, record.household, record.note) == (admin_user, "view", ledger["a"], "管理后台")
    client.get(reverse("admin:households_household_change", args=[ledger["a2"].pk]))  # nothing sensitive
    assert SensitiveAccessLog.objects.count() == 1


def test_filtering_the_admins_household_list_by_a_sensitive_tag_is_recorded(client_as, admin_user, ledger):
    client = client_as(admin_user)
    changelist = reverse("admin:households_household_changelist")
    assert client.get(changelist).status_code == 200
    assert not SensitiveAccessLog.objects.exists()
    response = client.get(changelist, {"tags__id__exact": ledger["dibao"].pk})
    assert response.status_code == 200 and ledger["a"].head_name in response.content.decode()
    record = SensitiveAccessLog.objects.get()
    assert (record.user, record.action, record.household) == (admin_user, "filter", None)
    assert "低保户" in record.note


def export_name(response) -> str:
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename*=UTF-8''")
    return unquote(disposition.split("''", 1)[1])


def test_the_export_is_named_in_chinese_for_its_village_and_day(client_as, leader, liaison_a, ledger):
    day = timezone.localdate().strftime("%Y%m%d")
    response = client_as(leader).get(reverse("households:export"), {"village": ledger["a"].village_id})
    assert export_name(response) == f"户籍台账-和平村-{day}.xlsx"
    assert export_name(client_as(leader).get(reverse("households:export"))) == f"户籍台账-全部-{day}.xlsx"
    # A liaison of one village exports that village without choosing it.
    assert export_name(client_as(liaison_a).get(reverse("households:export"))) == f"户籍台账-和平村-{day}.xlsx"
    template = client_as(leader).get(reverse("households:import_template"))
    assert export_name(template) == "户籍台账模板.xlsx"


def test_the_export_link_keeps_the_filters_but_not_the_page(client_as, leader, village_a, ledger):
    for n in range(30):
        make_household(village_a, f"1{n:02d}", head_name=f"李{n}")
    page = client_as(leader).get(INDEX, {"village": village_a.pk, "q": "李", "page": 2}).content.decode()
    link = re.search(r'href="(/households/export/[^"]*)"', page).group(1).replace("&amp;", "&")
    query = parse_qs(urlsplit(link).query)
    assert query == {"village": [str(village_a.pk)], "q": ["李"]}
