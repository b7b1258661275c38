"""SMS senders. No gateway is wired in: the logging sender writes what would be sent.

A deployment with a gateway adds a class with the same ``send(phone, text)`` method and names it in
the ``MINQING_SMS_SENDER`` setting.
"""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("minqing.sms")


class LoggingSmsSender:
    """Writes each message to the log instead of sending it."""

    def send(self, phone: str, text: str) -> None:
        logger.info("SMS to %s: %s", phone, text)


def get_sms_sender():
    return import_string(getattr(settings, "MINQING_SMS_SENDER", "notifications.sms.LoggingSmsSender"))()
