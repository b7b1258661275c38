"""Login throttling (django-axes) on two counts: one username from one address, and one username from anywhere.

A guesser at one address is stopped after ``AXES_FAILURE_LIMIT`` (5) wrong passwords for a username. A guesser
with many addresses is stopped after ``AXES_USERNAME_FAILURE_LIMIT`` (20) wrong passwords for a username from
all addresses together, within the same cool-off. The second limit is higher so that nobody can lock a leader
out of the system with five tries from anywhere.

axes counts both groups of ``AXES_LOCKOUT_PARAMETERS`` (``[["username", "ip_address"], "username"]``) and
compares their maximum with one limit; ``get_failures`` here scales the username-wide count to that limit.
"""

from __future__ import annotations

import math

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from django.conf import settings
from django.db.models import Sum


class LoginThrottle(AxesDatabaseHandler):
    def get_failures(self, request, credentials: dict | None = None) -> int:
        pair, username = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        limit = get_failure_limit(request, credentials)
        per_username = max(settings.AXES_USERNAME_FAILURE_LIMIT, limit)
        return max(pair, math.floor(username * limit / per_username))
