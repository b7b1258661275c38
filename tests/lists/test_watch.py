"""Early signs (苗头隐患): watched with reviews; a review due reminds the watcher once; raised to a case or closed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from lists import services
from lists.models import Sign
from lists.services import ListConflict
from notifications.models import Notification
from petitions.models import Channel, Petition
from tests.petitions.conftest import intake_data

pytestmark = pytest.mark.django_db


def make_sign(by, village, **kw):
    return services.sign_create(
        by=by, village=village, seen="两户因宅基地边界争执，情绪激动", risk=Sign.Risk.MEDIUM,
        next_review=kw.pop("next_review", timezone.localdate() + dt.timedelta(days=3)), **kw,
    )  # fmt: skip


def test_a_review_due_reminds_the_watcher_once_per_date(liaison_a, village_a):
    today = timezone.localdate()
    sign = make_sign(liaison_a, village_a)
    assert services.signs_remind(today) == 0  # not due yet
    due = today + dt.timedelta(days=3)
    assert services.signs_remind(due) == 1
    assert services.signs_remind(due) == 0
    assert services.signs_remind(due + dt.timedelta(days=1)) == 0  # still the same review date: once
    services.sign_review(sign=sign, by=liaison_a, note="已调解一次，暂稳定", risk=Sign.Risk.LOW,
                         next_review=due + dt.timedelta(days=7))  # fmt: skip
    assert services.signs_remind(due + dt.timedelta(days=7)) == 1  # the next review: once more
    assert Notification.objects.filter(recipient=liaison_a, kind="watch.review").count() == 2
    assert [r.note for r in sign.reviews.all()] == ["已调解一次，暂稳定"]


def test_refusals_and_closing(liaison_a, liaison_b, village_a):
    with pytest.raises(ValidationError):
        make_sign(liaison_a, village_a, next_review=timezone.localdate() - dt.timedelta(days=1))
    sign = make_sign(liaison_a, village_a)
    with pytest.raises(PermissionDenied):
        services.sign_close(sign=sign, by=liaison_b, note="不是我村的")
    with pytest.raises(ValidationError):
        services.sign_close(sign=sign, by=liaison_a, note="")
    services.sign_close(sign=sign, by=liaison_a, note="双方已签调解协议")
    with pytest.raises(ListConflict):
        services.sign_close(sign=sign, by=liaison_a, note="再关一次")


def test_raised_to_a_case_links_both_ways(client_as, liaison_a, village_a, category):
    sign = make_sign(liaison_a, village_a)
    data = intake_data(category, village_a, petitioner_name="张三", petitioner_phone="13800000009",
                       channel=Channel.DOOR_VISIT, summary="宅基地边界纠纷", content=sign.seen)  # fmt: skip
    response = client_as(liaison_a).post(reverse("lists:sign_case", args=[sign.pk]), data)
    assert response.status_code == 302
    sign.refresh_from_db()
    petition = Petition.objects.get()
    assert sign.status == Sign.Status.RAISED and sign.petition == petition and petition.sign == sign
    assert "两户因宅基地" in client_as(liaison_a).get(reverse("lists:watch") + "?status=raised").content.decode()
