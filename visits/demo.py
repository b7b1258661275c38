"""Sample visits, contact-card details, a deputy, cases raised on visits and their revisits (issue 6).

Everything goes through the services (visit_create, visit_link_petition, revisit_record) and the petitions
workflow, the same on every machine. Each visit carries a fixed client key, and the whole sample is
skipped once its first visit exists, so a second ``seed_demo`` changes nothing.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib.auth import get_user_model
from django.utils import timezone

from households.models import Household, Village

#: The demo's visits carry client keys derived from this namespace: uuid5(NAMESPACE, "visit-<n>").
NAMESPACE = uuid.UUID("6f1d3c1e-7a52-4b7e-9c1a-2d6e5b8a9f00")

# username → (post, phone, deputy level or "")
PROFILES = {
    "leader": ("乡党委副书记、民情信息中心主任", "13908510001", ""),
    "reception": ("民情信息中心工作人员", "13908510002", ""),
    "liaison": ("和平村、新发村民情联络员", "13908510003", ""),
    "liaison2": ("大井村民情联络员", "13908510004", "township"),
}

# village → [(post, name, phone)]
VILLAGE_LEADERS = {
    "和平村": [("党支部书记", "周德华", "13908511001"), ("村委会主任", "吴国庆", "13908511002")],
    "新发村": [("党支部书记", "郑永明", "13908512001"), ("村委会主任", "冯桂兰", "13908512002")],
    "大井村": [("党支部书记兼村委会主任", "何建平", "13908513001"), ("村监委会主任", "罗秀珍", "13908513002")],
}

HEARD = [
    "反映村组道路雨后积水，出行不便。",
    "家中老人腿脚不便，询问居家养老服务。",
    "咨询今年医保缴费标准和缴费时间。",
    "反映自来水压力小，早晚用水高峰时没水。",
    "询问产业补贴申报条件，想扩大养殖规模。",
    "邻里之间因宅前排水沟有些矛盾，已当场调解。",
    "孩子在外务工，留守老人生活基本正常，身体尚可。",
    "反映村口路灯损坏两盏。",
]
DONE = ["当场解释了政策。", "已记录，转村委会处理。", "", "已联系供水站查看。", "发放了政策明白卡。"]


def key(n: int) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"visit-{n}")


def seed_config(log) -> None:
    """Visits need no configuration of their own (contact-card details come with the sample)."""


def seed_sample(log) -> None:
    from visits.models import Visit

    if Visit.objects.filter(client_key=key(0)).exists():
        return
    users = get_user_model().objects.in_bulk(list(PROFILES) + ["handler"], field_name="username")
    if not {"leader", "reception", "liaison", "liaison2", "handler"} <= set(users):
        log("示例走访：缺少演示账号，跳过。")
        return
    _profiles(users)
    _village_leaders()
    made = _visits(users)
    cases = _cases_from_visits(users, made)
    log(f"示例走访：{made['count']} 次（含夜访、座谈会、代表联系选民），由走访登记诉求 {cases} 件并回访")
    log(f"民情联系卡月报：{_contact_reports(users)}")


def _contact_reports(users) -> str:
    """Last month's reports of the demo cadres (民情联系卡月报): drafted from their visits; 陈秀英 (liaison) submitted
    hers on the 2nd with a special report, 刘强 (liaison2) has not yet."""
    from visits.models import ContactReport
    from visits.querysets import Month
    from visits.reports import contact_report_submit, contact_reports_build, special_report_add

    month = Month.current().previous()
    made = contact_reports_build(month)
    report = ContactReport.objects.filter(cadre=users["liaison"], month=month.start.date()).first()
    if report is not None and report.status == ContactReport.Status.DRAFT:
        special_report_add(
            report=report,
            by=users["liaison"],
            title="和平村三组村道雨后塌方",
            content="三组至四组村道约20米路基塌方，影响12户出行，需乡里协调交通、自规部门修复。",
            proposal="列入本月党政联席分析会研究。",
        )
        on_the_2nd = timezone.make_aware(dt.datetime(month.next().year, month.next().month, 2, 10))
        contact_report_submit(
            report=report,
            by=users["liaison"],
            texts={
                "summary": "联系户总体稳定，反映集中在低保认定和村道维修。",
                "settled_note": "当场解答政策咨询，调解邻里纠纷1起。",
                "suggestions": "建议加快三组村道修复。",
            },
            now=min(on_the_2nd, timezone.now()),
        )
    return f"{month.label}生成草稿 {made} 份"


def _profiles(users) -> None:
    from visits.models import CadreProfile

    for username, (post, phone, level) in PROFILES.items():
        CadreProfile.objects.get_or_create(
            user=users[username],
            defaults={"post": post, "phone": phone, "is_deputy": bool(level), "deputy_level": level},
        )


def _village_leaders() -> None:
    from visits.models import VillageLeader

    for village in Village.objects.filter(township__code="DX", name__in=VILLAGE_LEADERS):
        for order, (post, name, phone) in enumerate(VILLAGE_LEADERS[village.name]):
            VillageLeader.objects.get_or_create(
                village=village, name=name, post=post, defaults={"phone": phone, "sort_order": order}
            )


def _moments(now: dt.datetime, count: int, month_start: dt.datetime) -> list[dt.datetime]:
    """``count`` daytime moments spread over this month so far, all before now and inside the month."""
    today = timezone.localdate(now)
    days = (today - month_start.date()).days
    moments = []
    for k in range(count):
        day = today - dt.timedelta(days=(k * (days + 1)) // max(count, 1))
        moment = timezone.make_aware(dt.datetime.combine(day, dt.time(9 + (k * 3) % 9, (k * 17) % 60)))
        if moment > now - dt.timedelta(hours=1):
            moment = now - dt.timedelta(hours=1, minutes=k)
        moments.append(min(max(moment, month_start + dt.timedelta(minutes=k)), now - dt.timedelta(minutes=1)))
    return moments


def _last_month(month_start: dt.datetime, n: int) -> dt.datetime:
    """A daytime moment in the month before this one."""
    day = month_start.date() - dt.timedelta(days=2 + (n * 5) % 25)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(9 + n % 8, (n * 13) % 60)))


def _visits(users) -> dict:
    from visits.models import Visit
    from visits.services import visit_create

    now = timezone.now()
    today = timezone.localdate()
    month_start = timezone.make_aware(dt.datetime(today.year, today.month, 1))
    counter = iter(range(1000))
    made: dict = {"count": 0, "by_village": {}}

    def visit(by, village, households, when, kind=Visit.Kind.HOME_VISIT, participants=(), heard="", done="", **kw):
        n = next(counter)
        result, _ = visit_create(
            by=by,
            kind=kind,
            visited_at=when,
            village=village,
            households=households,
            participants=participants or [by],
            heard=heard or HEARD[n % len(HEARD)],
            done_on_spot=done if done is not None else DONE[n % len(DONE)],
            client_key=key(n),
            **kw,
        )
        made["count"] += 1
        made["by_village"].setdefault(village.name, []).append(result)
        return result

    villages = {v.name: v for v in Village.objects.filter(township__code="DX", name__in=["和平村", "新发村", "大井村"])}
    liaison, liaison2, leader, reception = (users[u] for u in ("liaison", "liaison2", "leader", "reception"))
    # The contact cadres' rounds: most households this month, the rest last month (so someone is behind).
    for cadre, village_name, this_month in ((liaison, "和平村", 11), (liaison2, "大井村", 6)):
        village = villages.get(village_name)
        if village is None:
            continue
        contacts = list(Household.objects.filter(village=village, contact_cadre=cadre).order_by("household_no"))
        moments = _moments(now, this_month, month_start)
        for n, household in enumerate(contacts):
            when = moments[n] if n < this_month else _last_month(month_start, n)
            kind = Visit.Kind.CHAT if n % 4 == 3 else Visit.Kind.HOME_VISIT
            visit(
                cadre,
                village,
                [household],
                when,
                kind=kind,
                follow_ups=("跟进落实走访中反映的问题",) if n % 5 == 0 else (),
            )
    # A 1+2+N night visit in 新发村: the leader, two duty cadres and the village's liaison.
    if "新发村" in villages:
        homes = list(Household.objects.filter(village=villages["新发村"]).order_by("household_no")[:3])
        night = timezone.localtime(now - dt.timedelta(days=1)).replace(hour=20, minute=30, second=0, microsecond=0)
        visit(
            leader, villages["新发村"], homes, night, kind=Visit.Kind.NIGHT_VISIT,
            participants=[(leader, "lead"), (reception, "duty"), (users["handler"], "duty"), (liaison, "village")],
            heard="夜访三户：反映通组路硬化、危房改造进度和低保评定。", done="现场答复了通组路计划，其余登记转办。",
            follow_ups=("通组路硬化方案报乡城建办", "危房改造进度向住建部门了解后答复"),
        )  # fmt: skip
    # A village forum (座谈会) in 和平村, no particular household.
    if "和平村" in villages:
        visit(
            liaison, villages["和平村"], [], now - dt.timedelta(days=2, hours=3), kind=Visit.Kind.FORUM,
            participants=[liaison, leader], heard="与老党员、种养大户座谈产业发展和人居环境整治。", done="",
        )  # fmt: skip
    # The deputy (刘强, a township deputy) meets voters in 大井村 through the year.
    if "大井村" in villages:
        voters = list(Household.objects.filter(village=villages["大井村"]).order_by("-household_no")[:12])
        start = min(timezone.make_aware(dt.datetime(today.year, 1, 10, 15)), now - dt.timedelta(days=30))
        step = max((now - start) / 13, dt.timedelta(hours=2))
        for n, voter in enumerate(voters):
            visit(
                liaison2, villages["大井村"], [voter], start + step * n, kind=Visit.Kind.DEPUTY_CONTACT,
                heard="代表联系选民：听取对村务公开、惠民政策落实的意见。", done="",
            )  # fmt: skip
    # Through the year: each of the twelve months before last, the contact cadres' rounds in 和平村 and 大井村, each
    # visit recorded at its own time (minqing.demo.demo_clock).
    from minqing.demo import at_work, demo_clock

    for back in range(2, 13):
        first = (month_start.date().replace(day=1) - dt.timedelta(days=28 * back)).replace(day=1)
        for cadre, village_name, count in ((liaison, "和平村", 3), (liaison2, "大井村", 2)):
            village = villages.get(village_name)
            if village is None:
                continue
            contacts = list(Household.objects.filter(village=village, contact_cadre=cadre).order_by("household_no"))
            for k in range(min(count, len(contacts))):
                when = at_work(first + dt.timedelta(days=3 + 8 * k), 9 + k * 2, 10)
                with demo_clock(when + dt.timedelta(minutes=30)):
                    visit(cadre, village, [contacts[(back * count + k) % len(contacts)]], when, done=None)
    return made


# (village, household index, subject, summary, how the revisit goes)
CASES = [
    ("和平村", 0, "饮水", "走访中反映：自来水压力小，高峰时段停水", "satisfied"),
    ("和平村", 2, "道路", "走访中反映：村口路灯损坏两盏", "unreached"),
    ("新发村", 0, "低保", "夜访中反映：低保评定不公", "unsatisfied"),
    ("大井村", 3, "道路", "走访中反映：通组路雨后积水", "basically_satisfied"),
]


def _cases_from_visits(users, made) -> int:
    """Cases opened from visits (channel 走访), taken through the pipeline and revisited."""
    from minqing.demo import demo_clock
    from petitions import workflow
    from petitions.intake import petition_intake
    from petitions.models import Category, Channel, Department, Reply
    from visits.models import Revisit
    from visits.services import revisit_record, visit_link_petition

    leader, reception = users["leader"], users["reception"]
    count = 0
    for village_name, index, subject, summary, outcome in CASES:
        visits = made["by_village"].get(village_name) or []
        visit = next((v for v in visits[index:] if v.households.exists()), None)
        category = Category.objects.filter(subject=subject).first()
        if visit is None or category is None:
            continue
        lead = category.default_department_in(visit.village.township_id)
        if lead is None or not lead.staff.exists():
            lead = (
                Department.objects.filter(township_id=visit.village.township_id, staff__isnull=False)
                .order_by("sort_order", "pk")
                .first()
            )
        handler = lead.staff.order_by("pk").first() if lead else None
        if handler is None:
            continue
        household = visit.households.order_by("household_no").first()
        liaison = users["liaison2"] if village_name == "大井村" else users["liaison"]
        # Each step at its own time (minqing.demo.demo_clock): from the visit up to an hour ago.
        gap = max((timezone.now() - dt.timedelta(hours=1) - visit.visited_at) / 8, dt.timedelta(minutes=5))
        times = iter(visit.visited_at + gap * k for k in range(1, 20))
        with demo_clock(visit.visited_at + gap / 2):
            petition = petition_intake(
                by=liaison,
                data={
                    "channel": Channel.DOOR_VISIT,
                    "received_at": visit.visited_at,
                    "petitioner_name": household.head_name,
                    "petitioner_phone": household.phone,
                    "petitioner_id_number": "",
                    "household": household,
                    "village": visit.village,
                    "category": category,
                    "summary": summary,
                    "content": f"{summary}。{visit.heard}",
                },
                after_register=lambda p, visit=visit, liaison=liaison: visit_link_petition(
                    visit=visit, petition=p, by=liaison
                ),
            )
        with demo_clock(next(times)):
            workflow.petition_submit(petition=petition, by=liaison)
        with demo_clock(next(times)):
            workflow.petition_route(
                petition=petition, by=leader, instruction="请牵头核实，按期答复。", lead_department=lead
            )
        with demo_clock(next(times)):
            workflow.petition_sign(petition=petition, by=handler)
        with demo_clock(next(times)):
            workflow.petition_reply(
                petition=petition,
                by=handler,
                facts="经现场核实，情况属实。",
                decision=Reply.Decision.SUPPORT,
                content="已安排处理，并告知诉求人。",
                delivery=Reply.Delivery.PHONE,
            )
        reviser = reception if village_name == "大井村" else liaison
        if outcome == "unreached":
            for method in (Revisit.Method.PHONE, Revisit.Method.PHONE, Revisit.Method.DOOR):
                with demo_clock(next(times)):
                    revisit_record(petition=petition, by=reviser, method=method, reached=False, comment="电话无人接听")
        else:
            with demo_clock(next(times)):
                revisit_record(
                    petition=petition,
                    by=reviser,
                    method=Revisit.Method.DOOR if outcome == "unsatisfied" else Revisit.Method.PHONE,
                    reached=True,
                    solved=outcome != "unsatisfied",
                    satisfaction=outcome,
                    comment="评定结果没有公示，不认可。" if outcome == "unsatisfied" else "问题已解决，谢谢。",
                )
        count += 1
    return count
