"""The choices of the case pipeline, shared by models, querysets and the workflow (re-exported by models)."""

from django.db import models


class Status(models.TextChoices):
    """The states of domain.md. Colours (Bootstrap contextual names) are kept beside them, as NetBox's ChoiceSet."""

    REGISTERED = "registered", "已登记"
    # 待村处理 (village triage): a matter first heard in a village waits for the village committee's analysis,
    # which settles it there (在村化解 → replied) or sends it up to the township (上报乡镇 → awaiting_instruction).
    VILLAGE_TRIAGE = "village_triage", "待村处理"
    AWAITING_INSTRUCTION = "awaiting_instruction", "待批示"
    ASSIGNED = "assigned", "已交办"
    IN_PROGRESS = "in_progress", "办理中"
    REPLIED = "replied", "已答复"
    CLOSED = "closed", "已办结"
    NOT_ACCEPTED = "not_accepted", "不予受理"
    MERGED = "merged", "已合并"
    WITHDRAWN = "withdrawn", "已撤回"

    @classmethod
    def colour(cls, value: str) -> str:
        return STATUS_COLOURS.get(value, "secondary")


STATUS_COLOURS = {
    Status.REGISTERED: "secondary",
    Status.VILLAGE_TRIAGE: "warning",
    Status.AWAITING_INSTRUCTION: "warning",
    Status.ASSIGNED: "info",
    Status.IN_PROGRESS: "primary",
    Status.REPLIED: "success",
    Status.CLOSED: "dark",
    Status.NOT_ACCEPTED: "danger",
    Status.MERGED: "light",
    Status.WITHDRAWN: "light",
}

#: A case is open until it is closed or leaves by a side exit (群众不满意不销号: replied is still open).
FINISHED_STATUSES = frozenset({Status.CLOSED, Status.NOT_ACCEPTED, Status.MERGED, Status.WITHDRAWN})
OPEN_STATUSES = frozenset(set(Status) - FINISHED_STATUSES)
#: The states in which the township clock (sign_by / reply_by) runs against a department.
RUNNING_STATUSES = frozenset({Status.ASSIGNED, Status.IN_PROGRESS})


class Channel(models.TextChoices):
    VISIT = "visit", "来访"
    PHONE = "phone", "来电"
    LETTER = "letter", "来信"
    MAILBOX = "mailbox", "民意信箱"
    DOOR_VISIT = "door_visit", "走访"
    ONLINE = "online", "网上"


class Satisfaction(models.TextChoices):
    """A revisit's verdict (回访满意度); visits.Revisit uses the same values."""

    SATISFIED = "satisfied", "满意"
    BASICALLY_SATISFIED = "basically_satisfied", "基本满意"
    UNSATISFIED = "unsatisfied", "不满意"


class Action(models.TextChoices):
    """Every kind of event a case can have. The rules of each are the table at the top of workflow.py."""

    REGISTER = "register", "登记"
    ANSWER_AT_DESK = "answer_at_desk", "当场答复"
    SUBMIT = "submit", "提交批示"
    # Village triage (issue 17): the village committee analyses a matter first heard in the village.
    REFER_TO_VILLAGE = "refer_to_village", "交村处理"
    SETTLE_IN_VILLAGE = "settle_in_village", "在村化解"
    SEND_UP = "send_up", "上报乡镇"
    ROUTE = "route", "交办"
    HAND_UP = "hand_up", "移交县直单位"
    SIGN = "sign", "签收"
    RETURN_CASE = "return_case", "退回"
    PROGRESS = "progress", "记录进展"
    ASSIST_NOTE = "assist_note", "协办意见"
    REQUEST_EXTENSION = "request_extension", "申请延期"
    APPROVE_EXTENSION = "approve_extension", "批准延期"
    DENY_EXTENSION = "deny_extension", "驳回延期"
    REPLY = "reply", "答复"
    REVISIT = "revisit", "回访"
    CLOSE_WITH_REASON = "close_with_reason", "办结"
    SUPERVISE = "supervise", "督办"
    NOT_ACCEPT = "not_accept", "不予受理"
    MERGE = "merge", "合并"
    WITHDRAW = "withdraw", "撤回"
    # Reserved for the public board (公示栏); its rules are added to workflow.py by that issue.
    PUBLISH = "publish", "公示"
    UNPUBLISH = "unpublish", "撤下公示"
    # The system recomputes a running case's deadlines when the holiday calendar changed (issue 15).
    RECOMPUTE_DEADLINES = "recompute_deadlines", "期限重算"
    # A meeting (民情分析会, the meetings app) decided a measure on the case without moving it (issue 17).
    MEETING_DECISION = "meeting_decision", "会议研究"
    # 领导包案 (issue 18): a leader takes or is given a case to own to the end, and may hand it to another leader.
    ASSIGN_OWNER = "assign_owner", "包案"
    TRANSFER_OWNER = "transfer_owner", "移交包案"


#: 集体访 (a group visit): this many people or more came (《信访工作条例》: five or more), the one number the case's
#: badge, the list filter and the numbers page count by (querysets.GROUP_VISIT).
GROUP_VISIT_MIN = 5

#: The actions that route a case and set its deadlines: 交办 to a township department, 移交县直单位 to a county unit.
ROUTING_ACTIONS = (Action.ROUTE, Action.HAND_UP)
