"""A visit written offline is sent later with its client key: sending it twice makes one visit."""

import datetime as dt
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from visits import services
from visits.models import Visit
from visits.services import visit_create

pytestmark = pytest.mark.django_db


def draft(village, household, key, **overrides):
    data = {
        "client_key": str(key),
        "kind": "night_visit",
        "village": village.pk,
        "households": [household.pk],
        "visited_at": (timezone.localtime() - dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
        "heard": "夜访：反映低保评定不公",
        "done_on_spot": "",
    }
    data.update(overrides)
    return data


def test_draft_sent_twice_makes_one_visit_and_the_same_answer(client_as, liaison_a, village_a, household_a):
    client = client_as(liaison_a)
    key = uuid.uuid4()
    first = client.post(reverse("visits:sync"), draft(village_a, household_a, key))
    second = client.post(reverse("visits:sync"), draft(village_a, household_a, key))
    assert first.status_code == 201
    assert second.status_code == 200
    assert first.json()["id"] == second.json()["id"]
    assert (first.json()["created"], second.json()["created"]) == (True, False)
    assert Visit.objects.count() == 1
    assert Visit.objects.get().client_key == key


def test_form_post_with_the_same_key_does_not_duplicate_either(client_as, liaison_a, village_a, household_a):
    client = client_as(liaison_a)
    key = uuid.uuid4()
    client.post(reverse("visits:sync"), draft(village_a, household_a, key))
    response = client.post(reverse("visits:new"), draft(village_a, household_a, key), follow=True)
    assert Visit.objects.count() == 1
    assert "这条走访记录之前已保存，未重复创建。" in response.content.decode()


def test_two_drafts_with_different_keys_make_two_visits(client_as, liaison_a, village_a, household_a):
    client = client_as(liaison_a)
    client.post(reverse("visits:sync"), draft(village_a, household_a, uuid.uuid4()))
    client.post(reverse("visits:sync"), draft(village_a, household_a, uuid.uuid4()))
    assert Visit.objects.count() == 2


def test_invalid_draft_answers_400_with_chinese_errors(client_as, liaison_a, village_a, household_a):
    response = client_as(liaison_a).post(reverse("visits:sync"), draft(village_a, household_a, uuid.uuid4(), heard=""))
    assert response.status_code == 400
    assert response.json()["errors"]["heard"] == ["请填写听到的情况。"]
    assert not Visit.objects.exists()


def test_draft_without_a_key_is_refused(client_as, liaison_a, village_a, household_a):
    data = draft(village_a, household_a, "")
    response = client_as(liaison_a).post(reverse("visits:sync"), data)
    assert response.status_code == 400
    assert not Visit.objects.exists()


def test_expired_session_answers_401_json(client, village_a, household_a):
    response = client.post(reverse("visits:sync"), draft(village_a, household_a, uuid.uuid4()))
    assert response.status_code == 401
    assert response.json()["error"] == "登录已过期，请重新登录后再上传。"


def test_another_users_key_is_not_answered_with_their_visit(client_as, liaison_a, leader, village_a, household_a):
    key = uuid.uuid4()
    client_as(leader).post(reverse("visits:sync"), draft(village_a, household_a, key))
    response = client_as(liaison_a).post(reverse("visits:sync"), draft(village_a, household_a, key))
    assert response.status_code == 403
    assert Visit.objects.count() == 1


def test_race_between_two_sends_answers_with_the_winner(monkeypatch, liaison_a, village_a, household_a):
    """The second send passed the look-up before the first committed: the unique key stops it."""
    key = uuid.uuid4()
    kwargs = dict(by=liaison_a, kind="home_visit", visited_at=timezone.now(), village=village_a,
                  households=[household_a], heard="x", client_key=key)  # fmt: skip
    first, created = visit_create(**kwargs)
    real_existing = services._existing
    calls = []

    def missed_then_real(client_key, by):
        calls.append(client_key)
        return None if len(calls) == 1 else real_existing(client_key, by)

    monkeypatch.setattr(services, "_existing", missed_then_real)
    again, created_again = visit_create(**kwargs)
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    assert len(calls) == 2
    assert Visit.objects.count() == 1
