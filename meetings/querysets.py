"""Reads of the meetings: who sees which meeting, and the month's calendar."""

from __future__ import annotations

import datetime as dt

from django.apps import apps
from django.db import models
from django.db.models import Q

from minqing.access import Scope


class MeetingQuerySet(models.QuerySet):
    def visible_to(self, scope: Scope):
        """The county and a superuser read every meeting; leaders and admins their townships' (every level); a
        handler those of their departments (an office, a village committee's village meetings); a liaison their
        villages'; and everyone the meetings they chair, record or attend. The front desk holds none."""
        if scope.sees_every_township:
            return self
        if not scope.is_authenticated:
            return self.none()
        q = Q(chair_id=scope.user_id) | Q(secretary_id=scope.user_id)
        Meeting = apps.get_model("meetings", "Meeting")
        q |= Q(pk__in=Meeting.attendees.through.objects.filter(user_id=scope.user_id).values("meeting_id"))
        if scope.is_leader or scope.is_admin:
            q |= Q(township_id__in=scope.township_ids)
        if scope.is_handler and scope.department_ids:
            q |= Q(department_id__in=scope.department_ids)
        if scope.is_liaison and scope.village_ids:
            q |= Q(level="village", village_id__in=scope.village_ids)
        return self.filter(q)

    def in_month(self, year: int, month: int):
        first = dt.date(year, month, 1)
        after = dt.date(year + month // 12, month % 12 + 1, 1)
        return self.filter(date__gte=first, date__lt=after)

    def not_held_by_date(self, today: dt.date):
        """Planned meetings whose date has passed: the leader's desk shows them."""
        return self.filter(status="planned", date__lt=today)

    def with_page_data(self):
        return self.select_related("kind", "township", "village", "department", "chair", "secretary")
