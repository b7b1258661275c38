"""Tracking numbers: {township prefix}{yyyymm}-{nnnn}, sequential per township and month, never duplicated — also
under concurrent saves, also across townships."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from petitions import workflow
from petitions.models import Petition, TrackingCounter
from petitions.numbers import next_tracking_number, normalize_tracking_number
from tests.conftest import make_department, make_township, make_user, make_village, requires_postgres


def at(year, month, day=15):
    return timezone.make_aware(dt.datetime(year, month, day, 10, 0))


@pytest.fixture
def dingxin(db):
    return make_township()


@pytest.fixture
def hexing(db):
    return make_township("和兴镇", "HX", "MQHX")


def test_numbers_are_sequential_within_a_month_and_restart_the_next(dingxin):
    assert next_tracking_number(at(2026, 11), dingxin) == "MQ202611-0001"
    assert next_tracking_number(at(2026, 11), dingxin) == "MQ202611-0002"
    assert next_tracking_number(at(2026, 12), dingxin) == "MQ202612-0001"
    assert next_tracking_number(at(2026, 11), dingxin) == "MQ202611-0003"
    assert TrackingCounter.objects.get(month="MQ202611").last_number == 3


def test_each_township_numbers_its_own_cases(dingxin, hexing):
    assert next_tracking_number(at(2026, 11), dingxin) == "MQ202611-0001"
    assert next_tracking_number(at(2026, 11), hexing) == "MQHX202611-0001"
    assert next_tracking_number(at(2026, 11), hexing) == "MQHX202611-0002"
    assert next_tracking_number(at(2026, 11), dingxin) == "MQ202611-0002"


def test_the_month_is_the_local_one(dingxin):
    # 16:30 UTC on 30 November is 00:30 on 1 December in Asia/Shanghai.
    assert next_tracking_number(dt.datetime(2026, 11, 30, 16, 30, tzinfo=dt.UTC), dingxin) == "MQ202612-0001"


def test_a_rolled_back_registration_gives_its_number_back(dingxin):
    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        next_tracking_number(at(2026, 11), dingxin)
        raise Boom
    assert next_tracking_number(at(2026, 11), dingxin) == "MQ202611-0001"


@pytest.mark.django_db
def test_registered_cases_carry_their_number(make_petition):
    first, second = make_petition(), make_petition()
    month = timezone.localdate().strftime("%Y%m")
    assert first.tracking_number == f"MQ{month}-0001"
    assert second.tracking_number == f"MQ{month}-0002"


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("MQ202611-0042", "MQ202611-0042"),
        (" mq202611-0042 ", "MQ202611-0042"),
        ("MQ2026110042", "MQ202611-0042"),
        ("MQ202611－0042", "MQ202611-0042"),
        ("MQ202611-12345", "MQ202611-12345"),
        ("mqhx2026110042", "MQHX202611-0042"),
        ("MQHX202611-0042", "MQHX202611-0042"),
        ("202611-0042", ""),
        ("", ""),
    ],
)
def test_normalize_tracking_number(typed, number):
    assert normalize_tracking_number(typed) == number


@requires_postgres
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_never_share_a_number():
    """Eight clerks, four in each of two townships, press 登记 at the same moment."""
    from tests.petitions.conftest import make_category

    hexing = make_township("和兴镇", "HX", "MQHX")
    villages = {make_township(): make_village("和平村"), hexing: make_village("和兴村", township=hexing)}
    clerks = [
        (make_user(f"clerk{n}{township.code}", "reception", townships=[township]), village)
        for n in range(4)
        for township, village in villages.items()
    ]
    category = make_category(department=make_department("民政办"))
    barrier = threading.Barrier(len(clerks))
    errors: list[BaseException] = []

    def register(clerk, village):
        try:
            barrier.wait(timeout=10)
            workflow.petition_register(
                by=clerk, channel="visit", petitioner_name=clerk.username, category=category,
                summary="同时登记", content="两个乡镇的接待员同时保存", village=village,
            )  # fmt: skip
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=register, args=clerk) for clerk in clerks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    numbers = sorted(Petition.objects.values_list("tracking_number", flat=True))
    month = timezone.localdate().strftime("%Y%m")
    assert numbers == sorted(f"{prefix}{month}-{n:04d}" for prefix in ("MQ", "MQHX") for n in range(1, 5))
