"""The move of a single-township installation into the county network (households 0005–0006, petitions 0011–0012):
nothing is lost or renumbered, the center's staff keep their township, and numbering goes on where it was."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [
    ("households", "0004_search_ngrams"),
    ("petitions", "0010_publication_dates_from_the_case"),
    ("dashboards", "0003_monthlyreport_heartbeat_at"),
    ("minqing", "0001_roles"),
]
AFTER = [("households", "0006_townships_required"), ("petitions", "0012_townships_required")]


@pytest.mark.django_db(transaction=True)
def test_a_one_township_database_keeps_every_row_number_and_event(settings):
    settings.MINQING = {**settings.MINQING, "CENTER_NAME": "鼎新乡民情信息中心", "CENTER_HOTLINE": "0851-12345678"}
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        old = executor.loader.project_state(BEFORE).apps
        User, Group = old.get_model("auth", "User"), old.get_model("auth", "Group")
        leader = User.objects.create(username="leader", first_name="李建国")
        leader.groups.add(Group.objects.get_or_create(name="leader")[0])
        liaison = User.objects.create(username="liaison")
        liaison.groups.add(Group.objects.get_or_create(name="liaison")[0])
        village = old.get_model("households", "Village").objects.create(name="和平村")
        household = old.get_model("households", "Household").objects.create(
            village=village, household_no="001", head_name="张三"
        )
        department = old.get_model("petitions", "Department").objects.create(name="民政办", kind="office")
        category = old.get_model("petitions", "Category").objects.create(
            kind="help", subject="低保", default_department=department
        )
        received = timezone.make_aware(dt.datetime(2026, 11, 5, 10))
        Petition = old.get_model("petitions", "Petition")
        petitions = [
            Petition.objects.create(
                tracking_number=f"MQ202611-{n:04d}",
                channel="visit",
                received_at=received,
                petitioner_name="张三",
                household=household,
                village=village if n < 3 else None,
                category=category,
                summary="申请低保",
                content="家庭困难。",
                status="registered",
                created_by=leader,
            )  # fmt: skip
            for n in range(1, 4)
        ]
        Event = old.get_model("petitions", "PetitionEvent")
        for p in petitions:
            Event.objects.create(petition=p, action="register", to_status="registered", actor=leader)
        old.get_model("petitions", "TrackingCounter").objects.create(month="202611", last_number=3)

        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        new = executor.loader.project_state(AFTER).apps
        Township = new.get_model("households", "Township")
        township = Township.objects.get()
        assert (township.name, township.number_prefix, township.center_name, township.hotline) == (
            "鼎新乡", "MQ", "鼎新乡民情信息中心", "0851-12345678",
        )  # fmt: skip
        assert list(new.get_model("households", "Village").objects.values_list("name", "township_id")) == [
            ("和平村", township.pk)
        ]
        assert new.get_model("households", "Household").objects.count() == 1
        assert list(new.get_model("petitions", "Department").objects.values_list("township_id", flat=True)) == [
            township.pk
        ]
        moved = new.get_model("petitions", "Petition").objects.order_by("pk")
        assert [(p.tracking_number, p.township_id) for p in moved] == [
            (f"MQ202611-{n:04d}", township.pk) for n in range(1, 4)
        ]  # the case with no village too
        assert new.get_model("petitions", "PetitionEvent").objects.count() == 3
        assert list(new.get_model("petitions", "TrackingCounter").objects.values_list("month", "last_number")) == [
            ("MQ202611", 3)
        ]
        # The center's staff keep their township; a liaison belongs through their villages.
        assert list(township.staff.values_list("username", flat=True)) == ["leader"]
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

    # Numbering goes on where it was, under the same prefix.
    from households.models import Township as Current
    from petitions.numbers import next_tracking_number

    later = timezone.make_aware(dt.datetime(2026, 11, 20, 9))
    assert next_tracking_number(later, Current.objects.get()) == "MQ202611-0004"
