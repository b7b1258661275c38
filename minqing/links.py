"""The site's public address, for what leaves the screen: the QR codes and addresses printed on receipts and
contact cards, and the links in emails. Everybody asks ``public_base_url``.

``PUBLIC_BASE_URL`` when it is set (with DEBUG=0 ``check --deploy`` warns when it is not); otherwise the
address the page was asked on, so ``make run PORT=8101`` prints http://127.0.0.1:8101. Outside a request (a
task sending an email) and without the setting there is no address: "".
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def public_base_url(request: HttpRequest | None = None) -> str:
    """``https://minqing.example.gov.cn`` — no trailing slash; "" when nothing says what it is."""
    configured = settings.MINQING.get("PUBLIC_BASE_URL", "")
    if configured:
        return configured.rstrip("/")
    if request is not None:
        return request.build_absolute_uri("/").rstrip("/")
    return ""
