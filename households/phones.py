"""Phone numbers as people write them: full-width digits, spaces, dashes, a leading +86."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

_FULLWIDTH = str.maketrans("０１２３４５６７８９＋－（）", "0123456789+-()")
MOBILE = re.compile(r"^1[3-9]\d{9}$")
# Area code 0 + 2-3 digits, then a 7-8 digit number (010-12345678, 0851-1234567).
LANDLINE = re.compile(r"^0\d{2,3}\d{7,8}$")


def normalize_phone(value: str) -> str:
    """Return the digits of a mainland phone number, or raise ValidationError in Chinese."""
    raw = (value or "").translate(_FULLWIDTH).strip()
    digits = re.sub(r"[\s\-()（）.]", "", raw)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if MOBILE.match(digits) or LANDLINE.match(digits):
        return digits
    raise ValidationError(
        "电话号码格式不正确：手机号为1开头的11位数字，座机需带区号（如0851-12345678）。",
        code="phone",
    )


def validate_phone(value: str) -> None:
    if value:
        normalize_phone(value)
