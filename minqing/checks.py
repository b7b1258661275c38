"""System checks of Minqing's own settings (``manage.py check --deploy``)."""

from django.conf import settings
from django.core.checks import Warning, register


@register("minqing", deploy=True)
def public_base_url_is_set(app_configs, **kwargs):
    """Receipts and contact cards print the public address as a QR code, and emails link to it. Without
    PUBLIC_BASE_URL it is taken from each request, which behind some proxies is an internal name, and emails
    sent by the worker carry no link at all."""
    if settings.DEBUG or settings.MINQING.get("PUBLIC_BASE_URL"):
        return []
    return [
        Warning(
            "PUBLIC_BASE_URL is not set: receipts and contact cards print the address each page was asked on, "
            "and emails carry no link.",
            hint="Set PUBLIC_BASE_URL to the address people use, e.g. https://minqing.example.gov.cn "
            "(or http://10.0.0.5 on a plain-HTTP intranet).",
            id="minqing.W001",
        )
    ]
