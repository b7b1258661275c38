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
from minqing.demo import demo_clock
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
    ("in_progress", "饮水", "大井村", "phone", "自来水水压不足", {"lead": "城建办"}),
    ("replied", "饮水", "大井村", "visit", "自来水浑浊发黄", {"lead": "城建办"}),
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
    # Village triage (待村处理): found on visits by the liaison, waiting for the village committee's analysis; one
    # settled in the village (在村化解) and one sent up to the township (上报乡镇) with the analysis.
    ("village_triage", "邻里", "和平村", "door_visit", "宅基地边界争执", {"by": "liaison"}),
    ("village_triage", "饮水", "和平村", "door_visit", "组里水管破裂停水", {"by": "liaison"}),
    ("village_triage", "道路", "新发村", "door_visit", "通组路边沟堵塞", {"by": "liaison"}),
    (
        "replied",
        "邻里",
        "新发村",
        "door_visit",
        "鸡鸭进菜地引发口角",
        {"by": "liaison", "village": "settle"},
    ),
    (
        "awaiting_instruction",
        "低保",
        "和平村",
        "door_visit",
        "重病户申请纳入低保",
        {"by": "liaison", "village": "send_up", "analysis": "家中主要劳动力患重病，是否纳入低保须由乡民政办审核认定。"},
    ),
    (
        "awaiting_instruction",
        "宅基地",
        "新发村",
        "door_visit",
        "危房翻建超出原宅基地面积",
        {"by": "liaison", "village": "send_up", "analysis": "翻建面积超出原宅基地，须自规所核定，已劝其暂缓施工。"},
    ),
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
    ("village_triage", "邻里", "和兴村", "door_visit", "邻里排水沟纠纷", {"by": "liaison"}),
]

# Per township: its cases and the demo accounts that work them (the liaison revisits in their own villages).
TOWNSHIP_CASES = {
    "DX": (CASES, {"reception": "reception", "leader": "leader", "liaison": "liaison"}),
    "HX": (HEXING_CASES, {"reception": "reception_hx", "leader": "leader_hx", "liaison": "liaison_hx"}),
}

PATHS = {
    "registered": [],
    "village_triage": ["refer"],
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
    """A year of township life on the demo clock (``minqing.demo.run_stories``): some forty cases of the past weeks
    in every state, and behind them twelve months of cases received on working days, routed, signed, replied,
    revisited (through the visits app's revisit service, so every 回访 has its record), some late, extended,
    supervised, reopened, settled in the village or published. Then the board, the directory and a 公开反馈.
    Skipped (but for the board, directory and answer, each idempotent) when any case exists."""
    if Petition.objects.exists():
        seed_publications(log)
        seed_directory(log)
        seed_public_answer(log)
        return
    if not Category.objects.exists():
        log("示例诉求：缺少诉求分类，跳过。")
        return
    from minqing.demo import run_stories

    now = timezone.now()
    stories = []
    for code, (cases, staff) in TOWNSHIP_CASES.items():
        township = Township.objects.filter(code=code).first()
        users = {role: get_user_model().objects.filter(username=name).first() for role, name in staff.items()}
        if township is None or None in users.values():
            log(f"示例诉求（{code}）：缺少乡镇或演示账号，跳过。")
            continue
        made: dict[tuple[str, str], Petition] = {}
        stories += [_make_case(n, spec, township, users, now, made) for n, spec in enumerate(cases)]
        stories += year_stories(township, users, now)
        log(f"示例诉求：{township.name} 近期 {len(cases)} 件，另有近一年的历史诉求")
    actions = run_stories(stories)
    log(f"示例诉求：按时间顺序办理 {actions} 步")
    seed_publications(log)
    seed_directory(log)
    seed_public_answer(log)


def _spread(start: dt.datetime, now: dt.datetime, steps: int = 14):
    """The times of a recent case's steps after its receipt: evenly spread up to an hour ago."""
    gap = max((now - dt.timedelta(hours=1) - start) / steps, dt.timedelta(minutes=5))
    k = 0
    while True:
        k += 1
        yield start + gap * k


def _make_case(n: int, spec, township, users, now, made):
    """One recent case as a story (a generator yielding the time of each next step; ``minqing.demo.run_stories``)."""
    from visits.models import Revisit
    from visits.services import revisit_record

    state, subject, village_name, channel, summary, extra = spec
    category = Category.objects.get(subject=subject)
    village = Village.objects.get(township=township, name=village_name)
    household = Household.objects.filter(village=village).order_by("household_no")[n % 7 : n % 7 + 1].first()
    name = household.head_name if household else SURNAMES[n % len(SURNAMES)] + GIVEN[n % len(GIVEN)]
    phone = household.phone if household and household.phone else f"139{n:04d}{(n * 7919) % 10000:04d}"
    by = users["liaison"] if extra.get("by") == "liaison" else users["reception"]
    heads = extra.get("heads", 1)
    received_at = now - dt.timedelta(days=3 + (len(CASES) - n) % 28, hours=n % 9)
    if extra.get("due") is not None:  # routed long enough ago for the leader's deadline to fall where it does
        received_at = min(received_at, now - dt.timedelta(days=12 + abs(extra["due"]), hours=n % 9))
    departments = Department.objects.filter(township=township)
    tick = _spread(received_at, now)
    yield received_at
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
    made.setdefault((subject, village_name), petition)
    leader, reception = users["leader"], users["reception"]
    if extra.get("hand_up"):
        lead = Department.objects.get(township=None, name=extra["hand_up"])
    else:
        lead = departments.filter(name=extra.get("lead")).first() or category.default_department_in(township.pk)
    handler = lead.staff.first() if lead else None
    reviser = _reviser(petition, users)
    if extra.get("village"):  # through the village first: settled there, or sent up with its analysis
        yield next(tick)
        workflow.petition_refer_to_village(petition=petition, by=by)
        yield next(tick)
        if extra["village"] == "settle":
            workflow.petition_settle_in_village(
                petition=petition,
                by=by,
                analysis="邻里之间的小摩擦，村两委可以调解。",
                measures="村调解员上门调解，鸡鸭圈养，赔偿菜苗损失，双方握手言和。",
                settled_by="村主任、村调解员",
                settled_on=timezone.localdate(),
            )
        else:
            workflow.petition_send_up(petition=petition, by=by, analysis=extra["analysis"])
        return
    if extra.get("desk"):
        yield received_at + dt.timedelta(minutes=20)
        workflow.petition_answer_at_desk(
            petition=petition, by=reception, facts="当场查询政策并解释。", decision="explained", content="已当面答复。"
        )
        if state == "closed":
            yield next(tick)
            revisit_record(
                petition=petition, by=reception, method=Revisit.Method.PHONE, reached=True, solved=True,
                satisfaction="satisfied", comment="问题已解决。",
            )  # fmt: skip
        return
    for step in PATHS[state]:
        yield next(tick)
        if step == "submit":
            workflow.petition_submit(petition=petition, by=reception)
        elif step == "refer":
            workflow.petition_refer_to_village(petition=petition, by=by)
        elif step == "route" and extra.get("hand_up"):
            workflow.petition_hand_up(
                petition=petition,
                by=leader,
                instruction=f"涉及跨乡镇林地权属，超出本乡职权，移交{lead.name}核处。",
                lead_department=lead,
            )
        elif step == "route":
            due = extra.get("due")
            reply_by = now.date() + dt.timedelta(days=due) if due is not None else None
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
            yield next(tick)
            workflow.petition_add_progress(petition=petition, by=handler, note="已电话联系诉求人，约定入户核实。")
            if extra.get("extension"):
                yield next(tick)
                workflow.petition_request_extension(
                    petition=petition, by=handler, reason="需县级部门出具核查意见。", days=5, statutory_days=15
                )
                if extra["extension"] == "approved":
                    yield next(tick)
                    workflow.petition_decide_extension(petition=petition, by=leader, approve=True, note="同意延期。")
            if extra.get("reopen") or extra.get("reopen_then_close"):
                yield next(tick)
                _reply(petition, handler)
                yield next(tick)
                revisit_record(
                    petition=petition, by=reviser, method=Revisit.Method.PHONE, reached=True, solved=False,
                    satisfaction="unsatisfied", comment="诉求人认为金额计算不对。",
                )  # fmt: skip
                yield next(tick)
                workflow.petition_add_progress(petition=petition, by=handler, note="重新核算中。")
        elif step == "reply":
            _reply(petition, handler)
        elif step == "revisit":
            if extra.get("close_reason"):
                for method in (Revisit.Method.PHONE, Revisit.Method.PHONE, Revisit.Method.PHONE):
                    revisit_record(petition=petition, by=reviser, method=method, reached=False, comment="电话未接通。")
                    yield next(tick)
                workflow.petition_close_with_reason(petition=petition, by=leader, reason=extra["close_reason"])
            else:
                revisit_record(
                    petition=petition, by=reviser, method=Revisit.Method.PHONE, reached=True, solved=True,
                    satisfaction=extra.get("satisfaction", "satisfied"), comment="问题已解决。",
                )  # fmt: skip
        elif step == "not_accept":
            workflow.petition_not_accept(
                petition=petition, by=leader, reason=extra["reason"], directed_to=extra["directed"]
            )
        elif step == "withdraw":
            workflow.petition_withdraw(petition=petition, by=leader, reason=extra["reason"])
        elif step == "merge":
            into = Petition.objects.get(pk=duplicate_of.pk) if duplicate_of else None
            into = into or Petition.objects.exclude(pk=petition.pk).order_by("pk").first()
            workflow.petition_merge(petition=petition, by=reception, into=into, note="同一事项重复反映。")
    if extra.get("supervise"):
        yield next(tick)
        workflow.petition_supervise(petition=petition, by=leader, note=extra["supervise"])


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


def _after_last_step(petition) -> dt.datetime:
    """When a leader approves a case for the board: two hours after its last step, an hour ago at the latest."""
    last = petition.events.order_by("-created_at").values_list("created_at", flat=True).first() or timezone.now()
    return min(last + dt.timedelta(hours=2), timezone.now() - dt.timedelta(hours=1))


def seed_publications(log) -> None:
    """A handful of replied and closed demo cases on the public board, one with the petitioner's written
    consent to show the full name, and one taken off again; skipped when the board has ever had a notice."""
    from petitions.models import Publication

    leader = get_user_model().objects.filter(username="leader").first()
    shown = [p[0] for p in PUBLICATIONS] + [UNPUBLISHED[0]]
    if leader is None or Publication.objects.filter(petition__summary__in=shown).exists():
        return
    made = 0
    for summary, public_summary, decision, result, consent_note in PUBLICATIONS:
        petition = Petition.objects.filter(summary=summary, status__in=["replied", "closed"]).first()
        if petition is None:
            continue
        with demo_clock(_after_last_step(petition)):
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
        when = _after_last_step(petition)
        with demo_clock(when):
            workflow.petition_publish(
                petition=petition, by=leader, public_summary=public_summary, decision=decision, result=result
            )
        with demo_clock(min(when + dt.timedelta(hours=3), timezone.now() - dt.timedelta(minutes=1))):
            workflow.petition_unpublish(petition=petition, by=leader, reason=reason)
    log(f"公示栏：{made} 件（其中 1 件经书面同意公开姓名）")


# --- The public side: the contact directory (联系方式公开栏) and one 公开反馈 ----------------------------------------

# township, section, account (username) or None, name (for a person with no account), post, duties, villages,
# office phone. The township publishes office phones only.
DIRECTORY = [
    ("DX", "leader", None, "许振邦", "乡党委书记", "主持乡党委全面工作", ["鼎新村"], "0851-12345601"),
    ("DX", "leader", None, "何卫东", "乡长", "主持乡政府全面工作", ["新街村", "营盘村"], "0851-12345602"),
    (
        "DX", "leader", "leader", "", "乡党委副书记、民情信息中心主任", "分管信访维稳、民情信息中心、领导带班接访",
        ["和平村", "新发村"], "0851-12345603",
    ),
    ("DX", "leader", None, "韩晓岚", "副乡长", "分管民政、社保、农业农村", ["大井村", "长丰村"], "0851-12345604"),  # noqa: E501
    ("DX", "leader", None, "龚振宇", "乡人大主席", "分管自然资源、城乡建设、饮水安全", ["水塘村", "黑泥村"], "0851-12345605"),  # noqa: E501
    ("DX", "cadre", "reception", "", "民情信息中心前台接待", "来访、来电登记，民心电话值守", [], "0851-12345678"),
    ("DX", "cadre", "handler", "", "民政办主任", "最低生活保障、社会救助、医疗救助", ["风景村"], "0851-12345611"),
    ("DX", "cadre", "handler2", "", "自规所所长", "宅基地、山林、土地承包、征地拆迁", ["五一村"], "0851-12345612"),
    ("DX", "village", "liaison", "", "村民情联络员", "和平村、新发村民情工作室", ["和平村", "新发村"], "0851-12345621"),
    ("DX", "village", "liaison2", "", "村民情联络员", "大井村民情工作室", ["大井村"], "0851-12345622"),
    ("DX", "village", None, "邓子涵", "联系干部（乡党政办）", "民情联系户走访", ["兴启村", "同心村"], "0851-12345623"),  # noqa: E501
    ("HX", "leader", "leader_hx", "", "镇党委副书记、民情信息中心主任", "分管信访维稳、民情信息中心", ["和兴村"], "0851-87651201"),  # noqa: E501
    ("HX", "village", "liaison_hx", "", "村民情联络员", "和兴村民情工作室", ["和兴村"], "0851-87651221"),
]  # fmt: skip

# The 公开反馈 of the demo: one answer for the drinking-water cases of 大井村.
PUBLIC_ANSWER = {
    "village": "大井村",
    "subject": "饮水",
    "title": "关于大井村饮水问题的统一答复",
    "body": (
        "近一年来，大井村多户群众反映自来水停水、水压不足、水质浑浊。经乡城建办会同县水务部门现场排查，"
        "主要原因是村集中供水点水源不足、部分主管网老化渗漏。\n"
        "处理措施：一是已新打机井一口作为备用水源；二是更换老化主管网1.2公里；三是由村委会安排专人每周巡查管网。"
        "工程已于本季度完工，全村供水已恢复正常。\n"
        "如仍有停水、水质问题，请拨打乡民情信息中心电话或向村民情联络员反映。"
    ),
}


def seed_directory(log) -> None:
    """The demo townships' contact directories; skipped for a township that already has one."""
    from petitions.models import DirectoryEntry

    users = {u.username: u for u in get_user_model().objects.all()}
    done = set(DirectoryEntry.objects.values_list("township__code", flat=True))
    townships = {t.code: t for t in Township.objects.all()}
    made = 0
    for order, (code, section, username, name, post, duties, villages, phone) in enumerate(DIRECTORY, start=1):
        township = townships.get(code)
        if township is None or code in done or (username and username not in users):
            continue
        entry = DirectoryEntry.objects.create(
            township=township,
            section=section,
            user=users.get(username) if username else None,
            name=name,
            post=post,
            duties=duties,
            office_phone=phone,
            sort_order=order,
        )
        entry.villages.set(Village.objects.filter(township=township, name__in=villages))
        made += 1
    if made:
        log(f"联系方式公开栏：{made} 人")


def seed_public_answer(log) -> None:
    """One 公开反馈, written by the leader for every drinking-water case of 大井村; skipped once any exists."""
    from minqing.access import scope_for
    from petitions import answers
    from petitions.models import PublicAnswer

    leader = get_user_model().objects.filter(username="leader").first()
    if leader is None or PublicAnswer.objects.exists():
        return
    spec = PUBLIC_ANSWER
    village = Village.objects.filter(township__code=REFERENCE, name=spec["village"]).first()
    category = Category.objects.filter(subject=spec["subject"]).first()
    if village is None or category is None:
        return
    cases, _ = answers.linkable_cases(
        village.township,
        list(
            Petition.objects.filter(village=village, category=category)
            .order_by("received_at")
            .values_list("tracking_number", flat=True)
        ),
    )
    if not cases:
        return
    answers.answer_save(
        scope=scope_for(leader),
        by=leader,
        township=village.township,
        village=village,
        category=category,
        title=spec["title"],
        body=spec["body"],
        cases=cases,
    )
    log(f"公开反馈：{spec['title']}（{len(cases)} 件）")


# --- A year behind the demo: twelve whole months of cases on the demo clock -----------------------------------------

# (subject, village) of the history, per township; 大井村 饮水 comes back through the year (a hot spot, answered by
# the 公开反馈). Only subjects whose departments have demo staff.
HISTORY = {
    "DX": [
        ("饮水", "大井村"), ("低保", "和平村"), ("道路", "新发村"), ("宅基地", "长丰村"), ("医疗救助", "风景村"),
        ("饮水", "大井村"), ("环境", "五一村"), ("山林", "兴启村"), ("政策咨询", "水塘村"), ("邻里", "和平村"),
        ("基础设施", "黑泥村"), ("低保", "同心村"), ("饮水", "大井村"), ("宅基地", "鼎新村"), ("医疗救助", "新街村"),
        ("道路", "营盘村"), ("低保", "新发村"), ("邻里", "大井村"),
    ],
    "HX": [("低保", "和兴村"), ("医疗救助", "龙泉村"), ("低保", "石桥村"), ("医疗救助", "杨柳村")],
}  # fmt: skip
PER_MONTH = {"DX": 9, "HX": 2}
HISTORY_SUMMARIES = {
    "饮水": "自来水时断时续",
    "低保": "申请纳入低保",
    "道路": "通组路路面破损",
    "宅基地": "宅基地界址不清",
    "医疗救助": "住院费用负担重申请救助",
    "环境": "垃圾清运不及时",
    "山林": "林地界址争议",
    "政策咨询": "咨询惠民政策",
    "邻里": "邻里排水纠纷",
    "基础设施": "村里缺少路灯",
}


def _workdays_in(year: int, month: int) -> list[dt.date]:
    from petitions import deadlines

    day, days = dt.date(year, month, 1), []
    while day.month == month:
        if deadlines.is_workday(day)[0]:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def _workdays_after(day: dt.date, n: int) -> dt.date:
    from petitions import deadlines

    return deadlines.add_working_days(day, n)[0]


def year_stories(township, users, now) -> list:
    """The stories of twelve whole months before this one: ``PER_MONTH`` cases a month, received on working days."""
    today = timezone.localdate(now)
    stories, n = [], 0
    for back in range(12, 0, -1):
        year, month = today.year, today.month - back
        while month < 1:
            year, month = year - 1, month + 12
        workdays = _workdays_in(year, month)
        count = PER_MONTH[township.code]
        for k in range(count):
            day = workdays[(k * len(workdays)) // count + (back % 2)] if len(workdays) > count else workdays[0]
            subject, village = HISTORY[township.code][n % len(HISTORY[township.code])]
            stories.append(_history_case(n, day, subject, village, township, users, now))
            n += 1
    return stories


def _history_case(n: int, day: dt.date, subject: str, village_name: str, township, users, now):
    """One past case as a story: its variety follows ``n`` (late signing, late reply and supervision, an extension,
    a reopening, settled in the village, basically satisfied, published)."""
    from minqing.demo import at_work
    from visits.models import Revisit
    from visits.services import revisit_record

    category = Category.objects.filter(subject=subject).first()
    village = Village.objects.filter(township=township, name=village_name).first()
    if category is None or village is None:
        return
    household = Household.objects.filter(village=village).order_by("household_no")[n % 11 : n % 11 + 1].first()
    name = household.head_name if household else SURNAMES[n % len(SURNAMES)] + GIVEN[n % len(GIVEN)]
    phone = household.phone if household and household.phone else f"137{n:04d}{(n * 7919) % 10000:04d}"
    limits = category.limits_in(township.pk)
    lead = limits.default_department
    if lead is None or not lead.staff.exists():
        lead = Department.objects.filter(township=township, name="民政办").first()
    handler = lead.staff.order_by("pk").first() if lead else None
    leader, reception, liaison = users["leader"], users["reception"], users["liaison"]
    in_village = liaison.liaison_villages.filter(pk=village.pk).exists()
    village_liaison = liaison if in_village else village.liaisons.order_by("pk").first()
    reviser = village_liaison or reception
    received_at = at_work(day, 9 + n % 7, (n * 13) % 60)
    summary = HISTORY_SUMMARIES.get(subject, subject)
    settle = village_liaison is not None and n % 10 == 7 and category.kind in ("dispute", "complaint", "help")
    by = village_liaison if settle else reception

    yield received_at
    petition = workflow.petition_register(
        by=by,
        channel="door_visit" if settle else ("visit", "phone", "letter", "mailbox")[n % 4],
        received_at=received_at,
        petitioner_name=name,
        petitioner_phone=phone,
        household=household,
        village=village,
        category=category,
        summary=summary,
        content=f"{summary}。{name}反映：{summary}，希望尽快解决。",
    )
    if settle:  # 在村化解: the village committee settles it within two working days; the liaison revisits
        yield received_at + dt.timedelta(minutes=30)
        workflow.petition_refer_to_village(petition=petition, by=by)
        settled = _workdays_after(day, 2)
        yield at_work(settled, 16)
        workflow.petition_settle_in_village(
            petition=petition,
            by=by,
            analysis="村两委分析：属村内可以调解的矛盾。",
            measures="村调解委员会上门调解，双方达成一致。",
            settled_by="村主任、村调解员",
            settled_on=settled,
        )
        yield at_work(_workdays_after(settled, 3), 10)
        revisit_record(
            petition=petition, by=by, method=Revisit.Method.DOOR, reached=True, solved=True,
            satisfaction="satisfied", comment="调解后双方和好。",
        )  # fmt: skip
        return
    if limits.reply_working_days == 0:  # 即办: answered at the desk, revisited by phone
        yield received_at + dt.timedelta(minutes=25)
        workflow.petition_answer_at_desk(
            petition=petition, by=reception, facts="当场查询政策并解释。", decision="explained", content="已当面答复。"
        )
        yield at_work(_workdays_after(day, 2), 15)
        revisit_record(
            petition=petition, by=reception, method=Revisit.Method.PHONE, reached=True, solved=True,
            satisfaction="satisfied", comment="政策已清楚。",
        )  # fmt: skip
        return
    yield received_at + dt.timedelta(minutes=40)
    workflow.petition_submit(petition=petition, by=reception)
    routed = _workdays_after(day, 1) if n % 3 else day
    yield at_work(routed, 11 if routed != day else 17)
    workflow.petition_route(
        petition=petition, by=leader, instruction=f"请{lead.name}牵头核实，按期答复。", lead_department=lead
    )
    late_sign = n % 7 == 3
    signed = _workdays_after(routed, 3 if late_sign else (n % 2))
    yield (
        at_work(signed, 17, 40)
        if signed == routed and routed == day
        else at_work(signed, 16 if signed == routed else 9, 30)
    )
    workflow.petition_sign(petition=petition, by=handler)
    yield at_work(_workdays_after(signed, 1), 14)
    workflow.petition_add_progress(petition=petition, by=handler, note="已入户核实情况。")
    reply_by = petition.reply_by
    if n % 9 == 4:  # an extension, asked and approved before the deadline
        yield at_work(_workdays_after(signed, 1), 16)
        workflow.petition_request_extension(petition=petition, by=handler, reason="需县级部门出具核查意见。", days=5)
        yield at_work(_workdays_after(signed, 2), 9)
        workflow.petition_decide_extension(petition=petition, by=leader, approve=True, note="同意延期。")
        reply_by = _workdays_after(reply_by, 5)
    late_reply = n % 5 == 2
    if late_reply:  # overdue: the leader supervises, the reply comes after the deadline
        yield at_work(_workdays_after(reply_by, 1), 9)
        workflow.petition_supervise(petition=petition, by=leader, note="已超期，请三日内办结并报结果。")
        replied = _workdays_after(reply_by, 3)
    else:
        replied = min(reply_by, _workdays_after(signed, 1 + n % 3))
    yield at_work(replied, 15)
    _reply(petition, handler)
    revisit_day = _workdays_after(replied, 3)
    if n % 11 == 6:  # not satisfied: back to the department (重办), replied again, then satisfied
        yield at_work(revisit_day, 10)
        revisit_record(
            petition=petition, by=reviser, method=Revisit.Method.PHONE, reached=True, solved=False,
            satisfaction="unsatisfied", comment="诉求人认为问题没有根本解决。",
        )  # fmt: skip
        again = _workdays_after(revisit_day, 4)
        yield at_work(again, 15)
        _reply(petition, handler)
        revisit_day = _workdays_after(again, 2)
    yield at_work(revisit_day, 10)
    satisfaction = "basically_satisfied" if n % 4 == 1 else "satisfied"
    revisit_record(
        petition=petition, by=reviser, method=Revisit.Method.PHONE, reached=True, solved=True,
        satisfaction=satisfaction, comment="问题已解决。",
    )  # fmt: skip
    if n % 3 == 0 and township.code == REFERENCE:  # on the board, approved the next working day
        yield at_work(_workdays_after(revisit_day, 1), 11)
        workflow.petition_publish(
            petition=petition,
            by=leader,
            public_summary=f"反映{village.name}{subject}方面的问题。经{lead.name}核实，已按政策处理。",
            result="已办结，回访群众满意。" if satisfaction == "satisfied" else "已办结，回访群众基本满意。",
        )
