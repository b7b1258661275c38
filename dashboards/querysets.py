"""Reads of the dashboards' own rows: which stored monthly reports a scope sees."""

from __future__ import annotations

from django.db import models

from minqing.access import Scope


class MonthlyReportQuerySet(models.QuerySet):
    def visible_to(self, scope: Scope):
        """Leaders and admins see the reports of their townships; the county (县级) and a superuser every
        township's and the county workbook (no township); nobody else any. A report out of scope is a 404.
        ``dashboards.services.may_see_report`` is the same rule for one report, before its row exists."""

        if not scope.may_see_reports:
            return self.none()
        if scope.sees_every_township:
            return self
        return self.filter(township_id__in=scope.township_ids)

    def in_order(self):
        """Newest month first; in a month the county workbook, then the townships in their order."""
        return self.order_by(
            "-year",
            "-month",
            models.F("township__sort_order").asc(nulls_first=True),
            "township__name",
        )
