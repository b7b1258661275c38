"""Tracking numbers (受理编号) like ``MQ202611-0042``: sequential per month, never given twice.

One ``TrackingCounter`` row per month is created if missing (INSERT … ON CONFLICT DO NOTHING) and bumped
with ``UPDATE … SET last_number = last_number + 1``. The update locks the row until the caller's
transaction ends, so two clerks saving at the same moment queue on it (PostgreSQL row lock; SQLite runs
every transaction IMMEDIATE), and a rolled-back registration gives its number back.
"""

from __future__ import annotations

import datetime as dt
import re

from django.db import transaction
from django.db.models import F
from django.utils import timezone

PREFIX = "MQ"
PATTERN = re.compile(r"^MQ(\d{6})-(\d{4,})$")


def month_key(when: dt.datetime) -> str:
    return timezone.localtime(when).strftime("%Y%m") if timezone.is_aware(when) else when.strftime("%Y%m")


def next_tracking_number(when: dt.datetime) -> str:
    """The next number of the month ``when`` falls in (local time). Call inside the registering transaction."""
    from petitions.models import TrackingCounter

    key = month_key(when)
    with transaction.atomic():
        TrackingCounter.objects.bulk_create([TrackingCounter(month=key)], ignore_conflicts=True)
        TrackingCounter.objects.filter(month=key).update(last_number=F("last_number") + 1)
        number = TrackingCounter.objects.filter(month=key).values_list("last_number", flat=True).get()
    return f"{PREFIX}{key}-{number:04d}"


def normalize_tracking_number(value: str) -> str:
    """What a person types (lower case, spaces, full-width dash) → ``MQ202611-0042``; "" if it cannot be one."""
    text = (value or "").strip().upper().replace(" ", "").replace("－", "-").replace("—", "-")
    if re.fullmatch(r"MQ\d{10,}", text):
        text = f"{text[:8]}-{text[8:]}"
    return text if PATTERN.match(text) else ""
