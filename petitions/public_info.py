"""The public side of the documents (issue 21): the contact directory (联系方式公开栏) and how a matter is handled
(工作流程图). Like ``petitions/public.py``, the pages render only the plain dictionaries built here.

The directory shows only what the township chose to publish (``DirectoryEntry.is_published``): a name, a post,
duties, villages and an office phone — never a petitioner, never an account's own phone. The flow page reads every
time limit from where it is configured: the categories and the township's own limits (``Category.limits_in``),
the statutory clock (``petitions.deadlines.setting``) and the revisit setting; no number is written here.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Prefetch

from households.models import Village
from petitions import deadlines
from petitions.models import Category, DirectoryEntry


def _entry(entry: DirectoryEntry) -> dict:
    return {
        "name": entry.display_name,
        "post": entry.post,
        "duties": entry.duties,
        "villages": [v.name for v in entry.villages.all()],
        "phone": entry.office_phone,
    }


def directory(township) -> dict:
    """One township's published directory: its leaders, its cadres, and each village's liaisons and contact
    cadres (every village is listed; one with nobody published says whom to call). Three queries."""
    entries = (
        DirectoryEntry.objects.filter(township=township, is_published=True)
        .select_related("user")
        .prefetch_related(Prefetch("villages", queryset=Village.objects.order_by("sort_order", "name")))
        .order_by("sort_order", "pk")
    )
    sections = {key: [] for key in DirectoryEntry.Section.values}
    by_village: dict[int, list[dict]] = {}
    for entry in entries:
        item = _entry(entry)
        sections[entry.section].append(item)
        if entry.section == DirectoryEntry.Section.VILLAGE:
            for village in entry.villages.all():
                by_village.setdefault(village.pk, []).append(item)
    villages = [
        {"name": v.name, "people": by_village.get(v.pk, [])}
        for v in Village.objects.filter(township=township).order_by("sort_order", "name")
    ]
    return {
        "township": township.name,
        "center": township.center_name,
        "hotline": township.hotline,
        "address": township.address,
        "leaders": sections[DirectoryEntry.Section.LEADER],
        "cadres": sections[DirectoryEntry.Section.CADRE],
        "villages": villages,
    }


def _reply_label(days: int) -> str:
    return "即办（当天答复）" if days == 0 else f"{days} 个工作日"


def time_limits(township=None) -> dict:
    """The time limits in force for a township's cases (the county's defaults for None): per subject the sign and
    reply limits in working days and whether the statutory clock applies; the statutory clock; the revisit."""
    rows = []
    for category in Category.objects.filter(is_active=True).select_related("default_department"):
        limits = category.limits_in(township.pk if township else None)
        rows.append(
            {
                "kind": category.get_kind_display(),
                "subject": category.subject,
                "sign_days": limits.sign_working_days,
                "reply_days": limits.reply_working_days,
                "reply_label": _reply_label(limits.reply_working_days),
                "statutory": category.statutory_applies,
            }
        )
    signs = sorted({r["sign_days"] for r in rows})
    replies = sorted({r["reply_days"] for r in rows})
    tiers = [
        {"label": _reply_label(days), "subjects": [r["subject"] for r in rows if r["reply_days"] == days]}
        for days in replies
    ]
    return {
        "rows": rows,
        "tiers": tiers,
        "sign": "、".join(str(d) for d in signs) if signs else "",
        "statutory": {
            "notice": deadlines.setting("STATUTORY_NOTICE_DAYS"),
            "finish": deadlines.setting("STATUTORY_FINISH_DAYS"),
            "extension": deadlines.setting("STATUTORY_EXTENSION_MAX_DAYS"),
            "review": deadlines.setting("STATUTORY_REVIEW_DAYS"),
        },
        "due_soon": deadlines.setting("DUE_SOON_WORKING_DAYS"),
        "revisit_after": settings.MINQING_REVISIT_AFTER_DAYS,
    }


def township_leaders_for(village, limit: int = 2) -> list[dict]:
    """The township's leaders for a village's contact cards, as the directory publishes them: those responsible for
    the village (包村领导) first, then the others in the directory's order; at most ``limit``."""
    entries = (
        DirectoryEntry.objects.filter(township_id=village.township_id, is_published=True, section="leader")
        .select_related("user")
        .prefetch_related("villages")
        .order_by("sort_order", "pk")
    )
    entries = sorted(entries, key=lambda e: village not in e.villages.all())
    return [_entry(e) for e in entries[:limit]]
