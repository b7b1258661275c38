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
