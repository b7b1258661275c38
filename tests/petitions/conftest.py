"""Petition fixtures. ``make_petition(state=…)`` runs the real workflow in order, so no test holds a case in
a state the workflow could not have produced.

The cases belong to 和平村 (liaison_a's village) and, once routed, to 民政办 (handler_minzheng) as the lead
department unless told otherwise.
"""

from __future__ import annotations

import pytest

from petitions import workflow
from petitions.models import Category, Petition, Reply, Satisfaction, Status
from tests.conftest import make_department

#: The path of actions from a fresh registration to each state.
PATHS = {
    Status.REGISTERED: [],
    Status.VILLAGE_TRIAGE: ["refer"],
    Status.AWAITING_INSTRUCTION: ["submit"],
    Status.ASSIGNED: ["submit", "route"],
    Status.IN_PROGRESS: ["submit", "route", "sign"],
    Status.REPLIED: ["submit", "route", "sign", "reply"],
    Status.CLOSED: ["submit", "route", "sign", "reply", "revisit"],
    Status.NOT_ACCEPTED: ["submit", "not_accept"],
    Status.MERGED: ["merge"],
    Status.WITHDRAWN: ["submit", "withdraw"],
}


def make_category(
    subject: str = "低保", kind: str = Category.Kind.HELP, department=None, reply_working_days: int = 5, **fields
) -> Category:
    category, _ = Category.objects.get_or_create(
        kind=kind,
        subject=subject,
        defaults={"default_department": department, "reply_working_days": reply_working_days, **fields},
    )
    return category


@pytest.fixture
def category(dept_minzheng):
    return make_category("低保", Category.Kind.HELP, dept_minzheng)


@pytest.fixture
def accusation_category(dept_minzheng):
    return make_category("村务", Category.Kind.ACCUSATION, dept_minzheng)


@pytest.fixture
def make_petition(db, reception, leader, handler_minzheng, village_a, dept_minzheng, category):
    """make_petition(state="in_progress", lead_department=…, assisting_departments=[…], **register_fields)."""
    counter = iter(range(1, 10_000))

    def make(state: str = Status.REGISTERED, *, lead_department=None, assisting_departments=(), **fields) -> Petition:
        n = next(counter)
        register = {
            "by": reception,
            "channel": "visit",
            "petitioner_name": f"张{n}",
            "petitioner_phone": f"1390000{n:04d}",
            "category": category,
            "summary": f"申请低保{n}",
            "content": "家中老人生病，生活困难，申请低保。",
            "village": village_a,
        }
        register.update(fields)
        petition = workflow.petition_register(**register)
        lead = lead_department or dept_minzheng
        handler = handler_minzheng if lead == dept_minzheng else lead.staff.first()
        for step in PATHS[Status(state)]:
            if step == "submit":
                workflow.petition_submit(petition=petition, by=reception)
            elif step == "refer":
                workflow.petition_refer_to_village(petition=petition, by=reception)
            elif step == "route":
                workflow.petition_route(
                    petition=petition,
                    by=leader,
                    instruction="请民政办核实情况，依政策办理。",
                    lead_department=lead,
                    assisting_departments=assisting_departments,
                )
            elif step == "sign":
                workflow.petition_sign(petition=petition, by=handler)
            elif step == "reply":
                workflow.petition_reply(
                    petition=petition,
                    by=handler,
                    facts="经入户核实，情况属实。",
                    decision=Reply.Decision.SUPPORT,
                    basis="《社会救助暂行办法》",
                    delivery=Reply.Delivery.IN_PERSON,
                )
            elif step == "revisit":
                workflow.petition_revisit(
                    petition=petition, by=reception, solved=True, satisfaction=Satisfaction.SATISFIED, method="电话"
                )
            elif step == "not_accept":
                workflow.petition_not_accept(petition=petition, by=leader, reason="属司法程序", directed_to="人民法院")
            elif step == "withdraw":
                workflow.petition_withdraw(petition=petition, by=leader, reason="诉求人主动撤回")
            elif step == "merge":
                other = make()
                workflow.petition_merge(petition=petition, by=reception, into=other)
        assert petition.status == state
        return petition

    return make


@pytest.fixture
def dept_village(village_a):
    return make_department("和平村委会", village=village_a)


def intake_data(category, village, **overrides) -> dict:
    """The intake form as the front desk posts it (five empty representative rows), with ``overrides``."""
    data = {
        "petitioner_name": "王大山",
        "petitioner_phone": "138 0013 8000",
        "petitioner_id_number": "",
        "village": village.pk,
        "channel": "visit",
        "category": category.pk,
        "summary": "宅基地边界纠纷",
        "content": "与邻居因宅基地边界发生争执，请求调解。",
        "head_count": 1,
        "disposition": "submit",
        "reply_delivery": "in_person",
        "rep-TOTAL_FORMS": 5,
        "rep-INITIAL_FORMS": 0,
        "rep-MIN_NUM_FORMS": 0,
        "rep-MAX_NUM_FORMS": 5,
    }
    data.update(overrides)
    return data
