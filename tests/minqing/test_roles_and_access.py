import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import Group as AuthGroup
from django.db import connection
from django.test.utils import CaptureQueriesContext

from minqing.access import scope_for


@pytest.mark.django_db
def test_the_five_role_groups_exist_after_migrate():
    names = set(AuthGroup.objects.values_list("name", flat=True))
    assert {"reception", "leader", "handler", "liaison", "admin"} <= names


def test_anonymous_scope_has_no_roles():
    scope = scope_for(AnonymousUser())
    assert not scope.is_authenticated
    assert not scope.is_center and not scope.roles


@pytest.mark.django_db
def test_liaison_scope_holds_their_villages_only(liaison_a, village_a, village_b):
    scope = scope_for(liaison_a)
    assert scope.is_liaison and not scope.is_center
    assert scope.village_ids == {village_a.pk}


@pytest.mark.django_db
def test_handler_scope_holds_their_department(handler_minzheng, dept_minzheng, dept_zigui):
    scope = scope_for(handler_minzheng)
    assert scope.is_handler and not scope.is_center
    assert scope.department_ids == {dept_minzheng.pk}


@pytest.mark.django_db
def test_leader_on_reception_duty_has_both_roles(db):
    from tests.conftest import make_user

    user = make_user("duty", "leader", "reception")
    scope = scope_for(user)
    assert scope.is_leader and scope.is_reception and scope.is_center


@pytest.mark.django_db
def test_scope_is_computed_once_per_request(client_as, liaison_a):
    client = client_as(liaison_a)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")  # the view and the navigation both read request.scope
    assert response.status_code == 200
    group_lookups = [q for q in queries.captured_queries if '"auth_group"' in q["sql"]]
    assert len(group_lookups) == 1
