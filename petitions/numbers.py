"""Tracking numbers (受理编号) like ``MQDX202611-0042``: the township's prefix, the month, a sequence per
prefix and month, never given twice.

Each township has its own prefix (``Township.number_prefix``, letters only), so two townships registering at
the same moment never collide: the letters end where the six digits of the month begin. An installation that
served one township before townships existed keeps the prefix ``MQ`` and its numbers (MQ202611-0042).

One ``TrackingCounter`` row per prefix and month is created if missing (INSERT … ON CONFLICT DO NOTHING) and
bumped with ``UPDATE … SET last_number = last_number + 1``. The update locks the row until the caller's
transaction ends, so two clerks of one township saving at the same moment queue on it (PostgreSQL row lock;
SQLite runs every transaction IMMEDIATE), and a rolled-back registration gives its number back.
"""

from __future__ import annotations

import datetime as dt
import re

from django.db import transaction
from django.db.models import F
from django.utils import timezone

PATTERN = re.compile(r"^([A-Z]{2,8})(\d{6})-(\d{4,})$")


def month_key(when: dt.datetime) -> str:
    return timezone.localtime(when).strftime("%Y%m") if timezone.is_aware(when) else when.strftime("%Y%m")


def next_tracking_number(when: dt.datetime, township) -> str:
    """The next number of ``township`` in the month ``when`` falls in (local time). Call inside the registering
    transaction."""
    from petitions.models import TrackingCounter

    key = f"{township.number_prefix}{month_key(when)}"
    with transaction.atomic():
        TrackingCounter.objects.bulk_create([TrackingCounter(month=key)], ignore_conflicts=True)
        TrackingCounter.objects.filter(month=key).update(last_number=F("last_number") + 1)
        number = TrackingCounter.objects.filter(month=key).values_list("last_number", flat=True).get()
    return f"{key}-{number:04d}"


def normalize_tracking_number(value: str) -> str:
    """What a person types (lower case, spaces, full-width dash) → ``MQDX202611-0042``; "" if it cannot be one."""
    text = (value or "").strip().upper().replace(" ", "").replace("－", "-").replace("—", "-")
    if match := re.fullmatch(r"([A-Z]{2,8})(\d{6})(\d{4,})", text):
        text = f"{match[1]}{match[2]}-{match[3]}"
    return text if PATTERN.match(text) else ""
