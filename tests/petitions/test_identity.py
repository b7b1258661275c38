"""Confidentiality: for an accusation (检举控告) only the center sees who the petitioner is."""

from __future__ import annotations

import pytest

from minqing.access import scope_for
from petitions.identity import HIDDEN, can_see_identity, petitioner_fields
from petitions.models import Status
from tests.conftest import make_user


@pytest.fixture
def accusation(make_petition, accusation_category, dept_zigui):
    return make_petition(
        Status.IN_PROGRESS,
        category=accusation_category,
        petitioner_name="举报人甲",
        petitioner_phone="13900009999",
        representatives=[{"name": "代表乙"}],
        assisting_departments=[dept_zigui],
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("leader", True),
        ("reception", True),
        ("admin_user", True),
        ("handler_minzheng", False),  # the lead department
        ("handler_zigui", False),  # an assisting department
        ("liaison_a", False),  # the village's own liaison
    ],
)
def test_who_sees_the_petitioner_of_an_accusation(
    persona, sees, accusation, request, reception, leader, handler_minzheng, handler_zigui, liaison_a
):
    user = request.getfixturevalue(persona)
    scope = scope_for(user)
    assert can_see_identity(scope, accusation) is sees
    fields = petitioner_fields(scope, accusation)
    if sees:
        assert fields["name"] == "举报人甲" and fields["phone"] == "13900009999"
        assert [r["name"] for r in fields["representatives"]] == ["代表乙"]
    else:
        assert fields == {
            "name": HIDDEN, "phone": "", "id_number": "", "household": None, "representatives": [], "hidden": True,
        }  # fmt: skip


@pytest.mark.django_db
def test_a_handler_who_is_also_on_the_front_desk_sees_the_petitioner(accusation, dept_minzheng):
    both = make_user("duty", "handler", "reception", departments=[dept_minzheng])
    assert can_see_identity(scope_for(both), accusation)


@pytest.mark.django_db
def test_handlers_see_the_petitioner_of_other_kinds(make_petition, handler_minzheng):
    petition = make_petition(Status.IN_PROGRESS)
    scope = scope_for(handler_minzheng)
    assert can_see_identity(scope, petition)
    assert petitioner_fields(scope, petition, representatives=False)["name"] == petition.petitioner_name


@pytest.mark.django_db
def test_list_rows_need_no_query(make_petition, handler_minzheng, django_assert_num_queries):
    petition = make_petition(Status.IN_PROGRESS)
    scope = scope_for(handler_minzheng)
    with django_assert_num_queries(0):
        petitioner_fields(scope, petition, representatives=False)
