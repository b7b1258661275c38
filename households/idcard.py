"""Resident ID numbers (GB 11643-1999): 18 characters, a birth date, a MOD 11-2 check character."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
FULLWIDTH = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789XX")
# GB 11643's own example is born in 1880; anything before 1800 is a typing error.
EARLIEST_BIRTH_YEAR = 1800
_SHAPE = re.compile(r"^\d{17}[\dX]$")


@dataclass(frozen=True)
class IdCardInfo:
    number: str
    birth_date: dt.date
    sex: str  # "M" or "F"


def normalize_id_number(value: str) -> str:
    return re.sub(r"[\s\u3000\-]", "", (value or "").translate(FULLWIDTH)).upper()


def check_char(first17: str) -> str:
    return CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def parse_id_number(value: str) -> IdCardInfo:
    """Validate and read an ID number; raise ValidationError with a Chinese message."""
    number = normalize_id_number(value)
    if len(number) != 18:
        raise ValidationError(f"身份证号应为18位，当前为{len(number)}位。", code="id_length")
    if not _SHAPE.match(number):
        raise ValidationError("身份证号前17位应为数字，最后一位为数字或X。", code="id_chars")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(
            f"身份证号中的出生日期（{number[6:10]}-{number[10:12]}-{number[12:14]}）不存在。", code="id_birth"
        ) from None
    if birth.year < EARLIEST_BIRTH_YEAR or birth > dt.date.today():
        raise ValidationError(f"身份证号中的出生日期（{birth:%Y-%m-%d}）不合理。", code="id_birth")
    if check_char(number[:17]) != number[17]:
        raise ValidationError("身份证号校验位不正确，请核对。", code="id_check")
    sex = "M" if int(number[16]) % 2 == 1 else "F"
    return IdCardInfo(number=number, birth_date=birth, sex=sex)


def validate_id_number(value: str) -> None:
    if value:
        parse_id_number(value)


def id_number_for(region: str, birth: dt.date, sequence: int) -> str:
    """A well-formed ID number: 6-digit region, birth date, 3-digit sequence (odd = male), check character."""
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return first17 + check_char(first17)
