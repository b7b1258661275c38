"""A petitioner's identity: who may see it, and how it is shown to everyone else (domain.md, privacy).

This module is the only home of both rules; every page, list, search, receipt, message, timeline, export
and public notice asks it.

**Who may see it.** For an accusation (检举控告) only the center (leaders, reception, admins) sees who the
petitioner is: not the handling departments, not the village liaisons (often the very cadres accused).
"Who" is more than the name: the phone, the ID number, the household and the representatives, and any
list that ties the case to a phone or a household (the repeat check, a household's timeline, a search by
name or phone). ``can_see_identity`` answers for one case, ``identity_visible`` for a queryset.

**How a name is masked.** For the public board and for files (the monthly report) a name is its surname
and 某: 张三 → 张某, compound surnames keep both characters (欧阳娜娜 → 欧阳某). Wherever the identity is
withheld altogether there is one label, ``HIDDEN``.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from minqing.access import Scope

#: The one label for an identity that is not shown (an accusation's petitioner, a minor on the board).
HIDDEN = "（身份保密）"

ADULT_AGE = 18

# 复姓: the common compound surnames (《百家姓》 and today's registers). A name starting with one of
# these keeps both characters: 欧阳娜娜 → 欧阳某.
COMPOUND_SURNAMES = frozenset(
    """
    欧阳 太史 端木 上官 司马 东方 独孤 南宫 万俟 闻人 夏侯 诸葛 尉迟 公羊 赫连 澹台 皇甫 宗政 濮阳 公冶
    太叔 申屠 公孙 慕容 仲孙 钟离 长孙 宇文 司徒 鲜于 司空 闾丘 子车 亓官 司寇 巫马 公西 颛孙 壤驷 公良
    漆雕 乐正 宰父 谷梁 拓跋 夹谷 轩辕 令狐 段干 百里 呼延 东郭 南门 羊舌 微生 公户 公玉 公仪 梁丘 公仲
    公上 公门 公山 公坚 左丘 公伯 西门 公祖 第五 公乘 贯丘 公皙 南荣 东里 东宫 仲长 子书 子桑 即墨 达奚
    褚师 吴铭 单于 淳于 呼衍 纳兰 叱干 完颜
    """.split()
)


# --- Who may see it --------------------------------------------------------------------------------


def _is_accusation(petition) -> bool:
    return petition.category.is_accusation


def can_see_identity(scope: Scope, petition) -> bool:
    """Whether ``scope`` may see the petitioner (name, phone, ID number, household, representatives)."""
    if scope.is_center:
        return True
    return not _is_accusation(petition)


def identity_visible(scope: Scope, prefix: str = "") -> Q:
    """The cases whose petitioner ``scope`` may see, as a filter on a Petition queryset (``prefix`` for a
    related one, e.g. ``"petition__"``). Lists that tie cases to a person — the repeat check by phone or
    household, a household's timeline, a search by name or phone — keep only these."""
    if scope.is_center:
        return Q()
    from petitions.models import Category

    # On the category id, without a join to the categories: a search ORs this with its indexed branches, and a
    # join there makes PostgreSQL read every case instead of using them.
    accusations = Category.objects.filter(kind=Category.Kind.ACCUSATION).values("pk")
    return ~Q(**{f"{prefix}category__in": accusations})


def petitioner_fields(scope: Scope, petition, *, representatives: bool = True) -> dict:
    """The petitioner as ``scope`` may see them: the real values, or ``HIDDEN`` for a confidential case.

    Keys: name, phone, id_number, household (a Household or None), representatives (a list of dicts
    with name/phone/id_number), hidden (bool). Reads ``petition.representatives.all()`` (prefetch it) unless
    ``representatives=False`` (lists).
    """
    if can_see_identity(scope, petition):
        return {
            "name": petition.petitioner_name,
            "phone": petition.petitioner_phone,
            "id_number": petition.petitioner_id_number,
            "household": petition.household,
            "representatives": [
                {"name": r.name, "phone": r.phone, "id_number": r.id_number} for r in petition.representatives.all()
            ]
            if representatives
            else [],
            "hidden": False,
        }
    return {"name": HIDDEN, "phone": "", "id_number": "", "household": None, "representatives": [], "hidden": True}


# --- How it is masked --------------------------------------------------------------------------------


def mask_name(name: str) -> str:
    """张三 → 张某; 欧阳娜娜 → 欧阳某; "" → "". The given name never appears."""
    name = (name or "").strip()
    if not name:
        return ""
    surname = name[:2] if len(name) > 2 and name[:2] in COMPOUND_SURNAMES else name[:1]
    return f"{surname}某"


def is_minor(petition, on: dt.date | None = None) -> bool:
    """Whether the petitioner was under 18 when the case came in, as far as their ID number tells."""
    from households.idcard import parse_id_number

    if not petition.petitioner_id_number:
        return False
    try:
        birth = parse_id_number(petition.petitioner_id_number).birth_date
    except ValidationError:
        return False
    on = on or timezone.localdate(petition.received_at)
    age = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
    return age < ADULT_AGE


def for_file(name: str, *, accusation: bool) -> str:
    """The petitioner in a file (the monthly report): masked, ``HIDDEN`` for an accusation."""
    return HIDDEN if accusation else mask_name(name)


def for_public(petition, *, consent: bool) -> str:
    """The petitioner as the board shows them: masked, the full name only with written consent, and
    ``HIDDEN`` for an accusation or a minor. A group visit (five or more people) adds the head count."""
    if _is_accusation(petition) or is_minor(petition):
        return HIDDEN
    name = petition.petitioner_name.strip() if consent else mask_name(petition.petitioner_name)
    if petition.head_count >= 5:
        name = f"{name}等{petition.head_count}人"
    return name


def may_consent(petition) -> str:
    """ "" when a written consent to show the full name may be recorded, else the reason in Chinese."""
    if _is_accusation(petition):
        return "检举控告类诉求的检举人信息一律保密，不能公开姓名。"
    if is_minor(petition):
        return "诉求人为未成年人，不能公开姓名。"
    return ""


# --- Text that gives the identity away ------------------------------------------------------------------

_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―－_.·()（）]+")


def plain_digits(text: str) -> str:
    """``text`` with full-width characters made ASCII (１３８ → 138) and separators between digits removed
    (0851-87654321 → 085187654321), so a number cannot hide behind its formatting."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", text or ""))


def mentioned_in(text: str, *, names: Iterable[str] = (), phones: Iterable[str] = ()) -> str:
    """The first of ``names`` (two characters or more) or ``phones`` that ``text`` contains, or "".
    Phones are compared digit for digit, whatever the formatting on either side."""
    for name in sorted({(n or "").strip() for n in names}):
        if len(name) >= 2 and name in (text or ""):
            return name
    digits = plain_digits(text)
    for phone in phones:
        phone_digits = re.sub(r"\D", "", plain_digits(phone))
        if len(phone_digits) >= 7 and phone_digits in digits:
            return phone
    return ""
