"""What the public sees (domain.md, the public board and privacy; style.md B9).

The public pages, the Atom feed and the JSON never receive a ``Petition`` or a ``Publication``: they
render the plain dictionaries built here (the petitioner masked by ``petitions.identity``):

- ``public_notice(publication)``: one entry of the notice board (公示栏). The petitioner is a surname
  with 某 (张某, 欧阳某) unless a separate written consent is recorded; nobody at all for an accusation
  (检举控告) or a minor. No phone, ID number, household, tag or staff name is read.
- ``public_progress(petition)``: the progress lookup (办理进度查询): the states and dates in public
  wording, the reply once given; no instruction, internal note, reason or staff name.
- ``lookup_progress(number, phone4)``: the lookup itself; a wrong pair and an unknown number both give
  ``None``, after the same queries.

``public_text_problems`` screens what staff write for the board before the workflow publishes it.
"""

from __future__ import annotations

import datetime as dt
import re

from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone

from petitions import answers, identity
from petitions.choices import ROUTING_ACTIONS, Action, Channel, Status
from petitions.models import Petition, PetitionEvent, Publication, Reply
from petitions.numbers import normalize_tracking_number

_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
# 区号 + number: 0851-87654321, (010) 12345678, 0571 1234567 (separators removed first).
_LANDLINE = re.compile(r"(?<!\d)0\d{2,3}[2-9]\d{6,7}(?!\d)")
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_NOT_TEXT = re.compile(r"[\s\W_]+")


# --- The board ----------------------------------------------------------------------------------------


def board_queryset(township=None):
    """Every notice on the board of ``township`` (of the whole county: None), newest first, with what
    ``public_notice`` reads (one query)."""
    notices = Publication.objects.filter(is_published=True)
    if township is not None:
        notices = notices.filter(petition__township=township)
    return notices.select_related("petition__category", "petition__township", "village").order_by(
        "-published_at", "-pk"
    )


def public_notice(publication: Publication) -> dict:
    """One entry of the board, the feed and the JSON. The only place a notice is built."""
    petition = publication.petition
    return {
        "tracking_number": petition.tracking_number,
        "township": petition.township.name,
        "received_on": publication.received_on,
        "village": publication.village.name if publication.village_id else "",
        "subject": publication.subject,
        "petitioner": identity.for_public(petition, consent=publication.name_consent),
        "summary": publication.public_summary,
        "decision": publication.get_decision_display() if publication.decision else "",
        "result": publication.result,
        "department": publication.department_name,
        # 答复日期 for a replied case, 办结日期 only once it is closed.
        "replied_on": timezone.localdate(petition.replied_at) if petition.replied_at else None,
        "finished_on": timezone.localdate(petition.closed_at)
        if petition.status == Status.CLOSED and petition.closed_at
        else None,
        "published_at": publication.published_at,
        "url": reverse("public:notice", args=[petition.tracking_number]),
    }


def json_notice(notice: dict) -> dict:
    """A notice for the JSON: the same fields, dates as ISO strings."""
    return {
        key: (timezone.localtime(value) if isinstance(value, dt.datetime) else value).isoformat()
        if isinstance(value, dt.date)
        else value
        for key, value in notice.items()
    }


# --- Screening what staff write for the board -----------------------------------------------------------


def _plain(text: str) -> str:
    return _NOT_TEXT.sub("", text or "")


def public_text_problems(petition: Petition, texts: dict[str, str]) -> dict[str, str]:
    """What is wrong with the public summary and result staff wrote, by field ("" fields are skipped).

    Refused: the petitioner's own words unedited (the case's summary or content, or the content copied
    whole), a name of the petitioner, a representative or a member of their household, a phone or ID
    number, and the name of a sensitive tag (低保户, 残疾人 …).
    """
    from households.models import Person, Tag

    names = {petition.petitioner_name, *(r.name for r in petition.representatives.all())}
    if petition.household_id:
        names.add(petition.household.head_name)
        names.update(Person.objects.filter(household_id=petition.household_id).values_list("name", flat=True))
    names = {name.strip() for name in names}
    sensitive = list(Tag.objects.filter(sensitive=True).values_list("name", flat=True))
    own = [_plain(petition.summary), _plain(petition.content)]
    problems: dict[str, str] = {}
    for field, text in texts.items():
        plain = _plain(text)
        if not plain:
            continue
        digits = identity.plain_digits(text)
        found = identity.mentioned_in(text, names=names, phones=[petition.petitioner_phone])
        if plain in own or (len(own[1]) >= 8 and own[1] in plain):
            problems[field] = "不得照录诉求人原话：请改写为面向公众的摘要。"
        elif found and found in names:
            problems[field] = f"公示内容不得出现诉求人或其家庭成员的姓名（{found}）。"
        elif found or _MOBILE.search(digits) or _LANDLINE.search(digits) or _ID_NUMBER.search(digits):
            problems[field] = "公示内容不得出现电话号码或身份证号。"
        elif tag := next((t for t in sensitive if t in text), None):
            problems[field] = f"公示内容不得出现“{tag}”等家庭或人员类别（敏感个人信息）。"
    return problems


# --- Progress lookup -------------------------------------------------------------------------------------

#: action → the step as the petitioner reads it. Actions not listed (notes, requests, supervision,
#: unpublishing) are internal and never shown.
PUBLIC_STEPS = {
    Action.REGISTER: "已登记受理",
    Action.ANSWER_AT_DESK: "已当场答复",
    Action.SUBMIT: "已呈报中心领导批示",
    Action.REFER_TO_VILLAGE: "已转村两委分析处理",
    Action.SETTLE_IN_VILLAGE: "已在村化解并答复",
    Action.SEND_UP: "村两委已上报乡镇，待中心领导批示",
    Action.ROUTE: "已交承办单位办理",
    Action.HAND_UP: "已移交县直单位办理",
    Action.SIGN: "承办单位已签收，正在办理",
    Action.RETURN_CASE: "正在重新确定承办单位",
    Action.APPROVE_EXTENSION: "办理期限已延长",
    Action.REPLY: "已答复",
    Action.REVISIT: "已回访",
    Action.CLOSE_WITH_REASON: "已办结",
    Action.NOT_ACCEPT: "不予受理",
    Action.MERGE: "与同一事项的诉求合并办理",
    Action.WITHDRAW: "已撤回",
    Action.PUBLISH: "已在公示栏公示",
}


def _step_detail(event: PetitionEvent) -> str:
    data = event.data or {}
    if event.action == Action.REGISTER and data.get("channel") in Channel.values:
        return f"来源：{Channel(data['channel']).label}"
    if event.action in ROUTING_ACTIONS and data.get("lead_department"):
        return f"承办单位：{data['lead_department']['name']}"
    if event.action in (Action.REPLY, Action.ANSWER_AT_DESK, Action.SETTLE_IN_VILLAGE) and (
        data.get("decision") in Reply.Decision.values
    ):
        return f"答复结论：{Reply.Decision(data['decision']).label}"
    if event.action == Action.APPROVE_EXTENSION and data.get("finish_by"):
        return f"法定办结期限延至 {data['finish_by']}"
    if event.action == Action.REVISIT:
        if data.get("back_to_village"):
            return "群众不满意，转村两委重新处理"
        return "群众不满意，重新办理" if data.get("reopened") else "问题已解决，已办结"
    if event.action == Action.NOT_ACCEPT and data.get("directed_to"):
        return f"请通过以下途径反映：{data['directed_to']}"
    return ""


def public_progress(petition: Petition) -> dict:
    """The lookup's answer for one case. Prefetch ``events`` and ``replies__department`` (see ``lookup_progress``)."""
    events = sorted(petition.events.all(), key=lambda e: (e.created_at, e.pk))
    steps = []
    for event in events:
        if event.action not in PUBLIC_STEPS:
            continue
        when = petition.received_at if event.action == Action.REGISTER else event.created_at
        steps.append(
            {"date": timezone.localtime(when), "label": PUBLIC_STEPS[event.action], "detail": _step_detail(event)}
        )
    reply = next(iter(petition.replies.all()), None)
    center = petition.township.center_name
    if petition.settled_in_village and petition.village_id:  # settled by a village with no committee set up
        center = f"{petition.village.name}两委"
    open_case = petition.status not in (Status.CLOSED, Status.NOT_ACCEPTED, Status.MERGED, Status.WITHDRAWN)
    return {
        "tracking_number": petition.tracking_number,
        "received_on": timezone.localdate(petition.received_at),
        "village": petition.village.name if petition.village_id else "",
        "subject": petition.category.subject,
        "status": Status(petition.status).label,
        "status_code": petition.status,
        "finish_by": petition.finish_by if open_case and petition.status != Status.REPLIED else None,
        "review_by": petition.review_by if petition.status == Status.REPLIED else None,
        "steps": steps,
        "reply": {
            "date": timezone.localdate(reply.created_at),
            "department": reply.department.name if reply.department_id else center,
            "decision": reply.get_decision_display(),
            "facts": reply.facts,
            "basis": reply.basis,
            "content": reply.content,
        }
        if reply
        else None,
        # 公开反馈 answering this case together with the others of its kind (petitions/answers.py).
        "answers": answers.public_answers_for(petition),
    }


def phone_last4(phone: str) -> str:
    digits = re.sub(r"\D", "", phone or "")
    return digits[-4:] if len(digits) >= 4 else ""


def lookup_progress(number: str, phone4: str, township=None) -> dict | None:
    """The progress of case ``number`` if ``phone4`` is the last four digits of the phone given at intake;
    ``None`` for a wrong pair and for a number that does not exist alike (or, on a township's page, that is
    another township's). A case with no phone on record cannot be looked up."""
    number = normalize_tracking_number(number)
    phone4 = (phone4 or "").strip()
    if not number or not re.fullmatch(r"\d{4}", phone4):
        return None
    cases = Petition.objects.all() if township is None else Petition.objects.filter(township=township)
    petition = (
        cases.select_related("category", "village", "township")
        .prefetch_related(
            Prefetch("events", queryset=PetitionEvent.objects.only("petition_id", "action", "created_at", "data")),
            Prefetch("replies", queryset=Reply.objects.select_related("department")),
        )
        .filter(tracking_number=number)
        .first()
    )
    if petition is None or phone_last4(petition.petitioner_phone) != phone4:
        return None
    return public_progress(petition)


def month_range(value: str) -> tuple[dt.date, dt.date] | None:
    """ "2026-11" → (2026-11-01, 2026-12-01); None for anything else."""
    match = re.fullmatch(r"(\d{4})-(\d{1,2})", (value or "").strip())
    if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < 2000:
        return None
    year, month = int(match[1]), int(match[2])
    start = dt.date(year, month, 1)
    return start, dt.date(year + month // 12, month % 12 + 1, 1)
