"""Tonight's night-visit duty (夜访值班) pre-fills a night visit's 1+2+N team (issue 18)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import make_township
from tests.duty.conftest import plan
from tests.duty.test_intake import month_of_today, today_rota

pytestmark = pytest.mark.django_db


def test_a_night_visit_starts_from_tonights_rota(
    client_as, posts, leader, leader2, reception, handler_minzheng, liaison_a
):
    township = make_township()
    rota = today_rota(posts, leader_on_duty=leader2, night_visit=[reception, handler_minzheng])
    plan(township, leader, rota, month_of_today())

    form = client_as(liaison_a).get(reverse("visits:new") + "?kind=night_visit").context["form"]
    assert form.initial["lead"] == leader2.pk
    assert sorted(form.initial["duty_cadres"]) == sorted([reception.pk, handler_minzheng.pk])

    # Another kind of visit starts from the recorder alone.
    form = client_as(liaison_a).get(reverse("visits:new")).context["form"]
    assert (form.initial["lead"], form.initial["duty_cadres"], form.initial["village_cadres"]) == (
        None,
        [],
        [liaison_a.pk],
    )


def test_without_a_rota_a_night_visit_starts_from_the_recorder(client_as, posts, leader):
    make_township()
    form = client_as(leader).get(reverse("visits:new") + "?kind=night_visit").context["form"]
    assert form.initial["lead"] == leader.pk and form.initial["duty_cadres"] == []
