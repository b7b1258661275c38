"""notification_send: one inbox row per recipient, an email copy where the user has an address."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from minqing.links import public_base_url
from notifications.models import Notification

logger = logging.getLogger(__name__)


def notification_send(*, recipients: Iterable, kind: str, title: str, body: str = "", url: str = "") -> int:
    """Put a message in each recipient's inbox (once per user) and email it. Returns the number of recipients.

    A message is about one thing, its kind and its link (a case's page): a recipient who already has one about
    the same thing gets that one brought up to date, unread and on top again, not a second copy. So a case
    replied to again after an unsatisfied revisit asks each of them once for its revisit."""
    users = {user.pk: user for user in recipients if user is not None and user.is_active}
    if not users:
        return 0
    with transaction.atomic():
        renewed: set[int] = set()
        if url:
            same = Notification.objects.filter(recipient_id__in=users, kind=kind, url=url)
            renewed = set(same.values_list("recipient_id", flat=True))
            same.update(title=title, body=body, created_at=timezone.now(), read_at=None)
        Notification.objects.bulk_create(
            [
                Notification(recipient=user, kind=kind, title=title, body=body, url=url)
                for pk, user in users.items()
                if pk not in renewed
            ]
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


def notifications_settle(*, recipients: Iterable, url: str, kinds: Iterable[str] | None = None) -> int:
    """Mark read the unread messages of ``recipients`` about ``url`` (of ``kinds``, or of every kind): what they
    asked for has been done. Returns how many changed. Asking per recipient reads the inbox index."""
    ids = {user.pk for user in recipients if user is not None}
    if not ids:
        return 0
    query = Q(recipient_id__in=ids, url=url, read_at__isnull=True)
    if kinds is not None:
        query &= Q(kind__in=list(kinds))
    return Notification.objects.filter(query).update(read_at=timezone.now())
