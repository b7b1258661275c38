"""How the ledger tidies what people type or paste from Excel. Used by the forms and the importer alike,
so a value saved by hand and the same value imported compare equal."""

from __future__ import annotations

import datetime as dt
import re

_SPACES = re.compile(r"[\s\u3000]+")
_CJK = r"[\u3400-\u9fff\uf900-\ufaff·]"
_CJK_GAP = re.compile(rf"(?<={_CJK})\s+(?={_CJK})")
_FULLWIDTH = str.maketrans(
    "０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ－",
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-",
)
#: Tags in one cell: 、，, / ; or spaces between them.
TAG_SEPARATORS = re.compile(r"[、，,/／;；\s\u3000]+")
_SIZE = re.compile(r"^(\d+)\s*(人|口)?$")


def cell_text(value) -> str:
    """A cell's value as text: integral floats lose their ``.0``, full-width spaces count as spaces."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, dt.datetime | dt.date):
        value = value.strftime("%Y-%m-%d")
    return str(value).replace("\u3000", " ").strip()


def clean_name(value) -> str:
    """``" 张  三 "`` → ``"张三"`` (ledgers pad two-character names); Latin names keep one space."""
    text = cell_text(value)
    return _SPACES.sub(" ", _CJK_GAP.sub("", text)).strip()


def clean_code(value) -> str:
    """A household number or similar code: half-width, no spaces."""
    return _SPACES.sub("", cell_text(value).translate(_FULLWIDTH))


def parse_size(value) -> int | None:
    """家庭人口 as written: ``5``, ``5.0``, ``"5人"``, ``"５ 人"``. Blank is None; anything else raises ValueError."""
    text = clean_code(value)
    if not text:
        return None
    match = _SIZE.match(text)
    if not match or int(match.group(1)) < 1:
        raise ValueError(text)
    return int(match.group(1))


def split_tags(value) -> list[str]:
    """``"低保户、脱贫户 / 监测户"`` → ``["低保户", "脱贫户", "监测户"]`` (order kept, repeats dropped)."""
    names = [name for name in TAG_SEPARATORS.split(cell_text(value)) if name]
    return list(dict.fromkeys(names))


_CHINESE_DIGITS = dict(zip("零〇一二两三四五六七八九", (0, 0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9), strict=True))
_NUMBERED_GROUP = re.compile(r"^第?([0-9零〇一二两三四五六七八九十百]+)(?:村民小组|小组|组)?$")


def _chinese_number(text: str) -> int | None:
    """``"12"`` → 12, ``"十二"`` → 12, ``"二十"`` → 20, ``"一百零三"`` → 103, ``"一二"`` → 12; else None."""
    if text.isdigit():
        return int(text)
    if "十" not in text and "百" not in text:
        digits = [_CHINESE_DIGITS.get(ch) for ch in text]
        return None if None in digits else int("".join(map(str, digits)))
    total, current = 0, 0
    for ch in text:
        if ch in ("十", "百"):
            unit = 10 if ch == "十" else 100
            total += (current or 1) * unit
            current = 0
        elif ch in _CHINESE_DIGITS:
            current = _CHINESE_DIGITS[ch]
        else:
            return None
    return total + current


def group_key(name) -> str:
    """What a village group's name means, for matching: ``第一组``, ``一组``, ``1组``, ``１组``, ``第1小组`` and
    ``一村民小组`` are all ``"1组"``; a name that is not a number (``新村组``) is only tidied. The ledger keeps the name
    as people wrote it; the importer and the group form compare names through this function."""
    text = clean_code(value=name)
    match = _NUMBERED_GROUP.match(text)
    number = _chinese_number(match.group(1)) if match else None
    return f"{number}组" if number is not None else text
