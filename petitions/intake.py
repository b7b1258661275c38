"""The front desk's one action: register a case and, in the same transaction, what the clerk chose to do
with it (submit for instruction, answer at the desk, link or merge a likely repeat).

Each step is a workflow function, so each leaves its own event; if any step fails nothing is saved.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from minqing.filters import as_id
from petitions import workflow
from petitions.choices import Channel
from petitions.models import Petition

SUBMIT, VILLAGE, ANSWER, REGISTER = "submit", "village", "answer", "register"


def parse_repeat_choice(value: str) -> tuple[str, int | None]:
    """ "link:12" / "merge:12" / "new" / "" → (verb, pk)."""
    verb, _, pk = (value or "").partition(":")
    if verb in ("link", "merge") and as_id(pk) is not None:
        return verb, as_id(pk)
    return ("new", None) if verb == "new" else ("", None)


def record_duty(petition: Petition, *, by, leader=None) -> None:
    """Who was on duty when the case came in (duty.rota, for the day it was received): the 接访领导 the desk chose
    (pre-filled with the day's 带班领导), the 座班接待 clerk for a walk-in (the registering clerk when on the desk
    rota, else the first on it), and the 民心电话值守 attendant for a phone case."""
    from duty import rota

    day = timezone.localdate(petition.received_at)
    fields = {"received_by_leader": leader}
    if petition.channel == Channel.VISIT:
        fields["desk_attendant"] = rota.desk_attendant(petition.township_id, day, user=by)
    if petition.channel == Channel.PHONE:
        fields["hotline_attendant"] = rota.hotline_attendant(petition.township_id, day)
    fields = {k: v for k, v in fields.items() if v is not None}
    if fields:
        Petition.objects.filter(pk=petition.pk).update(**{f"{k}_id": v.pk for k, v in fields.items()})


def petition_intake(
    *,
    by,
    data: dict,
    attachments=(),
    repeat_of: Petition | None = None,
    merge_into: Petition | None = None,
    after_register: Callable[[Petition], None] | None = None,
) -> Petition:
    """Register from the intake form's cleaned ``data`` and apply its ``disposition`` (submit for instruction, first
    to the village for its analysis, answer at the desk, or nothing yet).

    ``repeat_of`` marks the new case as a repeat (重复访) of an earlier one; ``merge_into`` registers it and
    merges it into that case at once (the duplicate is kept, with its own history). ``after_register`` runs in
    the same transaction (a visit links the new case to itself).
    """
    with transaction.atomic():
        petition = workflow.petition_register(
            by=by,
            channel=data["channel"],
            received_at=data.get("received_at"),
            petitioner_name=data["petitioner_name"],
            petitioner_phone=data.get("petitioner_phone", ""),
            petitioner_id_number=data.get("petitioner_id_number", ""),
            household=data.get("household"),
            village=data.get("village"),
            township=data.get("township"),
            category=data["category"],
            summary=data["summary"],
            content=data["content"],
            head_count=data.get("head_count") or 1,
            representatives=data.get("representatives", ()),
            is_urgent=data.get("is_urgent", False),
            is_skip_level=data.get("is_skip_level", False),
            repeat_of=repeat_of or merge_into,
            attachments=attachments,
        )
        record_duty(petition, by=by, leader=data.get("received_by_leader"))
        if after_register is not None:
            after_register(petition)
        if merge_into is not None:
            workflow.petition_merge(petition=petition, by=by, into=merge_into, note="登记时确认为重复诉求，予以合并。")
        elif data.get("disposition") == ANSWER:
            workflow.petition_answer_at_desk(
                petition=petition,
                by=by,
                facts=data["reply_facts"],
                decision=data["reply_decision"],
                basis=data.get("reply_basis", ""),
                delivery=data["reply_delivery"],
            )
        elif data.get("disposition") == SUBMIT:
            workflow.petition_submit(petition=petition, by=by)
        elif data.get("disposition") == VILLAGE:
            workflow.petition_refer_to_village(petition=petition, by=by)
    petition.refresh_from_db()
    return petition
