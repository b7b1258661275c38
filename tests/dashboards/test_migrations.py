"""The move to monthly reports per township (dashboards 0006–0007): the reports built before belong to the single
township there was; afterwards one report per township and month, and one county workbook per month."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("dashboards", "0005_summary_township")]
AFTER = [("dashboards", "0007_monthlyreport_one_per_township")]


@pytest.mark.django_db(transaction=True)
def test_existing_reports_move_into_the_default_township_and_stay_one_per_place_and_month():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        old = executor.loader.project_state(BEFORE).apps
        township = old.get_model("households", "Township").objects.create(
            name="鼎新乡", code="DX", number_prefix="MQ", center_name="鼎新乡民情信息中心"
        )
        reports = old.get_model("dashboards", "MonthlyReport").objects
        reports.create(year=2026, month=3, status="ready")
        reports.create(year=2026, month=4, status="failed")

        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        MonthlyReport = executor.loader.project_state(AFTER).apps.get_model("dashboards", "MonthlyReport")
        assert set(MonthlyReport.objects.values_list("township_id", "year", "month", "status")) == {
            (township.pk, 2026, 3, "ready"),
            (township.pk, 2026, 4, "failed"),
        }
        MonthlyReport.objects.create(township_id=None, year=2026, month=3)  # the county workbook: a row of its own
        for place in (township.pk, None):  # … but only one of each per month
            with pytest.raises(IntegrityError), transaction.atomic():
                MonthlyReport.objects.create(township_id=place, year=2026, month=3)
        other = executor.loader.project_state(AFTER).apps.get_model("households", "Township")
        other = other.objects.create(name="和兴镇", code="HX", number_prefix="MQHX", center_name="和兴镇民情信息中心")
        MonthlyReport.objects.create(township_id=other.pk, year=2026, month=3)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
