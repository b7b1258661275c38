"""Whether a meeting's decisions were done by their dates (the follow-up the next meeting opens with).

The one rule, read by the meeting page, the minutes and the next meeting's follow-up items:

- 在村化解 and 上报乡镇 are done when decided: the decision itself moved the case.
- A decision on a case otherwise (交办, 移交县直单位, 督办, 研究决定) is done when the case was next answered or
  finished — its first event after the decision that moved it into 已答复, 已办结, 不予受理, 已合并 or 已撤回.
- A decision without a case (限期落实) is done when its owner ticked it off (``completed_on``).

Done on or before ``due_on`` is 按期完成, after it 逾期完成; not done is 未到期 until ``due_on`` and 逾期未完成 after.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import F
from django.utils import timezone

from meetings.models import Decision, DecisionAction
from petitions.choices import FINISHED_STATUSES, Status
from petitions.models import PetitionEvent

#: The states in which a case's matter counts as answered for a decision's follow-up.
ANSWERED = frozenset({Status.REPLIED, *FINISHED_STATUSES})
AT_ONCE = frozenset({DecisionAction.SETTLE_IN_VILLAGE, DecisionAction.SEND_UP})


@dataclass(frozen=True)
class Outcome:
    done_on: dt.date | None
    due_on: dt.date
    today: dt.date

    @property
    def done(self) -> bool:
        return self.done_on is not None

    @property
    def on_time(self) -> bool:
        return self.done_on is not None and self.done_on <= self.due_on

    @property
    def overdue(self) -> bool:
        return self.done_on is None and self.today > self.due_on

    @property
    def label(self) -> str:
        if self.done:
            return "按期完成" if self.on_time else "逾期完成"
        return "逾期未完成" if self.overdue else "未到期"

    @property
    def colour(self) -> str:
        if self.done:
            return "success" if self.on_time else "warning"
        return "danger" if self.overdue else "secondary"


def outcomes(decisions: Iterable[Decision], today: dt.date | None = None) -> dict[int, Outcome]:
    """decision id → its ``Outcome`` today. One query for the decisions on cases, none for the others."""
    today = today or timezone.localdate()
    decisions = list(decisions)
    waiting = [d for d in decisions if d.item.petition_id and d.action not in AT_ONCE]
    answered: dict[int, list] = {}
    if waiting:
        since = min(d.decided_at for d in waiting)
        events = (
            PetitionEvent.objects.filter(
                petition_id__in={d.item.petition_id for d in waiting}, created_at__gte=since, to_status__in=ANSWERED
            )
            .exclude(from_status=F("to_status"))  # a move into those states, not a note on a replied case
            .order_by("created_at", "pk")
            .values_list("petition_id", "created_at")
        )
        for petition_id, at in events:
            answered.setdefault(petition_id, []).append(at)
    out = {}
    for d in decisions:
        if d.action in AT_ONCE:
            done = timezone.localdate(d.decided_at)
        elif d.item.petition_id:
            done = next(
                (timezone.localdate(at) for at in answered.get(d.item.petition_id, []) if at >= d.decided_at), None
            )
        else:
            done = d.completed_on
        out[d.pk] = Outcome(done, d.due_on, today)
    return out
