"""The front desk's one action: register a case and, in the same transaction, what the clerk chose to do
with it (submit for instruction, answer at the desk, link or merge a likely repeat).

Each step is a workflow function, so each leaves its own event; if any step fails nothing is saved.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from minqing.filters import as_id
from petitions import workflow
from petitions.models import Petition

SUBMIT, ANSWER, REGISTER = "submit", "answer", "register"


def parse_repeat_choice(value: str) -> tuple[str, int | None]:
    """ "link:12" / "merge:12" / "new" / "" → (verb, pk)."""
    verb, _, pk = (value or "").partition(":")
    if verb in ("link", "merge") and as_id(pk) is not None:
        return verb, as_id(pk)
    return ("new", None) if verb == "new" else ("", None)


def petition_intake(
    *,
    by,
    data: dict,
    attachments=(),
    repeat_of: Petition | None = None,
    merge_into: Petition | None = None,
    after_register: Callable[[Petition], None] | None = None,
) -> Petition:
    """Register from the intake form's cleaned ``data`` and apply its ``disposition``.

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
    petition.refresh_from_db()
    return petition
