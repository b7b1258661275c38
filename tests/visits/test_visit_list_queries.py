"""The visits lists run a constant number of queries (style.md B6): the same count over 3 rows and
over 60 rows. The two sizes are measured in one test and compared, so the check holds whatever the
shared page shell (navigation, notifications…) adds around the list.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import make_user

from .conftest import make_household, make_visit

pytestmark = pytest.mark.django_db

#: What the page itself may spend beyond the shell; see each test's list.
BUDGET = 16


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_visit_list_query_count_is_constant(client_as, liaison_a, leader, village_a):
    def add(start, stop):
        for n in range(start, stop):
            household = make_household(village_a, f"Q-{n}", cadre=liaison_a)
            make_visit(liaison_a, village_a, [household], participants=[liaison_a, leader])

    client = client_as(liaison_a)
    url = reverse("visits:index")
    add(0, 3)
    small = queries(client, url)
    add(3, 60)
    large = queries(client, url)
    # session, user, scope (groups, villages, departments), filter form (villages, staff), count,
    # one page of visits with village and recorder, its households, its participants, session save
    assert small == large
    assert large <= BUDGET


def test_contact_list_query_count_is_constant(client_as, leader, village_a):
    cadres = [make_user(f"cadre{n}", "liaison", villages=[village_a]) for n in range(3)]

    def add(start, stop):
        for n in range(start, stop):
            household = make_household(village_a, f"C-{n}", cadre=cadres[n % 3], size=3)
            if n % 2:
                make_visit(cadres[n % 3], village_a, [household])

    client = client_as(leader)
    url = reverse("visits:contacts")
    add(0, 3)
    small = queries(client, url)
    add(3, 60)
    large = queries(client, url)
    # session, user, scope, filter form (cadres, villages), count, one page of households with
    # village, group and cadre joined and the last visit / this month's visit as subqueries
    assert small == large
    assert large <= BUDGET
    page = client.get(url).context["page_obj"]
    assert len(page) == 25


def test_coverage_page_query_count_is_constant(client_as, leader, village_a, village_b):
    cadres = [make_user(f"cadre{n}", "liaison", villages=[village_a, village_b]) for n in range(4)]

    def add(start, stop):
        for n in range(start, stop):
            village = village_a if n % 2 else village_b
            household = make_household(village, f"V-{n}", cadre=cadres[n % 4], size=4)
            make_visit(cadres[n % 4], village, [household])

    client = client_as(leader)
    url = reverse("visits:coverage")
    add(0, 3)
    small = queries(client, url)
    add(3, 60)
    large = queries(client, url)
    # session, user, scope, coverage by cadre (one grouped query), village populations, coverage by village
    assert small == large
    assert large <= BUDGET
