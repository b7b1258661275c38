"""Liaisons see only their villages' visits: the list, the page, guessed URLs (404) and the type-ahead."""

import pytest
from django.urls import reverse

from visits.models import Visit

from .conftest import local, make_household, make_visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def visits(liaison_a, liaison_b, village_a, village_b, household_a, household_b):
    return (
        make_visit(liaison_a, village_a, [household_a], heard="和平村的事"),
        make_visit(liaison_b, village_b, [household_b], heard="大井村的事"),
    )


def test_liaison_list_shows_only_their_villages(client_as, liaison_a, visits):
    response = client_as(liaison_a).get(reverse("visits:index"))
    assert [v.heard for v in response.context["page_obj"]] == ["和平村的事"]
    assert "大井村的事" not in response.content.decode()


def test_leader_list_shows_every_village(client_as, leader, visits):
    response = client_as(leader).get(reverse("visits:index"))
    assert {v.heard for v in response.context["page_obj"]} == {"和平村的事", "大井村的事"}


def test_liaison_village_filter_offers_only_their_villages(client_as, liaison_a, visits, village_a):
    response = client_as(liaison_a).get(reverse("visits:index"))
    assert list(response.context["filter"].form.fields["village"].queryset) == [village_a]


@pytest.mark.parametrize(
    ("persona", "own", "other"),
    [("liaison_a", 200, 404), ("liaison_b", 404, 200), ("leader", 200, 200), ("reception", 200, 200)],
)
def test_visit_page_by_persona(request, client_as, visits, persona, own, other):
    client = client_as(request.getfixturevalue(persona))
    assert client.get(reverse("visits:detail", args=[visits[0].pk])).status_code == own
    assert client.get(reverse("visits:detail", args=[visits[1].pk])).status_code == other


def test_liaison_guessing_another_village_edit_url_gets_404(client_as, liaison_a, visits):
    assert client_as(liaison_a).get(reverse("visits:edit", args=[visits[1].pk])).status_code == 404
    assert client_as(liaison_a).get(reverse("visits:detail", args=[99999])).status_code == 404


def test_handler_sees_no_visit(client_as, handler_minzheng, visits):
    assert client_as(handler_minzheng).get(reverse("visits:detail", args=[visits[0].pk])).status_code == 403
    assert not Visit.objects.visible_to(__import__("minqing.access").access.scope_for(handler_minzheng)).exists()


def test_type_ahead_finds_only_visible_households(client_as, liaison_a, village_a, village_b):
    make_household(village_a, "HP-7", "王大山")
    make_household(village_b, "DJ-7", "王小山")
    response = client_as(liaison_a).get(reverse("visits:household_search"), {"q": "王"})
    body = response.content.decode()
    assert "王大山" in body
    assert "王小山" not in body


def test_type_ahead_says_so_when_nothing_matches(client_as, liaison_a, village_a):
    response = client_as(liaison_a).get(reverse("visits:household_search"), {"q": "不存在"})
    assert "未找到“不存在”" in response.content.decode()


def test_list_filters_by_kind_and_text(client_as, leader, liaison_a, village_a, household_a):
    make_visit(liaison_a, village_a, [household_a], heard="路灯不亮")
    make_visit(liaison_a, village_a, [], kind=Visit.Kind.FORUM, heard="座谈产业发展")
    client = client_as(leader)
    assert [v.heard for v in client.get(reverse("visits:index"), {"kind": "forum"}).context["page_obj"]] == [
        "座谈产业发展"
    ]
    assert [v.heard for v in client.get(reverse("visits:index"), {"q": "张德明"}).context["page_obj"]] == ["路灯不亮"]


def test_the_date_filters_count_whole_local_days(client_as, leader, liaison_a, village_a):
    """Half past eleven at night on 5 March and ten past midnight on the 6th, Asia/Shanghai (15:30 and 16:10 UTC on
    the 5th): each falls on its own local day, whichever end of the range names it."""
    make_visit(liaison_a, village_a, kind=Visit.Kind.FORUM, when=local(2026, 3, 5, 23, 30), heard="夜访五号")
    make_visit(liaison_a, village_a, kind=Visit.Kind.FORUM, when=local(2026, 3, 6, 0, 10), heard="夜访六号")
    client = client_as(leader)

    def heard(**query):
        return [v.heard for v in client.get(reverse("visits:index"), query).context["page_obj"]]

    assert heard(date_to="2026-03-05") == ["夜访五号"]
    assert heard(date_from="2026-03-06") == ["夜访六号"]
    assert heard(date_from="2026-03-05", date_to="2026-03-05") == ["夜访五号"]
    assert heard(date_from="2026-03-05", date_to="2026-03-06") == ["夜访六号", "夜访五号"]


def test_the_people_list_holds_who_went_in_the_chosen_village(
    client_as, leader, liaison_a, liaison_b, village_a, village_b
):
    make_visit(liaison_a, village_a, [make_household(village_a, "P-1")], participants=[liaison_a, leader])
    make_visit(liaison_b, village_b, [make_household(village_b, "P-2")], participants=[liaison_b])
    client = client_as(leader)
    unchosen = client.get(reverse("visits:index")).context["filter"].form.fields["participant"]
    assert list(unchosen.queryset) == [] and unchosen.empty_label == "先选村"
    chosen = client.get(reverse("visits:index"), {"village": village_a.pk}).context["filter"].form.fields["participant"]
    assert set(chosen.queryset) == {liaison_a, leader}
    # a link naming a person alone still filters by that person
    response = client.get(reverse("visits:index"), {"participant": liaison_b.pk})
    assert [v.village for v in response.context["filter"].qs] == [village_b]
