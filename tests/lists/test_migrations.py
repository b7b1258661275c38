"""visits 0005 / lists 0002: every visit marked 需要跟进 became an open item (text what was heard, owner the recorder,
due seven days after the visit) before the flag left the visit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("visits", "0004_contact_reports"), ("lists", "0001_initial")]
AFTER = [("visits", "0005_visit_sweep_remove_needs_follow_up")]


@pytest.mark.django_db(transaction=True)
def test_flagged_visits_become_open_items_and_the_flag_leaves():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        old = executor.loader.project_state(BEFORE).apps
        township = old.get_model("households", "Township").objects.create(
            name="鼎新乡", code="DX", number_prefix="MQ", center_name="鼎新乡民情信息中心"
        )
        village = old.get_model("households", "Village").objects.create(name="和平村", township=township)
        home = old.get_model("households", "Household").objects.create(
            village=village, household_no="HP-1", head_name="张德明"
        )
        recorder = old.get_model("auth", "User").objects.create(username="liaison")
        Visit = old.get_model("visits", "Visit")
        when = timezone.make_aware(dt.datetime(2026, 3, 10, 21, 30))
        flagged = Visit.objects.create(
            visited_at=when, village=village, heard="反映路灯不亮", needs_follow_up=True, created_by=recorder
        )
        flagged.households.add(home)
        Visit.objects.create(visited_at=when, village=village, heard="无事", needs_follow_up=False, created_by=recorder)

        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        new = executor.loader.project_state(AFTER).apps
        Item = new.get_model("lists", "Item")
        assert list(
            Item.objects.values_list("text", "owner_id", "visit_id", "household_id", "heard_on", "due_date", "status")
        ) == [("反映路灯不亮", recorder.pk, flagged.pk, home.pk, dt.date(2026, 3, 10), dt.date(2026, 3, 17), "open")]
        assert "needs_follow_up" not in {f.name for f in new.get_model("visits", "Visit")._meta.get_fields()}
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
