"""The demo townships' handling units, the county-level units and the county's categories (configuration), then
sample cases in every state.

The sample cases are made by running the real workflow with the demo accounts (minqing/demo.py):
reception registers, leader routes, handler (民政办) and handler2 (自规所) handle, liaison (和平村、新发村)
registers what was found on visits and revisits. The same cases on every machine; a second run adds nothing.
Nothing is frozen: cases came in over the past weeks, and the deadlines that make some of them overdue or
due soon are the leader's edited deadlines.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from households.models import Household, Township, Village
from petitions import workflow
from petitions.models import Category, Department, Petition

OFFICES = ["党政办", "民政办", "社保所", "司法所", "自规所", "派出所", "农业服务中心", "城建办"]
# 县直单位: the county's units a township may hand a case up to (移交县直单位).
COUNTY_UNITS = ["县信访局", "县自然资源局", "县民政局", "县公安局"]
REFERENCE = "DX"  # 鼎新乡: the categories' default departments are its offices (each township has the same ones)

# kind, subject, default department, reply working days (即办 0 / 一般 5 / 复杂 15), statutory 60 days apply
C = Category.Kind
CATEGORIES = [
    (C.CONSULTATION, "政策咨询", "党政办", 0, False),
    (C.CONSULTATION, "社保医保", "社保所", 0, False),
    (C.SUGGESTION, "村务管理", "党政办", 15, False),
    (C.SUGGESTION, "基础设施", "城建办", 15, False),
    (C.COMPLAINT, "道路", "城建办", 15, True),
    (C.COMPLAINT, "饮水", "城建办", 5, True),
    (C.COMPLAINT, "环境", "城建办", 5, True),
    (C.COMPLAINT, "治安", "派出所", 5, True),
    (C.HELP, "低保", "民政办", 5, True),
    (C.HELP, "医疗救助", "民政办", 5, True),
    (C.HELP, "劳资", "社保所", 5, True),
    (C.DISPUTE, "土地承包", "农业服务中心", 15, True),
    (C.DISPUTE, "宅基地", "自规所", 15, True),
    (C.DISPUTE, "山林", "自规所", 15, True),
    (C.DISPUTE, "征地拆迁", "自规所", 15, True),
    (C.DISPUTE, "婚姻家庭", "司法所", 5, True),
    (C.DISPUTE, "邻里", "司法所", 5, True),
    (C.ACCUSATION, "干部作风", "党政办", 15, True),
    (C.ACCUSATION, "惠民资金", "民政办", 15, True),
]


def seed_config(log) -> None:
    for township in Township.objects.all():
        for order, name in enumerate(OFFICES, start=1):
            _, created = Department.objects.get_or_create(
                township=township, name=name, defaults={"kind": Department.Kind.OFFICE, "sort_order": order}
            )
            if created:
                log(f"承办单位：{township.name}{name}")
    for order, name in enumerate(COUNTY_UNITS, start=1):
        _, created = Department.objects.get_or_create(
            township=None, name=name, defaults={"kind": Department.Kind.COUNTY, "sort_order": order}
        )
        if created:
            log(f"县直单位：{name}")
    for village in Village.objects.select_related("township"):
        Department.objects.get_or_create(
            township=village.township,
            name=f"{village.name}村委会".replace("村村委会", "村委会"),
            defaults={
                "kind": Department.Kind.VILLAGE,
                "village": village,
                "sort_order": village.sort_order,
            },
        )
    departments = {d.name: d for d in Department.objects.filter(township__code=REFERENCE, name__in=OFFICES)}
    for order, (kind, subject, department, reply_days, statutory) in enumerate(CATEGORIES, start=1):
        _, created = Category.objects.get_or_create(
            kind=kind,
            subject=subject,
            defaults={
                "default_department": departments.get(department),
                "sign_working_days": 1,
                "reply_working_days": reply_days,
                "statutory_applies": statutory,
                "sort_order": order,
            },
        )
        if created:
            log(f"诉求分类：{Category.Kind(kind).label}·{subject}")


# --- Sample cases ---------------------------------------------------------------------------------

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["建国", "秀英", "桂兰", "志强", "玉梅", "德明", "海燕", "国华", "春生", "永福", "淑珍", "明亮"]

# (state, subject, village, channel, summary, extras). Extras: lead / assist (department names),
# due (days from today for the leader's deadline; negative = overdue), extension ("pending"/"approved"),
# supervise, reopen, satisfaction, close_reason, desk (answered at the desk), heads (group visit), repeat.
CASES = [
    ("registered", "饮水", "和平村", "phone", "自来水停水三天", {}),
    ("registered", "道路", "新发村", "letter", "通组路塌方无人修", {}),
    ("registered", "邻里", "大井村", "visit", "邻居建房挡住采光", {}),
    ("registered", "低保", "和平村", "door_visit", "独居老人申请低保", {"by": "liaison"}),
    ("awaiting_instruction", "宅基地", "新发村", "visit", "宅基地审批迟迟未办", {}),
    ("awaiting_instruction", "征地拆迁", "长丰村", "visit", "征地补偿款未到位", {"heads": 7}),
    ("awaiting_instruction", "医疗救助", "和平村", "phone", "大病医疗救助申请", {}),
    ("awaiting_instruction", "干部作风", "风景村", "mailbox", "反映村干部优亲厚友", {}),
    ("awaiting_instruction", "环境", "五一村", "online", "养殖场异味扰民", {}),
    ("assigned", "低保", "新发村", "visit", "低保被取消要求复核", {"lead": "民政办"}),
    ("assigned", "山林", "大井村", "visit", "山林界址争议", {"lead": "自规所", "assist": ["司法所"]}),
    ("assigned", "医疗救助", "兴启村", "phone", "住院费用报销难", {"lead": "民政办", "due": 0}),
    ("assigned", "道路", "水塘村", "letter", "村道路灯损坏", {"lead": "城建办"}),
    ("assigned", "宅基地", "和平村", "visit", "建房手续咨询未果", {"lead": "自规所", "due": -2}),
    ("in_progress", "低保", "和平村", "visit", "残疾人两项补贴未发放", {"lead": "民政办"}),
    ("in_progress", "医疗救助", "黑泥村", "phone", "慢性病救助申请", {"lead": "民政办", "due": -3}),
    (
        "in_progress",
        "宅基地",
        "同心村",
        "visit",
        "宅基地被邻居侵占",
        {"lead": "自规所", "due": -1, "supervise": "请三日内办结并报结果。"},
    ),  # noqa: E501
    ("in_progress", "低保", "鼎新村", "door_visit", "困难家庭临时救助", {"lead": "民政办", "due": 0}),
    (
        "in_progress",
        "土地承包",
        "新街村",
        "visit",
        "承包地被占用",
        {"lead": "自规所", "assist": ["农业服务中心"], "due": 1},
    ),  # noqa: E501
    (
        "in_progress",
        "征地拆迁",
        "营盘村",
        "visit",
        "拆迁安置房分配不公",
        {"lead": "自规所", "extension": "pending", "heads": 5},
    ),  # noqa: E501
    ("in_progress", "医疗救助", "新发村", "phone", "孩子先心病救助", {"lead": "民政办", "extension": "approved"}),
    ("in_progress", "低保", "大井村", "visit", "低保金额计算有误", {"lead": "民政办", "reopen": True}),
    ("in_progress", "惠民资金", "长丰村", "letter", "举报冒领惠民补贴", {"lead": "民政办"}),
    ("replied", "低保", "和平村", "visit", "申请特困供养", {"lead": "民政办"}),
    ("replied", "宅基地", "新发村", "visit", "危房改造宅基地选址", {"lead": "自规所"}),
    ("replied", "医疗救助", "风景村", "phone", "医保报销比例咨询", {"lead": "民政办"}),
    ("replied", "政策咨询", "五一村", "visit", "高龄补贴怎么申请", {"desk": True}),
    ("replied", "山林", "和平村", "visit", "林权证办理", {"lead": "自规所", "supervise": "请尽快回访。"}),
    ("closed", "低保", "和平村", "visit", "低保年审材料", {"lead": "民政办"}),
    (
        "closed",
        "医疗救助",
        "新发村",
        "phone",
        "大病救助到账",
        {"lead": "民政办", "satisfaction": "basically_satisfied"},
    ),
    ("closed", "宅基地", "大井村", "visit", "宅基地确权", {"lead": "自规所"}),
    (
        "closed",
        "土地承包",
        "兴启村",
        "letter",
        "土地流转费拖欠",
        {"lead": "自规所", "close_reason": "诉求人外出务工，三次电话均未接通。"},
    ),  # noqa: E501
    ("closed", "社保医保", "水塘村", "visit", "养老保险缴费咨询", {"desk": True, "satisfaction": "satisfied"}),
    ("closed", "低保", "新发村", "visit", "低保户医疗报销", {"lead": "民政办", "reopen_then_close": True}),
    (
        "not_accepted",
        "婚姻家庭",
        "黑泥村",
        "visit",
        "离婚财产分割",
        {"reason": "已进入诉讼程序。", "directed": "人民法院"},
    ),
    (
        "not_accepted",
        "劳资",
        "同心村",
        "phone",
        "外省工地欠薪",
        {"reason": "不属本乡管辖。", "directed": "用工所在地劳动监察部门"},
    ),  # noqa: E501
    ("merged", "饮水", "和平村", "phone", "停水（同一事项再次来电）", {}),
    ("merged", "道路", "新发村", "visit", "塌方路段（重复反映）", {}),
    ("withdrawn", "邻里", "鼎新村", "visit", "宅前排水沟纠纷", {"reason": "双方自行协商解决，诉求人撤回。"}),
    ("withdrawn", "环境", "新街村", "phone", "烧秸秆烟雾", {"reason": "诉求人表示问题已消失。"}),
    # 移交县直单位: beyond the township's authority, handed up to a county-level unit, which signs and handles it.
    ("in_progress", "山林", "营盘村", "visit", "跨乡镇林地权属争议", {"hand_up": "县自然资源局"}),
]

# The second township, 和兴镇: its own cases, numbers and staff (minqing/demo.py).
HEXING_CASES = [
    ("registered", "饮水", "和兴村", "phone", "集镇供水水压不足", {}),
    ("awaiting_instruction", "道路", "龙泉村", "visit", "进村道路坑洼", {}),
    ("assigned", "低保", "石桥村", "visit", "残疾户申请低保", {"lead": "民政办"}),
    ("in_progress", "医疗救助", "和兴村", "phone", "重病医疗救助", {"lead": "民政办", "due": -1}),
    ("replied", "低保", "杨柳村", "visit", "低保复核结果咨询", {"lead": "民政办"}),
    ("closed", "医疗救助", "金竹村", "visit", "救助款发放", {"lead": "民政办"}),
    ("awaiting_instruction", "干部作风", "和兴村", "letter", "反映村务账目不公开", {}),
]

# Per township: its cases and the demo accounts that work them (the liaison revisits in their own villages).
TOWNSHIP_CASES = {
    "DX": (CASES, {"reception": "reception", "leader": "leader", "liaison": "liaison"}),
    "HX": (HEXING_CASES, {"reception": "reception_hx", "leader": "leader_hx", "liaison": "liaison_hx"}),
}

PATHS = {
    "registered": [],
    "awaiting_instruction": ["submit"],
    "assigned": ["submit", "route"],
    "in_progress": ["submit", "route", "sign"],
    "replied": ["submit", "route", "sign", "reply"],
    "closed": ["submit", "route", "sign", "reply", "revisit"],
    "not_accepted": ["submit", "not_accept"],
    "merged": ["merge"],
    "withdrawn": ["submit", "withdraw"],
}


def seed_sample(log) -> None:
    """Some forty cases over every state, through the workflow; skipped when any case exists. Then a few
    replied and closed cases on the public board (``seed_publications``)."""
    if Petition.objects.exists():
        seed_publications(log)
        return
    if not Category.objects.exists():
        log("示例诉求：缺少诉求分类，跳过。")
        return
    now = timezone.now()
    for code, (cases, staff) in TOWNSHIP_CASES.items():
        township = Township.objects.filter(code=code).first()
        users = {role: get_user_model().objects.filter(username=name).first() for role, name in staff.items()}
        if township is None or None in users.values():
            log(f"示例诉求（{code}）：缺少乡镇或演示账号，跳过。")
            continue
        made: dict[tuple[str, str], Petition] = {}
        for n, spec in enumerate(cases):
            petition = _make_case(n, spec, township, users, now, made)
            made[(spec[1], spec[2])] = made.get((spec[1], spec[2])) or petition
        log(f"示例诉求：{township.name} {len(cases)} 件")
    seed_publications(log)


def _make_case(n: int, spec, township, users, now, made):
    state, subject, village_name, channel, summary, extra = spec
    category = Category.objects.get(subject=subject)
    village = Village.objects.get(township=township, name=village_name)
    household = Household.objects.filter(village=village).order_by("household_no")[n % 7 : n % 7 + 1].first()
    name = household.head_name if household else SURNAMES[n % len(SURNAMES)] + GIVEN[n % len(GIVEN)]
    phone = household.phone if household and household.phone else f"139{n:04d}{(n * 7919) % 10000:04d}"
    by = users["liaison"] if extra.get("by") == "liaison" else users["reception"]
    heads = extra.get("heads", 1)
    received_at = now - dt.timedelta(days=3 + (len(CASES) - n) % 28, hours=n % 9)
    departments = Department.objects.filter(township=township)
    duplicate_of = made.get((subject, village_name)) if state == "merged" else None
    petition = workflow.petition_register(
        by=by,
        channel=channel,
        received_at=received_at,
        petitioner_name=name,
        petitioner_phone=phone,
        household=household,
        village=village,
        category=category,
        summary=summary,
        # An accusation's text never names its petitioner (petitions.identity hides who, not what is written).
        content=f"{summary}。{'检举人' if category.is_accusation else name}反映：{summary}，希望尽快解决。",
        head_count=heads,
        representatives=[
            {"name": SURNAMES[(n + k) % len(SURNAMES)] + GIVEN[(n + k) % len(GIVEN)]} for k in range(min(heads, 5))
        ]
        if heads >= 5
        else [],
        is_urgent=heads >= 5,
        repeat_of=duplicate_of,
    )
    leader, reception = users["leader"], users["reception"]
    if extra.get("hand_up"):
        lead = Department.objects.get(township=None, name=extra["hand_up"])
    else:
        lead = departments.filter(name=extra.get("lead")).first() or category.default_department_in(township.pk)
    handler = lead.staff.first() if lead else None
    if extra.get("desk"):
        workflow.petition_answer_at_desk(
            petition=petition, by=reception, facts="当场查询政策并解释。", decision="explained", content="已当面答复。"
        )
        if state == "closed":
            workflow.petition_revisit(
                petition=petition, by=reception, solved=True, satisfaction="satisfied", method="电话"
            )
        return petition
    for step in PATHS[state]:
        if step == "submit":
            workflow.petition_submit(petition=petition, by=reception)
        elif step == "route" and extra.get("hand_up"):
            workflow.petition_hand_up(
                petition=petition,
                by=leader,
                instruction=f"涉及跨乡镇林地权属，超出本乡职权，移交{lead.name}核处。",
                lead_department=lead,
            )
        elif step == "route":
            due = extra.get("due")
            reply_by = timezone.localdate() + dt.timedelta(days=due) if due is not None else None
            workflow.petition_route(
                petition=petition,
                by=leader,
                instruction=f"请{lead.name}牵头核实，依法依规办理，按期答复。",
                lead_department=lead,
                assisting_departments=list(departments.filter(name__in=extra.get("assist", []))),
                reply_by=reply_by,
            )
        elif step == "sign":
            workflow.petition_sign(petition=petition, by=handler)
            workflow.petition_add_progress(petition=petition, by=handler, note="已电话联系诉求人，约定入户核实。")
            if extra.get("extension"):
                workflow.petition_request_extension(
                    petition=petition, by=handler, reason="需县级部门出具核查意见。", days=5, statutory_days=15
                )
                if extra["extension"] == "approved":
                    workflow.petition_decide_extension(petition=petition, by=leader, approve=True, note="同意延期。")
            if extra.get("reopen") or extra.get("reopen_then_close"):
                _reply(petition, handler)
                workflow.petition_revisit(
                    petition=petition, by=_reviser(petition, users), solved=False, satisfaction="unsatisfied",
                    method="电话", note="诉求人认为金额计算不对。",
                )  # fmt: skip
                workflow.petition_add_progress(petition=petition, by=handler, note="重新核算中。")
        elif step == "reply":
            _reply(petition, handler)
        elif step == "revisit":
            if extra.get("close_reason"):
                workflow.petition_close_with_reason(petition=petition, by=leader, reason=extra["close_reason"])
            else:
                workflow.petition_revisit(
                    petition=petition, by=_reviser(petition, users), solved=True,
                    satisfaction=extra.get("satisfaction", "satisfied"), method="电话", note="问题已解决。",
                )  # fmt: skip
        elif step == "not_accept":
            workflow.petition_not_accept(
                petition=petition, by=leader, reason=extra["reason"], directed_to=extra["directed"]
            )
        elif step == "withdraw":
            workflow.petition_withdraw(petition=petition, by=leader, reason=extra["reason"])
        elif step == "merge":
            into = duplicate_of or Petition.objects.exclude(pk=petition.pk).order_by("pk").first()
            workflow.petition_merge(petition=petition, by=reception, into=into, note="同一事项重复反映。")
    if extra.get("supervise"):
        workflow.petition_supervise(petition=petition, by=leader, note=extra["supervise"])
    return petition


def _reply(petition, handler) -> None:
    workflow.petition_reply(
        petition=petition,
        by=handler,
        facts="经入户核实，诉求人反映情况基本属实。",
        decision="support",
        basis="相关政策规定",
        content="已按政策为诉求人办理，并当面告知结果。",
        delivery="in_person",
    )


def _reviser(petition, users):
    """The village's liaison revisits in their own villages, the front desk by phone elsewhere."""
    liaison = users["liaison"]
    return liaison if liaison.liaison_villages.filter(pk=petition.village_id).exists() else users["reception"]


# --- The public board (公示栏) -------------------------------------------------------------------------

# (the case's summary, public summary, decision, result, written consent to show the full name). Written for the
# public by staff, as the workflow requires: no names, phones, tags or the petitioner's own words.
PUBLICATIONS = [
    (
        "宅基地确权",
        "反映本户宅基地确权登记进度慢。经自规所现场核实，权籍调查已完成，材料已报县不动产登记中心。",
        "support",
        "已办理宅基地确权登记，不动产权证书已送达本人。",
        "同意书已签字，存档于2026年信访档案第3卷。",
    ),
    (
        "危房改造宅基地选址",
        "反映危房改造需重新选址建房。经自规所现场踏勘，拟选地块符合村庄规划，不占用永久基本农田。",
        "support",
        "已书面告知选址报批流程，待村民小组会议通过后报乡审批。",
        "",
    ),
    (
        "高龄补贴怎么申请",
        "咨询八十周岁以上老人高龄补贴的申请条件和办理地点。",
        "explained",
        "前台当场解释政策，告知所需材料，可到村便民服务点代办。",
        "",
    ),
    (
        "土地流转费拖欠",
        "反映承包地流转费未按合同支付。经核实，流转方因资金周转困难拖欠，已与村委会签订分期付款计划。",
        "support",
        "督促流转方按计划分期支付，首期款项已支付。",
        "",
    ),
    (
        "养老保险缴费咨询",
        "咨询城乡居民养老保险的缴费档次和缴费时间。",
        "explained",
        "当场解释缴费政策和补贴标准，回访表示满意。",
        "",
    ),
    (
        "大病救助到账",
        "反映大病医疗救助款迟迟未到账。经民政办核实，救助资金已按程序拨付。",
        "support",
        "救助款已到账，回访表示基本满意。",
        "",
    ),
]
# Published, then taken off the board by the leader: the case's history shows both.
UNPUBLISHED = (
    "医保报销比例咨询",
    "咨询大病住院医保报销比例。",
    "explained",
    "已电话解释报销政策。",
    "摘要未写明处理经过，撤下修改后再公示。",
)


def seed_publications(log) -> None:
    """A handful of replied and closed demo cases on the public board, one with the petitioner's written
    consent to show the full name, and one taken off again; skipped when the board has ever had a notice."""
    from petitions.models import Publication

    leader = get_user_model().objects.filter(username="leader").first()
    if leader is None or Publication.objects.exists():
        return
    made = 0
    for summary, public_summary, decision, result, consent_note in PUBLICATIONS:
        petition = Petition.objects.filter(summary=summary, status__in=["replied", "closed"]).first()
        if petition is None:
            continue
        workflow.petition_publish(
            petition=petition,
            by=leader,
            public_summary=public_summary,
            decision=decision,
            result=result,
            consent=bool(consent_note),
            consent_note=consent_note,
        )
        made += 1
    summary, public_summary, decision, result, reason = UNPUBLISHED
    petition = Petition.objects.filter(summary=summary, status__in=["replied", "closed"]).first()
    if petition is not None:
        workflow.petition_publish(
            petition=petition, by=leader, public_summary=public_summary, decision=decision, result=result
        )
        workflow.petition_unpublish(petition=petition, by=leader, reason=reason)
    log(f"公示栏：{made} 件（其中 1 件经书面同意公开姓名）")
