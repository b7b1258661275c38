"""公开反馈 (issue 21): one published answer for a class of cases — a subject in a village, say 大井村 饮水 —
written once by a leader of the township and shown on each linked case's public notice and progress lookup
("from solving one case to solving one kind of case", 从解决一件事到解决一类事).

This module is the one home of the rules: who may write an answer (``Scope.may_answer_for``), which cases it may
link (the township's own, not an accusation's, not a case merged into another), what its text may say (screened
for every linked case by ``petitions.public.public_text_problems``, so no petitioner's or family member's name,
phone, ID number or sensitive tag reaches the public), and the plain dictionary the public pages render.
"""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from minqing.access import Scope
from petitions.choices import Status
from petitions.models import Petition, PublicAnswer
from petitions.numbers import normalize_tracking_number

#: Cases an answer may not be linked to: merged into another case (the other one carries the answer).
UNLINKABLE_STATUSES = (Status.MERGED,)


def answers_visible_to(scope: Scope):
    """The answers a leader works with on the 公开反馈 pages: their townships' only."""
    return PublicAnswer.objects.filter(township_id__in=scope.township_ids).select_related(
        "township", "village", "category", "written_by"
    )


def parse_numbers(text: str) -> tuple[list[str], list[str]]:
    """Tracking numbers typed one a line (or separated by spaces, commas, 、) → (normalised numbers in order, the
    pieces that cannot be a tracking number)."""
    numbers, bad = [], []
    for piece in re.split(r"[\s,，、;；]+", text or ""):
        if not piece:
            continue
        number = normalize_tracking_number(piece)
        if not number:
            bad.append(piece)
        elif number not in numbers:
            numbers.append(number)
    return numbers, bad


def linkable_cases(township, numbers: list[str]) -> tuple[list[Petition], list[str]]:
    """The cases of ``township`` with these numbers, and a reason in Chinese for each number that cannot be linked.

    A number of another township and a number that does not exist get the same answer, so the form tells a leader
    nothing about another township's cases."""
    found = {
        p.tracking_number: p
        for p in Petition.objects.filter(township=township, tracking_number__in=numbers).select_related(
            "category", "household", "village"
        )
    }
    cases, problems = [], []
    for number in numbers:
        petition = found.get(number)
        if petition is None:
            problems.append(f"{number} 不是本乡镇（{township.name}）的诉求，不能关联。")
        elif petition.category.is_accusation:
            problems.append(f"{number} 是检举控告类诉求，不作公开反馈。")
        elif petition.status in UNLINKABLE_STATUSES:
            problems.append(f"{number} 已并入其他诉求，请关联它并入的那件。")
        else:
            cases.append(petition)
    return cases, problems


def text_problems(cases: list[Petition], texts: dict[str, str]) -> dict[str, str]:
    """What is wrong with the title and body for any of the linked cases (``public.public_text_problems``: no
    petitioner's or family member's name, no phone or ID number, no sensitive tag, not a petitioner's own words)."""
    from petitions.public import public_text_problems

    problems: dict[str, str] = {}
    for petition in cases:
        for field, message in public_text_problems(petition, texts).items():
            problems.setdefault(field, message)
    return problems


@transaction.atomic
def answer_save(
    *,
    scope: Scope,
    by,
    township,
    title: str,
    body: str,
    cases: list[Petition],
    village=None,
    category=None,
    is_published: bool = True,
    answer: PublicAnswer | None = None,
) -> PublicAnswer:
    """Create or change a 公开反馈 and set the cases it answers. Raises PermissionDenied for a user who may not
    answer for ``township`` (or for the answer's own township), ValidationError naming the field otherwise."""
    if not scope.may_answer_for(township.pk) or (answer is not None and not scope.may_answer_for(answer.township_id)):
        raise PermissionDenied("只有本乡镇的领导可以撰写公开反馈。")
    errors: dict[str, list[str]] = {}
    wrong = [p.tracking_number for p in cases if p.township_id != township.pk]
    if wrong:
        errors["cases"] = [f"{n} 不是本乡镇（{township.name}）的诉求，不能关联。" for n in wrong]
    if village is not None and village.township_id != township.pk:
        errors["village"] = ["请选择本乡镇的村。"]
    for field, message in text_problems(cases, {"title": title, "body": body}).items():
        errors.setdefault(field, []).append(message)
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    if answer is None:
        answer = PublicAnswer(township=township, written_by=by, created_at=now)
    answer.village, answer.category = village, category
    answer.title, answer.body, answer.is_published = title.strip(), body.strip(), is_published
    answer.updated_at = now
    answer.save()
    answer.petitions.set(cases)
    return answer


# --- What the public sees ----------------------------------------------------------------------------------


def public_answer(answer: PublicAnswer) -> dict:
    """One 公开反馈 as the public pages render it: no case, no petitioner, no staff name."""
    return {
        "title": answer.title,
        "village": answer.village.name if answer.village_id else "",
        "subject": answer.category.subject if answer.category_id else "",
        "body": answer.body,
        "date": timezone.localdate(answer.updated_at),
        "case_count": getattr(answer, "case_count", None),
    }


def public_answers_for(petition: Petition) -> list[dict]:
    """The published answers linked to ``petition``, newest first (one query)."""
    answers = petition.public_answers.filter(is_published=True).select_related("village", "category")
    return [public_answer(a) for a in answers.order_by("-updated_at", "-pk")]


def board_answers(township=None, limit: int = 5) -> list[dict]:
    """The newest published answers of a township (of the county: None) for the board, with their case counts."""
    from django.db.models import Count

    answers = PublicAnswer.objects.filter(is_published=True)
    if township is not None:
        answers = answers.filter(township=township)
    answers = answers.select_related("village", "category").annotate(case_count=Count("petitions"))
    return [public_answer(a) for a in answers.order_by("-updated_at", "-pk")[:limit]]
