"""notification_send: one inbox row per recipient, an email copy where the user has an address."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Q
from django.utils import timezone

from minqing.links import public_base_url
from notifications.models import Notification

logger = logging.getLogger(__name__)


def notification_send(*, recipients: Iterable, kind: str, title: str, body: str = "", url: str = "") -> int:
    """Put a message in each recipient's inbox (once per user) and email it. Returns the number of inbox rows."""
    users = {user.pk: user for user in recipients if user is not None and user.is_active}
    if not users:
        return 0
    Notification.objects.bulk_create(
        [Notification(recipient=user, kind=kind, title=title, body=body, url=url) for user in users.values()]
    )
    emails = [user.email for user in users.values() if user.email]
    if emails:
        base = public_base_url()
        link = f"{base}{url}" if url and base else ""
        try:
            send_mail(
                f"【民情信息中心】{title}",
                f"{body}\n\n{link}".strip(),
                settings.DEFAULT_FROM_EMAIL,
                emails,
            )
        except OSError:  # the inbox row is the record; a mail server outage must not lose it
            logger.exception("email for notification %r could not be sent", kind)
    return len(users)


def notification_mark_read(*, user, pk: int | None = None) -> int:
    """Mark one of the user's messages (or all, when pk is None) as read; returns how many changed."""
    query = Q(recipient=user, read_at__isnull=True)
    if pk is not None:
        query &= Q(pk=pk)
    return Notification.objects.filter(query).update(read_at=timezone.now())
