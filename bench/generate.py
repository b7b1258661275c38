"""A county's worth of data for the benchmark: 20 townships, 260 villages, 250,000 households, 750,000 people,
500,000 cases over three years in every state with their history, 1,000,000 visits (times ``BENCH_SCALE``).

The workflow (``petitions/workflow.py``) is the reference for what a case looks like; calling it once per
row would take days at this size, so this module writes the *equivalent rows directly* with ``COPY``:
for each case it plays the workflow's steps in time order (register → submit → route → sign → progress /
extension / supervision → reply → revisit, with returns, re-handling after a 不满意 revisit, the side exits
and answers at the desk), each step writing what the workflow's function writes — the case's fields, one
``PetitionEvent`` with the same ``data`` keys, and the action's own rows (``Reply``, ``ExtensionRequest``,
``SupervisionNotice``, ``visits.Revisit``, assisting departments, representatives). Deadlines come from
``petitions.deadlines`` (the same working-day and statutory arithmetic, cached per day). The steps stop at
"now", so recent cases are caught in every open state; a few recent cases stall (the overdue ones).
``tests/bench/test_generate.py`` checks the result against the workflow's rules at a small scale.

Configuration (villages, groups, tags, departments, categories, accounts) is made through the ORM;
the demo accounts come from ``seed_demo --no-sample-data`` so the runner can log in as each role.
Villages do not scale: the county always has 20 townships of 13 villages.
"""

from __future__ import annotations

import datetime as dt
import random
import time
import uuid
import zoneinfo
from dataclasses import dataclass, field
from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group as AuthGroup
from django.db import connection, models, transaction

from bench.copyload import Loader

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
UTC = dt.UTC

FULL = {"households": 250_000, "people": 750_000, "cases": 500_000, "visits": 1_000_000}
#: The month the monthly-report benchmark builds (the last full month) holds this many cases at scale 1.
REPORT_MONTH_CASES = 20_000
YEARS = 3

TOWNSHIPS = (
    "鼎新乡 龙场镇 乐平镇 茶园乡 双河镇 石门乡 平坝镇 清水乡 白岩镇 高峰乡 "
    "新场镇 马场镇 青山乡 安乐乡 桃源镇 金竹乡 红岩镇 大坪乡 河西镇 云峰乡"
).split()
VILLAGE_WORDS = ["团结", "光明", "胜利", "红星", "向阳", "联合", "民主", "和谐", "幸福", "富民", "兴隆", "太平", "永安"]
GROUPS_PER_VILLAGE = 6

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜"
GIVEN_M = "国建明军强伟平德志永福发贵洪文华勇兵刚林山海成忠祥荣"
GIVEN_F = "秀英芳兰桂花玉珍凤琴梅丽霞云燕红敏萍娟慧春菊"

SUMMARIES = {
    "政策咨询": ["咨询惠农补贴政策", "咨询建房审批流程"],
    "社保医保": ["咨询城乡居民医保缴费", "养老保险待遇咨询"],
    "村务管理": ["建议公开村务财务", "建议规范村集体资产管理"],
    "基础设施": ["建议修建村文化广场", "建议增设路灯"],
    "道路": ["通组路损坏无人修", "村道积水影响通行"],
    "饮水": ["自来水停水多日", "饮水管道破裂"],
    "环境": ["养殖场异味扰民", "垃圾清运不及时"],
    "治安": ["夜间有人偷盗农具", "邻村青年聚众滋事"],
    "低保": ["申请低保", "低保被取消要求复核"],
    "医疗救助": ["大病医疗救助申请", "住院费用报销难"],
    "劳资": ["务工工资被拖欠", "工地欠薪"],
    "土地承包": ["承包地被占用", "土地流转费未兑现"],
    "宅基地": ["宅基地边界纠纷", "宅基地审批迟迟未办"],
    "山林": ["山林界址争议", "林权证办理"],
    "征地拆迁": ["征地补偿款未到位", "拆迁安置房分配不公"],
    "婚姻家庭": ["赡养老人纠纷", "离婚后子女抚养纠纷"],
    "邻里": ["邻居建房挡住采光", "排水沟纠纷"],
    "干部作风": ["反映村干部优亲厚友", "反映工作人员推诿"],
    "惠民资金": ["反映补贴资金被截留", "反映低保金冒领"],
}
HEARD = [
    "反映灌溉用水紧张",
    "家中老人身体不好，希望落实家庭医生",
    "询问产业补贴申报",
    "希望硬化入户路",
    "反映邻里排水问题",
    "对村里环境整治表示满意",
    "咨询孩子入学政策",
    "希望增加务工信息",
]

# channel → weight
CHANNELS = [("visit", 35), ("phone", 25), ("letter", 5), ("mailbox", 5), ("door_visit", 20), ("online", 10)]
VISIT_KINDS = [
    ("home_visit", 45),
    ("night_visit", 12),
    ("chat", 15),
    ("field_study", 4),
    ("forum", 4),
    ("hearing", 2),
    ("phone_call", 16),
    ("deputy_contact", 2),
]
HOUSEHOLD_VISIT_KINDS = {"home_visit", "night_visit", "chat", "phone_call"}
REVISIT_METHODS = [("phone", "电话"), ("door", "上门"), ("sms", "短信")]
SATISFACTION_LABEL = {"satisfied": "满意", "basically_satisfied": "基本满意", "unsatisfied": "不满意"}


def counts_for(scale: float) -> dict[str, int]:
    counts = {name: max(1, round(n * scale)) for name, n in FULL.items()}
    counts["report_month_cases"] = max(1, round(REPORT_MONTH_CASES * scale))
    return counts


@dataclass
class Person_:
    id: int
    name: str


@dataclass
class Township:
    index: int
    name: str
    pk: int = 0
    prefix: str = ""  # its tracking numbers' prefix (households.Township.number_prefix)
    villages: list = field(default_factory=list)  # [(id, name)]
    offices: dict = field(default_factory=dict)  # office name → (dept id, dept name)
    leader: Person_ | None = None
    reception: Person_ | None = None
    staff: list = field(default_factory=list)  # every user of the township (visit participants)


@dataclass
class Ctx:
    rng: random.Random
    scale: float
    now: dt.datetime
    start: dt.datetime
    townships: list
    village_township: dict  # village id → Township
    village_liaison: dict  # village id → Person_
    committee: dict  # village id → (dept id, name)
    dept_handler: dict  # dept id → Person_
    categories: list  # dicts
    category_weights: list
    households_by_village: dict  # village id → [household index]
    hh_info: list  # index → (id, village id, head name, phone, head id number)
    timings: dict = field(default_factory=dict)


# --- helpers -------------------------------------------------------------------------------------


def _name(rng: random.Random, sex: str = "", surname: str | None = None) -> str:
    sex = sex or rng.choice("MF")
    given = GIVEN_M if sex == "M" else GIVEN_F
    return (surname or rng.choice(SURNAMES)) + "".join(rng.choice(given) for _ in range(rng.choice((1, 2))))


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"


def _pick(rng: random.Random, weighted: list[tuple]) -> str:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


def local_date(when: dt.datetime) -> dt.date:
    return when.astimezone(TZ).date()


_CALENDAR = None


def _calendar():
    """One ``petitions.deadlines.WorkingCalendar`` for the whole run: the workflow's own arithmetic, with the
    admin's holiday rows read once instead of once per call."""
    global _CALENDAR
    if _CALENDAR is None:
        from petitions.deadlines import WorkingCalendar

        _CALENDAR = WorkingCalendar.around(dt.date.today() - dt.timedelta(days=366 * YEARS + 31), years=YEARS + 3)
    return _CALENDAR


def _setting(name: str) -> int:
    from petitions.deadlines import setting

    return setting(name)


@cache
def _working(day: dt.date, days: int) -> tuple[dt.date, bool]:
    return _calendar().add_working_days(day, days)


@cache
def _notice_by(day: dt.date) -> tuple[dt.date, bool]:
    return _calendar().add_calendar_days(day, _setting("STATUTORY_NOTICE_DAYS"))


@cache
def _finish_by(day: dt.date) -> tuple[dt.date, bool]:
    return _calendar().add_calendar_days(day, _setting("STATUTORY_FINISH_DAYS"))


@cache
def _review_by(day: dt.date) -> tuple[dt.date, bool]:
    return _calendar().add_calendar_days(day, _setting("STATUTORY_REVIEW_DAYS"))


@cache
def _extend(day: dt.date, days: int) -> tuple[dt.date, bool]:
    return _calendar().add_calendar_days(day, days)


def _end_of_day(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(17, 30), TZ).astimezone(UTC)


class Ids:
    """Primary keys handed out by the generator (the tables start empty)."""

    def __init__(self):
        self._next: dict[str, int] = {}

    def __call__(self, table: str) -> int:
        value = self._next.get(table, 0) + 1
        self._next[table] = value
        return value


# --- configuration (ORM, small) ------------------------------------------------------------------


def build_configuration(rng: random.Random, log) -> tuple[list[Township], dict]:
    """Townships, villages, groups, departments and accounts beyond the demo township's (鼎新乡, code DX)."""
    from households.models import Group, Village
    from households.models import Township as TownshipRow
    from petitions.demo import OFFICES
    from petitions.models import Department

    User = get_user_model()
    roles = {g.name: g for g in AuthGroup.objects.all()}
    password = make_password("minqing2026")
    townships = [Township(i, name) for i, name in enumerate(TOWNSHIPS)]

    demo = TownshipRow.objects.get(code="DX")
    townships[0].pk, townships[0].prefix = demo.pk, demo.number_prefix
    for t in townships[1:]:
        code = "Q" + chr(ord("A") + t.index)  # QB, QC … (letters only, as a township's code must be)
        row = TownshipRow.objects.create(
            name=t.name, code=code, number_prefix=f"MQ{code}", center_name=f"{t.name}民情信息中心", sort_order=t.index
        )
        t.pk, t.prefix = row.pk, row.number_prefix
    demo_villages = list(Village.objects.filter(township=demo).order_by("sort_order", "pk"))
    townships[0].villages = [(v.pk, v.name) for v in demo_villages]
    order = max((v.sort_order for v in demo_villages), default=0)
    new_villages = []
    for t in townships[1:]:
        for word in VILLAGE_WORDS:
            order += 1
            new_villages.append(Village(township_id=t.pk, name=f"{t.name[:2]}{word}村", sort_order=order))
    Village.objects.bulk_create(new_villages)
    by_name = {v.name: v for v in Village.objects.filter(township__in=[t.pk for t in townships])}
    for t in townships[1:]:
        t.villages = [(by_name[f"{t.name[:2]}{w}村"].pk, f"{t.name[:2]}{w}村") for w in VILLAGE_WORDS]
    groups = []
    existing = set(Group.objects.values_list("village_id", "name"))
    for t in townships:
        for vid, _ in t.villages:
            for n in range(1, GROUPS_PER_VILLAGE + 1):
                if (vid, f"{n}组") not in existing:
                    groups.append(Group(village_id=vid, name=f"{n}组"))
    Group.objects.bulk_create(groups, batch_size=2000)

    # Offices: the demo township keeps the demo's; the others get their own copies.
    demo_offices = {d.name: d for d in Department.objects.filter(township=demo, name__in=OFFICES)}
    townships[0].offices = {name: (d.pk, d.name) for name, d in demo_offices.items()}
    new_depts = []
    for t in townships[1:]:
        for k, office in enumerate(OFFICES, start=1):
            new_depts.append(
                Department(township_id=t.pk, name=f"{t.name}{office}", kind=Department.Kind.OFFICE, sort_order=k)
            )
    for t in townships[1:]:
        for vid, vname in t.villages:
            new_depts.append(
                Department(
                    township_id=t.pk, name=f"{vname}委会", kind=Department.Kind.VILLAGE, village_id=vid, sort_order=vid
                )
            )
    Department.objects.bulk_create(new_depts)
    depts = {d.name: d for d in Department.objects.filter(township__in=[t.pk for t in townships[1:]])}
    for t in townships[1:]:
        t.offices = {office: (depts[f"{t.name}{office}"].pk, f"{t.name}{office}") for office in OFFICES}
    committee = {
        d.village_id: (d.pk, d.name)
        for d in Department.objects.filter(kind=Department.Kind.VILLAGE, township__in=[t.pk for t in townships])
    }

    # Accounts: the demo ones for 鼎新乡, generated ones for the rest and for 鼎新乡's uncovered posts.
    demo = {u.username: u for u in User.objects.all()}
    plan = []  # (username, full name, role, village ids, dept ids)
    for t in townships:
        p = f"b{t.index:02d}_"
        if t.index:
            plan.append((p + "leader", _name(rng), "leader", [], []))
            plan.append((p + "reception", _name(rng), "reception", [], []))
        for k, (office, (did, _)) in enumerate(t.offices.items()):
            if t.index == 0 and office in ("民政办", "自规所"):
                continue
            plan.append((f"{p}h{k}", _name(rng), "handler", [], [did]))
        for v, (vid, _) in enumerate(t.villages):
            plan.append((f"{p}c{v}", _name(rng), "handler", [], [committee[vid][0]]))
            if not (t.index == 0 and v < 3):  # 和平村, 新发村 (liaison), 大井村 (liaison2)
                plan.append((f"{p}l{v}", _name(rng), "liaison", [vid], []))
    users = [User(username=u, first_name=n, password=password) for u, n, *_ in plan]
    User.objects.bulk_create(users, batch_size=1000)
    made = {u.username: u for u in User.objects.filter(username__in=[p[0] for p in plan])}
    Membership = User.groups.through
    Liaison = Village.liaisons.through
    Staff = Department.staff.through
    Membership.objects.bulk_create([Membership(user_id=made[u].pk, group_id=roles[r].pk) for u, _, r, *_ in plan])
    Liaison.objects.bulk_create([Liaison(user_id=made[u].pk, village_id=v) for u, *_, vs, _ in plan for v in vs])
    Staff.objects.bulk_create([Staff(user_id=made[u].pk, department_id=d) for u, *_, ds in plan for d in ds])
    # The center roles work in their township (minqing.access): leaders and reception are its staff.
    TownshipStaff = TownshipRow.staff.through
    TownshipStaff.objects.bulk_create(
        [
            TownshipStaff(user_id=made[u].pk, township_id=townships[int(u[1:3])].pk)
            for u, _, r, *_ in plan
            if r in ("leader", "reception")
        ]
    )

    people = {
        **{k: Person_(u.pk, u.first_name or k) for k, u in demo.items()},
        **{k: Person_(u.pk, u.first_name) for k, u in made.items()},
    }
    village_liaison, dept_handler = {}, {}
    for t in townships:
        p = f"b{t.index:02d}_"
        t.leader = people["leader" if t.index == 0 else p + "leader"]
        t.reception = people["reception" if t.index == 0 else p + "reception"]
        for k, (office, (did, _)) in enumerate(t.offices.items()):
            if t.index == 0 and office == "民政办":
                dept_handler[did] = people["handler"]
            elif t.index == 0 and office == "自规所":
                dept_handler[did] = people["handler2"]
            else:
                dept_handler[did] = people[f"{p}h{k}"]
        for v, (vid, _) in enumerate(t.villages):
            dept_handler[committee[vid][0]] = people[f"{p}c{v}"]
            if t.index == 0 and v < 3:
                village_liaison[vid] = people["liaison2" if v == 2 else "liaison"]
            else:
                village_liaison[vid] = people[f"{p}l{v}"]
        t.staff = [t.leader, t.reception] + [village_liaison[vid] for vid, _ in t.villages]
    log(
        f"配置：{len(townships)} 个乡镇，{sum(len(t.villages) for t in townships)} 个村，账号 {User.objects.count()} 个"
    )
    return townships, {"village_liaison": village_liaison, "dept_handler": dept_handler, "committee": committee}


# --- households and people -------------------------------------------------------------------------


def load_households(ctx: Ctx, loader: Loader, ids: Ids, counts: dict, log) -> None:
    from households.idcard import id_number_for
    from households.models import Group, Household, HouseholdEvent, Person, Tag

    rng = ctx.rng
    groups: dict[int, list[int]] = {}
    for gid, vid in Group.objects.order_by("pk").values_list("pk", "village_id"):
        groups.setdefault(vid, []).append(gid)
    hh_tags = list(Tag.objects.filter(kind=Tag.Kind.HOUSEHOLD).values_list("pk", flat=True))
    person_tags = list(Tag.objects.filter(kind=Tag.Kind.PERSON).values_list("pk", flat=True))
    HouseholdTags = Household.tags.through
    PersonTags = Person.tags.through
    villages = [(t, vid, vname) for t in ctx.townships for vid, vname in t.villages]
    total = counts["households"]
    per_village = [total // len(villages) + (1 if i < total % len(villages) else 0) for i in range(len(villages))]
    sequences: dict[tuple, int] = {}
    ledger_start = ctx.start - dt.timedelta(days=30)

    def id_number(region: str, birth: dt.date, sex: str) -> str | None:
        if rng.random() < 0.1:  # old ledgers: about one person in ten without an ID number
            return None
        key = (region, birth, sex)
        n = sequences.get(key, 1 if sex == "M" else 0)  # odd sequence = male
        sequences[key] = n + 2
        return id_number_for(region, birth, n)

    def birth(lo: int, hi: int) -> dt.date:
        return dt.date(rng.randint(lo, hi), rng.randint(1, 12), rng.randint(1, 28))

    for (t, vid, vname), n in zip(villages, per_village, strict=True):
        region = f"5206{t.index:02d}"
        liaison = ctx.village_liaison[vid]
        bucket = ctx.households_by_village.setdefault(vid, [])
        for k in range(n):
            hid = ids("household")
            surname = rng.choice(SURNAMES)
            head_sex = "M" if rng.random() < 0.8 else "F"
            head_birth = birth(1940, 1995)
            members = [(_name(rng, head_sex, surname), "户主", head_sex, head_birth)]
            size = rng.choices((1, 2, 3, 4, 5), (10, 20, 40, 20, 10))[0]
            for m in range(size - 1):
                if m == 0:
                    sex = "F" if head_sex == "M" else "M"
                    members.append((_name(rng, sex), "配偶", sex, birth(head_birth.year - 3, head_birth.year + 3)))
                else:
                    sex = rng.choice("MF")
                    young = min(head_birth.year + 20, 2020), min(head_birth.year + 38, 2023)
                    members.append((_name(rng, sex, surname), "子女", sex, birth(*young)))
            created = ledger_start - dt.timedelta(days=rng.randint(0, 3 * 365))
            phone = _phone(rng)
            people = []
            for name, relation, sex, born in members:
                people.append((ids("person"), name, relation, sex, born, id_number(region, born, sex)))
            head_id = people[0][5]
            loader.add(
                Household,
                id=hid,
                village_id=vid,
                group_id=rng.choice(groups[vid]),
                household_no=f"{5001 + k:04d}",
                head_name=members[0][0],
                head_id_number=head_id,
                phone=phone,
                address=f"{t.name}{vname}{5001 + k}号",
                size=size,
                contact_cadre_id=liaison.id if k < 15 else None,
                notes="",
                created_at=created,
                updated_at=created,
            )
            for pid, name, relation, sex, born, number in people:
                loader.add(
                    Person,
                    id=pid,
                    household_id=hid,
                    name=name,
                    relation=relation,
                    id_number=number,
                    sex=sex,
                    birth_date=born,
                    phone=_phone(rng) if rng.random() < 0.3 else "",
                )
                if rng.random() < 0.1:
                    loader.add(PersonTags, id=ids("person_tags"), person_id=pid, tag_id=rng.choice(person_tags))
            for tag in rng.sample(hh_tags, rng.choices((0, 1, 2), (75, 20, 5))[0]):
                loader.add(HouseholdTags, id=ids("household_tags"), household_id=hid, tag_id=tag)
            loader.add(
                HouseholdEvent,
                id=ids("household_event"),
                household_id=hid,
                action="created",
                actor_id=None,
                actor_name="台账导入",
                created_at=created,
                note="",
            )
            bucket.append(len(ctx.hh_info))
            ctx.hh_info.append((hid, vid, members[0][0], phone, head_id))
    loader.flush()
    log(f"户籍：{loader.counts['households_household']} 户，{loader.counts['households_person']} 人")


# --- cases ---------------------------------------------------------------------------------------


def _received_times(ctx: Ctx, counts: dict) -> tuple[list[dt.datetime], tuple[dt.datetime, dt.datetime]]:
    """Every case's receipt time, oldest first: the last full month holds ``report_month_cases``, the rest
    spread evenly over the other days of the three years, in office hours."""
    rng = ctx.rng
    now_local = ctx.now.astimezone(TZ)
    month_end = now_local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    month_start = (month_end - dt.timedelta(days=1)).replace(day=1)
    start_day = local_date(ctx.start)
    days = [start_day + dt.timedelta(days=n) for n in range((now_local.date() - start_day).days + 1)]
    in_month = [d for d in days if month_start.date() <= d < month_end.date()]
    outside = [d for d in days if not (month_start.date() <= d < month_end.date())]
    n_month = min(counts["report_month_cases"], counts["cases"])
    chosen = [rng.choice(in_month) for _ in range(n_month)]
    chosen += [rng.choice(outside) for _ in range(counts["cases"] - n_month)]
    times = []
    for day in chosen:
        seconds = rng.randint(8 * 3600, 18 * 3600)
        when = (dt.datetime.combine(day, dt.time(), TZ) + dt.timedelta(seconds=seconds)).astimezone(UTC)
        if when >= ctx.now:  # today, later than now: earlier today instead
            when = ctx.now - dt.timedelta(minutes=rng.randint(1, 600))
        times.append(when)
    times.sort()
    return times, (month_start.astimezone(UTC), month_end.astimezone(UTC))


class CaseWriter:
    """Plays one case's workflow steps up to "now" and queues the rows each step writes."""

    def __init__(self, ctx: Ctx, loader: Loader, ids: Ids):
        from petitions.models import (
            ExtensionRequest,
            Petition,
            PetitionEvent,
            Reply,
            Representative,
            SupervisionNotice,
        )
        from visits.models import Revisit, Visit

        self.ctx, self.loader, self.ids, self.rng = ctx, loader, ids, ctx.rng
        self.M = {
            "Petition": Petition,
            "Event": PetitionEvent,
            "Reply": Reply,
            "Extension": ExtensionRequest,
            "Notice": SupervisionNotice,
            "Representative": Representative,
            "Revisit": Revisit,
            "Visit": Visit,
            "Assisting": Petition.assisting_departments.through,
            "VisitPetitions": Visit.petitions.through,
            "VisitHouseholds": Visit.households.through,
            "VisitParticipants": Visit.participants.through,
        }
        self.tracking: list[str] = [""]  # id → tracking number (ids start at 1)
        self.month_numbers: dict[str, int] = {}
        self.last_case_of_household: dict[int, int] = {}
        self.visits_made = 0
        self.status_counts: dict[str, int] = {}

    # one case ------------------------------------------------------------------------------------
    def write(self, pid: int, received: dt.datetime) -> None:  # noqa: C901 — one story, told in order
        ctx, rng, M = self.ctx, self.rng, self.M
        now = ctx.now
        t = rng.choice(ctx.townships)
        hh = None
        village = None
        if rng.random() < 0.95:
            vid = rng.choice(t.villages)[0]
            village = vid
            bucket = ctx.households_by_village.get(vid)
            if bucket and rng.random() < 0.7:
                hh = ctx.hh_info[rng.choice(bucket)]
        cat = rng.choices(ctx.categories, ctx.category_weights)[0]
        channel = _pick(rng, CHANNELS)
        if channel == "door_visit" and village is None:
            channel = "visit"
        if hh is not None:
            name, phone, id_number = hh[2], hh[3], hh[4] or ""
        else:
            name, phone, id_number = _name(rng), _phone(rng) if rng.random() < 0.9 else "", ""
        key = t.prefix + received.astimezone(TZ).strftime("%Y%m")
        number = self.month_numbers.get(key, 0) + 1
        self.month_numbers[key] = number
        tracking = f"{key}-{number:04d}"
        self.tracking.append(tracking)
        liaison = ctx.village_liaison.get(village) if village else None
        registrar = liaison if channel == "door_visit" else t.reception
        notice_by, prov = _notice_by(local_date(received))
        previous = self.last_case_of_household.get(hh[0]) if hh else None
        is_repeat = previous is not None and rng.random() < 0.3
        p = {
            "id": pid,
            "tracking_number": tracking,
            "township_id": t.pk,
            "channel": channel,
            "received_at": received,
            "petitioner_name": name,
            "petitioner_phone": phone,
            "petitioner_id_number": id_number,
            "household_id": hh[0] if hh else None,
            "village_id": village,
            "category_id": cat["id"],
            "summary": rng.choice(SUMMARIES.get(cat["subject"], ["其他诉求"])),
            "content": "群众反映：" + rng.choice(SUMMARIES.get(cat["subject"], ["其他诉求"])) + "，请求帮助解决。",
            "head_count": 1,
            "is_urgent": rng.random() < 0.03,
            "is_repeat": is_repeat,
            "is_skip_level": rng.random() < 0.01,
            "repeat_of_id": previous if is_repeat else None,
            "status": "registered",
            "version": 0,
            "notice_by": notice_by,
            "deadline_provisional": prov,
            "created_by_id": registrar.id,
            "created_at": received,
            "updated_at": received,
        }
        if hh:
            self.last_case_of_household[hh[0]] = pid
        if rng.random() < 0.02:
            p["head_count"] = rng.randint(5, 30)
            for n in range(rng.randint(1, 5)):
                self.loader.add(
                    M["Representative"],
                    id=self.ids("representative"),
                    petition_id=pid,
                    name=_name(rng),
                    phone=_phone(rng),
                    id_number="",
                    sort_order=n,
                )
        events: list[dict] = []
        assisting: list[tuple[int, str]] = []

        def event(action, when, actor, *, to=None, note="", data=None, fields=None) -> bool:
            """One workflow step; False (and nothing written) when it would happen after now."""
            if when > now:
                return False
            before = p["status"]
            to = to or before
            events.append(
                {
                    "id": self.ids("event"),
                    "petition_id": pid,
                    "action": action,
                    "from_status": "" if action == "register" else before,
                    "to_status": to,
                    "actor_id": actor.id,
                    "actor_name": actor.name,
                    "created_at": when,
                    "note": note,
                    "data": data or {},
                }
            )
            p["status"] = to
            if action != "register":
                p["version"] += 1
            p["updated_at"] = when
            p.update(fields or {})
            return True

        if channel == "door_visit":
            self._visit_for_case(pid, village, hh, liaison, received - dt.timedelta(minutes=rng.randint(10, 90)))
        event(
            "register",
            received,
            registrar,
            to="registered",
            data={
                "channel": channel,
                "category": cat["label"],
                "repeat_of": self.tracking[previous] if is_repeat else None,
                "attachments": [],
            },
        )
        recent = (now - received).days < 90
        stall = (
            _pick(
                rng,
                [("", 88), ("registered", 1), ("awaiting", 1.5), ("assigned", 1.5), ("in_progress", 4), ("replied", 4)],
            )
            if recent
            else ""
        )
        when = received
        leader = t.leader

        # Side exits and the desk ------------------------------------------------------------------
        if stall == "registered":
            return self._finish(p, events, assisting)
        if rng.random() < 0.015 and pid > 1:
            into = previous or rng.randrange(max(1, pid - 5000), pid)
            event(
                "merge",
                when + dt.timedelta(minutes=30),
                t.reception,
                to="merged",
                note="登记时确认为重复诉求，予以合并。",
                data={"into": {"id": into, "tracking_number": self.tracking[into]}},
                fields={"merged_into_id": into},
            )
            return self._finish(p, events, assisting)
        if rng.random() < (0.5 if cat["reply_days"] == 0 else 0.08):
            when += dt.timedelta(minutes=rng.randint(5, 40))
            reply_id = self.ids("reply")
            facts = "已当场解释相关政策。"
            if not event(
                "answer_at_desk",
                when,
                t.reception,
                to="replied",
                note=facts,
                data={"reply_id": reply_id, "decision": "explained", "delivery": "in_person"},
                fields={"replied_at": when, "review_by": _review_by(local_date(when))[0]},
            ):
                return self._finish(p, events, assisting)
            self._reply_row(reply_id, pid, facts, "explained", "in_person", None, t.reception, when)
            if stall == "replied":
                return self._finish(p, events, assisting)
            self._revisits(p, event, t, liaison, when, cat, assisting)
            return self._finish(p, events, assisting)

        when += dt.timedelta(minutes=rng.randint(5, 60))
        if not event("submit", when, registrar, to="awaiting_instruction"):
            return self._finish(p, events, assisting)
        if rng.random() < 0.02:
            when += dt.timedelta(days=rng.randint(1, 3))
            reason = "不属于信访受理范围，已告知通过诉讼途径解决。"
            event(
                "not_accept",
                when,
                leader,
                to="not_accepted",
                note=reason,
                data={"directed_to": "人民法院"},
                fields={"closure_reason": reason, "directed_to": "人民法院"},
            )
            return self._finish(p, events, assisting)
        if stall == "awaiting":
            return self._finish(p, events, assisting)

        # Route (and sometimes a return and a second routing) ----------------------------------------
        routes = 2 if rng.random() < 0.02 else 1
        for attempt in range(routes):
            when += dt.timedelta(hours=rng.randint(1, 40))
            if village is not None and rng.random() < 0.2:
                lead = ctx.committee[village]
            else:
                lead = t.offices[cat["office"]]
            if rng.random() < 0.1:
                others = [d for d in t.offices.values() if d != lead]
                assisting = [rng.choice(others)]
            else:
                assisting = []
            day = local_date(when)
            sign_by, p1 = _working(day, cat["sign_days"])
            reply_by, p2 = _working(day, cat["reply_days"])
            fields = {
                "instruction": "请按期办理并答复群众。",
                "lead_department_id": lead[0],
                "routed_by_id": leader.id,
                "routed_at": when,
                "sign_by": sign_by,
                "reply_by": reply_by,
                "reply_working_days": cat["reply_days"],
                "deadline_provisional": p1 or p2,
            }
            if cat["statutory"] and p.get("finish_by") is None:
                fields["finish_by"], p3 = _finish_by(day)
                fields["deadline_provisional"] |= p3
            data = {
                "lead_department": {"id": lead[0], "name": lead[1]},
                "assisting_departments": [{"id": d[0], "name": d[1]} for d in assisting],
                "sign_by": sign_by.isoformat(),
                "reply_by": reply_by.isoformat(),
                "reply_working_days": cat["reply_days"],
                "provisional": fields["deadline_provisional"],
            }
            if not event("route", when, leader, to="assigned", note=fields["instruction"], data=data, fields=fields):
                assisting = []
                return self._finish(p, events, assisting)
            if attempt + 1 < routes:
                when += dt.timedelta(hours=rng.randint(1, 8))
                handler = ctx.dept_handler[lead[0]]
                reason = "不属于本单位职责，请重新交办。"
                if not event(
                    "return_case",
                    when,
                    handler,
                    to="awaiting_instruction",
                    note=reason,
                    data={"department": {"id": lead[0], "name": lead[1]}},
                    fields={"lead_department_id": None, "sign_by": None, "reply_by": None, "reply_working_days": None},
                ):
                    return self._finish(p, events, assisting)
                assisting = []
        if stall == "assigned":
            return self._finish(p, events, assisting)
        lead_id = p["lead_department_id"]
        lead_name = next(n for i, n in [*t.offices.values(), ctx.committee.get(village, (0, ""))] if i == lead_id)
        handler = ctx.dept_handler[lead_id]

        # Sign, handle, reply -----------------------------------------------------------------------
        on_time = rng.random() < 0.92
        sign_deadline = _end_of_day(p["sign_by"])
        if on_time:
            when = min(when + dt.timedelta(hours=rng.randint(1, 20)), max(sign_deadline, when + dt.timedelta(hours=1)))
        else:
            when = sign_deadline + dt.timedelta(days=rng.randint(1, 3))
        signed_on_time = local_date(when) <= p["sign_by"]
        if not event(
            "sign",
            when,
            handler,
            to="in_progress",
            data={"on_time": signed_on_time},
            fields={"signed_by_id": handler.id, "signed_at": when},
        ):
            return self._finish(p, events, assisting)
        if rng.random() < 0.03:
            note = "请加快办理进度。"
            notice_id = self.ids("notice")
            when += dt.timedelta(hours=rng.randint(2, 30))
            if not event(
                "supervise",
                when,
                leader,
                note=note,
                data={"supervision_notice_id": notice_id},
                fields={"supervised": True},
            ):
                return self._finish(p, events, assisting)
            self.loader.add(
                M["Notice"], id=notice_id, petition_id=pid, created_by_id=leader.id, note=note, created_at=when
            )
        if stall == "" and rng.random() < 0.01:
            reason = "群众自愿撤回诉求。"
            event(
                "withdraw",
                when + dt.timedelta(days=2),
                leader,
                to="withdrawn",
                note=reason,
                fields={"closure_reason": reason},
            )
            return self._finish(p, events, assisting)
        if rng.random() < 0.4:
            when += dt.timedelta(days=1, hours=2)
            if not event(
                "progress",
                when,
                handler,
                note="已到现场核实情况。",
                data={"attachments": [], "department": {"id": lead_id, "name": lead_name}},
            ):
                return self._finish(p, events, assisting)
        if rng.random() < 0.06:
            ask = when + dt.timedelta(days=1, hours=3)
            days = rng.choice((5, 10))
            statutory_days = 30 if p.get("finish_by") and rng.random() < 0.3 else 0
            ext_id = self.ids("extension")
            reason = "需要协调多个部门，申请延期。"
            if event(
                "request_extension",
                ask,
                handler,
                note=reason,
                data={"days": days, "statutory_days": statutory_days, "extension_request_id": ext_id},
            ):
                decided = ask + dt.timedelta(hours=rng.randint(2, 30))
                approve = rng.random() < 0.8
                ext = {
                    "id": ext_id,
                    "petition_id": pid,
                    "department_id": lead_id,
                    "requested_by_id": handler.id,
                    "reason": reason,
                    "days": days,
                    "statutory_days": statutory_days,
                    "status": "pending",
                    "created_at": ask,
                }
                data = {"extension_request_id": ext_id, "days": days, "statutory_days": statutory_days}
                fields = {}
                if approve:
                    fields["reply_by"], prov = _working(p["reply_by"], days)
                    fields["deadline_provisional"] = p["deadline_provisional"] or prov
                    if statutory_days and p.get("finish_by") and not p.get("finish_extended"):
                        fields["finish_by"], prov = _extend(p["finish_by"], statutory_days)
                        fields["finish_extended"] = True
                        fields["deadline_provisional"] |= prov
                    data.update(
                        reply_by_before=p["reply_by"].isoformat(),
                        reply_by=fields["reply_by"].isoformat(),
                        finish_by=fields["finish_by"].isoformat() if "finish_by" in fields else None,
                    )
                decided_now = event(
                    "approve_extension" if approve else "deny_extension", decided, leader, data=data, fields=fields
                )
                if decided_now:
                    ext.update(
                        status="approved" if approve else "denied",
                        decided_by_id=leader.id,
                        decided_at=decided,
                        decision_note="",
                    )
                self.loader.add(M["Extension"], **ext)
                if not decided_now:  # still waiting for a leader: in progress with a pending request
                    return self._finish(p, events, assisting)
                when = decided
            else:
                return self._finish(p, events, assisting)
        if stall == "in_progress":
            return self._finish(p, events, assisting)
        if not self._reply(p, event, handler, lead_id, when):
            return self._finish(p, events, assisting)
        if stall == "replied":
            return self._finish(p, events, assisting)
        self._revisits(p, event, t, liaison, p["replied_at"], cat, assisting, handler=handler, lead_id=lead_id)
        return self._finish(p, events, assisting)

    def _reply(self, p, event, handler, lead_id, after) -> bool:
        rng = self.rng
        if rng.random() < 0.88:
            deadline = max(_end_of_day(p["reply_by"]), after + dt.timedelta(hours=2))
            span = max(1, int((deadline - after).total_seconds()))
            when = after + dt.timedelta(seconds=rng.randint(min(span, 3600), span))
        else:
            late = _end_of_day(p["reply_by"]) + dt.timedelta(days=rng.randint(1, 10))
            when = max(late, after + dt.timedelta(hours=rng.randint(2, 48)))
        reply_id = self.ids("reply")
        decision = rng.choices(("support", "explained", "not_supported"), (55, 35, 10))[0]
        delivery = rng.choice(("in_person", "phone", "written", "sms"))
        facts = "经现场核实，情况属实，已协调解决。"
        on_time = local_date(when) <= p["reply_by"]
        ok = event(
            "reply",
            when,
            handler,
            to="replied",
            note=facts,
            data={
                "decision": decision,
                "delivery": delivery,
                "on_time": on_time,
                "reply_id": reply_id,
                "attachments": [],
            },
            fields={"replied_at": when, "review_by": _review_by(local_date(when))[0]},
        )
        if ok:
            self._reply_row(reply_id, p["id"], facts, decision, delivery, lead_id, handler, when)
        return ok

    def _reply_row(self, reply_id, pid, facts, decision, delivery, dept_id, by, when) -> None:
        self.loader.add(
            self.M["Reply"],
            id=reply_id,
            petition_id=pid,
            facts=facts,
            decision=decision,
            basis="",
            content="",
            delivery=delivery,
            department_id=dept_id,
            replied_by_id=by.id,
            created_at=when,
        )

    def _revisit_row(self, pid, when, by, *, method, reached, solved=False, satisfaction="", event_id=None, comment=""):
        self.loader.add(
            self.M["Revisit"],
            id=self.ids("revisit"),
            petition_id=pid,
            method=method,
            reached=reached,
            solved=solved,
            satisfaction=satisfaction,
            comment=comment,
            by_id=by.id,
            created_at=when,
            event_id=event_id,
        )

    def _revisits(self, p, event, t, liaison, replied_at, cat, assisting, handler=None, lead_id=None) -> None:
        """回访 until closed (or now): unreached attempts, 不满意 → 重办 → reply again, or closed with a reason."""
        rng, ctx = self.rng, self.ctx
        who = liaison or t.reception
        when = replied_at + dt.timedelta(days=7, hours=rng.randint(0, 7 * 24))
        for round_ in range(3):
            replied_at = p["replied_at"]  # the latest reply (a 不满意 revisit brings a new one)
            if rng.random() < 0.02:  # unreachable three times: a leader closes with a reason
                for k in range(3):
                    attempt = replied_at + dt.timedelta(days=7 + 2 * k)
                    if attempt > ctx.now:
                        return
                    self._revisit_row(p["id"], attempt, who, method="phone", reached=False, comment="电话无人接听")
                reason = "三次回访均未联系上，经领导同意办结。"
                event(
                    "close_with_reason",
                    replied_at + dt.timedelta(days=12),
                    t.leader,
                    to="closed",
                    note=reason,
                    fields={
                        "closed_at": replied_at + dt.timedelta(days=12),
                        "closed_without_satisfaction": True,
                        "closure_reason": reason,
                    },
                )
                return
            if rng.random() < 0.08:
                attempt = when - dt.timedelta(days=2)
                if attempt > ctx.now:
                    return
                self._revisit_row(p["id"], attempt, who, method="phone", reached=False, comment="电话无人接听")
            last_chance = round_ == 2 or handler is None
            satisfaction = rng.choices(
                ("satisfied", "basically_satisfied", "unsatisfied"), (75, 15, 0 if last_chance else 10)
            )[0]
            solved = satisfaction == "satisfied" or satisfaction == "basically_satisfied" and rng.random() < 0.8
            method_value, method_label = rng.choice(REVISIT_METHODS)
            data = {"solved": solved, "satisfaction": satisfaction, "method": method_label}
            comment = "对办理结果表示认可。" if satisfaction != "unsatisfied" else "问题没有解决，要求重新办理。"
            if satisfaction == "unsatisfied":
                reply_by, prov = _working(local_date(when), p["reply_working_days"] or cat["reply_days"])
                data.update(reopened=True, reply_by=reply_by.isoformat())
                fields = {
                    "reopen_count": p.get("reopen_count", 0) + 1,
                    "reply_by": reply_by,
                    "deadline_provisional": prov,
                }
                to = "in_progress"
            else:
                data["reopened"] = False
                fields = {"closed_at": when, "closed_without_satisfaction": False}
                to = "closed"
            ok = event("revisit", when, who, to=to, note=comment, data=data, fields=fields)
            if not ok:
                return
            self._revisit_row(
                p["id"],
                when,
                who,
                method=method_value,
                reached=True,
                solved=solved,
                satisfaction=satisfaction,
                event_id=self._last_event_id,
                comment=comment,
            )
            if to == "closed":
                return
            if not self._reply(p, event, handler, lead_id, when + dt.timedelta(hours=2)):
                return
            when = p["replied_at"] + dt.timedelta(days=7, hours=rng.randint(0, 72))

    @property
    def _last_event_id(self) -> int:
        return self.ids._next["event"]

    def _visit_for_case(self, pid, village, hh, liaison, when) -> None:
        """A case found on a visit (channel 走访): the visit, linked to the case."""
        vid = self.write_visit(village, when, "home_visit", [hh[0]] if hh else [], [liaison], "入户走访时群众反映诉求")
        self.loader.add(self.M["VisitPetitions"], id=self.ids("visit_petitions"), visit_id=vid, petition_id=pid)

    def write_visit(self, village, when, kind, households, participants, heard) -> int:
        M = self.M
        vid = self.ids("visit")
        self.loader.add(
            M["Visit"],
            id=vid,
            kind=kind,
            visited_at=when,
            village_id=village,
            heard=heard,
            done_on_spot="",
            sweep_id=None,
            created_by_id=participants[0].id,
            client_key=None,
            created_at=when,
            updated_at=when,
        )
        for h in households:
            self.loader.add(M["VisitHouseholds"], id=self.ids("visit_households"), visit_id=vid, household_id=h)
        for u in participants:
            self.loader.add(M["VisitParticipants"], id=self.ids("visit_participants"), visit_id=vid, user_id=u.id)
        self.visits_made += 1
        return vid

    def _finish(self, p, events, assisting) -> None:
        M = self.M
        self.loader.add(M["Petition"], **p)
        for e in events:
            self.loader.add(M["Event"], **e)
        if p["status"] not in ("awaiting_instruction", "registered", "merged", "not_accepted"):
            for dept_id, _ in assisting:
                self.loader.add(M["Assisting"], id=self.ids("assisting"), petition_id=p["id"], department_id=dept_id)
        self.status_counts[p["status"]] = self.status_counts.get(p["status"], 0) + 1


def load_cases(ctx: Ctx, loader: Loader, ids: Ids, counts: dict, log) -> CaseWriter:
    from petitions.models import TrackingCounter

    writer = CaseWriter(ctx, loader, ids)
    times, report_month = _received_times(ctx, counts)
    ctx.timings["report_month"] = report_month
    for n, received in enumerate(times, start=1):
        writer.write(ids("petition"), received)
        if n % 100_000 == 0:
            log(f"  诉求 {n}/{len(times)}")
    loader.flush()
    TrackingCounter.objects.bulk_create(
        [TrackingCounter(month=k, last_number=v) for k, v in writer.month_numbers.items()]
    )
    log(f"诉求：{len(times)} 件，状态 {dict(sorted(writer.status_counts.items()))}")
    return writer


def load_visits(ctx: Ctx, writer: CaseWriter, counts: dict, log) -> None:
    rng = ctx.rng
    remaining = max(0, counts["visits"] - writer.visits_made)
    villages = [(t, vid) for t in ctx.townships for vid, _ in t.villages]
    span = int((ctx.now - ctx.start).total_seconds())
    for _ in range(remaining):
        t, vid = rng.choice(villages)
        when = ctx.start + dt.timedelta(seconds=rng.randrange(span))
        kind = _pick(rng, VISIT_KINDS)
        households = []
        bucket = ctx.households_by_village.get(vid)
        if kind in HOUSEHOLD_VISIT_KINDS and bucket:
            picks = rng.sample(bucket, min(len(bucket), 2 if rng.random() < 0.2 else 1))
            households = [ctx.hh_info[i][0] for i in picks]
        liaison = ctx.village_liaison[vid]
        participants = [liaison]
        if kind == "night_visit":
            participants = [t.leader, liaison, t.reception]
        elif rng.random() < 0.3:
            participants.append(rng.choice(t.staff))
        writer.write_visit(
            vid, when, kind, households, list({u.id: u for u in participants}.values()), rng.choice(HEARD)
        )
    writer.loader.flush()
    log(f"走访：{writer.visits_made} 次")


def load_publications(now: dt.datetime, log=print) -> int:
    """公示: a leader published one closed case in ten (never an accusation) the day after it closed.

    Written as ``workflow.petition_publish`` writes it: a ``Publication`` row with the village, subject, department
    and dates copied from the case, and one ``publish`` event (no change of state, the case's version + 1).
    Reads the loaded cases back, so it runs after ``load_cases``.
    """

    from petitions.models import Petition, PetitionEvent, Publication, Reply

    loader = Loader()
    last_reply = Reply.objects.filter(petition=models.OuterRef("pk")).order_by("-created_at", "-pk")
    cases = (
        Petition.objects.filter(status="closed", closed_at__lt=now - dt.timedelta(days=1))
        .exclude(category__kind="accusation")
        .annotate(
            pk_mod=models.F("pk") % 10,
            reply_decision=models.Subquery(last_reply.values("decision")[:1]),
            reply_department=models.Subquery(last_reply.values("department__name")[:1]),
        )
        .filter(pk_mod=0)
        .values_list(
            "pk",
            "summary",
            "village_id",
            "category__subject",
            "lead_department__name",
            "received_at",
            "closed_at",
            "routed_by_id",
            "reply_decision",
            "reply_department",
            "township__center_name",
        )
        .order_by("pk")
    )
    next_event = (PetitionEvent.objects.aggregate(m=models.Max("pk"))["m"] or 0) + 1
    next_publication = (Publication.objects.aggregate(m=models.Max("pk"))["m"] or 0) + 1
    leaders = dict(get_user_model().objects.filter(pk__in=cases.values("routed_by_id")).values_list("pk", "first_name"))
    published = []
    for pid, summary, village, subject, lead, received, closed, leader, decision, reply_dept, center in cases.iterator(
        chunk_size=5000
    ):
        when = closed + dt.timedelta(days=1)
        department = reply_dept or lead or center
        loader.add(
            Publication,
            id=next_publication,
            petition_id=pid,
            public_summary=f"{summary}（已办结）",
            decision=decision or "",
            result="经承办单位调查核实，已依法依规答复并办结，群众表示满意。",
            village_id=village,
            subject=subject,
            department_name=department,
            received_on=local_date(received),
            is_published=True,
            published_at=when,
            published_by_id=leader,
        )
        loader.add(
            PetitionEvent,
            id=next_event,
            petition_id=pid,
            action="publish",
            from_status="closed",
            to_status="closed",
            actor_id=leader,
            actor_name=leaders.get(leader, ""),
            created_at=when,
            note=f"{summary}（已办结）",
            data={
                "decision": decision or "",
                "name_consent": False,
                "consent_note": "",
                "publication_id": next_publication,
            },
        )
        published.append(pid)
        next_event += 1
        next_publication += 1
    loader.flush()
    for start in range(0, len(published), 10_000):
        Petition.objects.filter(pk__in=published[start : start + 10_000]).update(version=models.F("version") + 1)
    loader.reset_sequences()
    log(f"公示：{len(published)} 件")
    return len(published)


def load_notifications(ctx: Ctx, loader: Loader, ids: Ids, counts: dict) -> None:
    from minqing.demo import DEMO_ACCOUNTS
    from notifications.models import Notification

    rng = ctx.rng
    users = get_user_model().objects.filter(username__in=[a[0] for a in DEMO_ACCOUNTS])
    per_user = max(5, round(3000 * ctx.scale))
    span = int((ctx.now - ctx.start).total_seconds())
    for user in users:
        for _ in range(per_user):
            when = ctx.start + dt.timedelta(seconds=rng.randrange(span))
            loader.add(
                Notification,
                id=ids("notification"),
                recipient_id=user.pk,
                kind="reminder.overdue",
                title="诉求即将超期，请及时办理",
                body="",
                url="/petitions/queue/overdue/",
                created_at=when,
                read_at=None if rng.random() < 0.05 else when + dt.timedelta(hours=2),
            )
    loader.flush()


#: The queues the benchmark opens, by demo account (bench/measure.py): each must show at least one case at any
#: scale, or its page skips the row query and prefetch and its query count is not comparable across scales.
QUEUE_PAGES = [
    ("reception", ["registered", "replied"]),
    ("leader", ["instruction", "extensions", "overdue", "due_soon", "supervised", "registered", "replied"]),
    ("handler", ["to_sign", "in_progress", "overdue", "due_soon", "supervised"]),
    ("liaison", ["village_open", "replied"]),
]


def empty_queues() -> list[tuple[str, str]]:
    """(account, queue) of ``QUEUE_PAGES`` that hold no case, as the pages count them (petitions.views.QUEUES)."""
    from minqing.access import scope_for
    from petitions.models import Petition
    from petitions.views import QUEUES

    users = {u.username: u for u in get_user_model().objects.filter(username__in=[r for r, _ in QUEUE_PAGES])}
    empty = []
    for role, slugs in QUEUE_PAGES:
        scope = scope_for(users[role])
        for slug in slugs:
            if not QUEUES[slug][2](Petition.objects.visible_to(scope), scope).exists():
                empty.append((role, slug))
    return empty


#: Which made-up case fills which queue (``fill_empty_queues``).
QUEUE_CASES = {
    "registered": "registered",
    "village_open": "registered",
    "instruction": "instruction",
    "to_sign": "due_today",
    "due_soon": "due_today",
    "supervised": "due_today",
    "in_progress": "extension",
    "extensions": "extension",
    "overdue": "overdue",
    "replied": "replied",
}


def fill_empty_queues(log=print) -> list[int]:
    """At small scale the generated stories leave some queues of the demo accounts empty (no case due today, none
    waiting for an extension in the handler's department…). For each empty queue one case is made through the
    workflow, as the demo accounts would make it, in 和平村 (the liaison's village) for the handler's department:
    registered; submitted for instruction; routed due today and supervised; signed with an extension asked for;
    replied; routed and past its deadline (its reply date set back, as if routed weeks ago). Returns the ids of
    the cases made (none at full scale)."""
    from households.models import Village
    from petitions import workflow
    from petitions.models import Category, Petition

    needed = {QUEUE_CASES[slug] for _, slug in empty_queues()}
    if not needed:
        return []
    users = {u.username: u for u in get_user_model().objects.filter(username__in=["reception", "leader", "handler"])}
    reception, leader, handler = users["reception"], users["leader"], users["handler"]
    department = handler.departments.order_by("pk").first()
    village = Village.objects.get(township__code="DX", name="和平村")
    category = Category.objects.filter(kind=Category.Kind.SUGGESTION).order_by("pk").first()
    today = local_date(dt.datetime.now(UTC))
    made = []
    for n, story in enumerate(sorted(needed), start=1):
        summary = f"村道路灯损坏，夜间出行不便（{n}）"
        case = workflow.petition_register(
            by=reception,
            channel="visit",
            petitioner_name=f"基准{n}",
            category=category,
            summary=summary,
            content=summary + "，请求尽快处理。",
            village=village,
        )
        made.append(case.pk)
        if story == "registered":
            continue
        workflow.petition_submit(petition=case, by=reception)
        if story == "instruction":
            continue
        workflow.petition_route(
            petition=case, by=leader, instruction="请按期办理。", lead_department=department, reply_by=today
        )
        if story == "due_today":
            workflow.petition_supervise(petition=case, by=leader, note="请加快办理，按期答复。")
            continue
        if story == "overdue":
            Petition.objects.filter(pk=case.pk).update(reply_by=today - dt.timedelta(days=7))
            continue
        workflow.petition_sign(petition=case, by=handler)
        if story == "extension":
            workflow.petition_request_extension(petition=case, by=handler, reason="需现场核实，申请延期。", days=5)
        else:  # replied
            workflow.petition_reply(
                petition=case, by=handler, facts="已现场核实并修复。", decision="support", delivery="phone"
            )
    log(f"空队列补足：{len(made)} 件（{', '.join(sorted(needed))}）")
    return made


def generate(scale: float, log=print, seed: int = 20261123) -> dict:
    """Fill the (freshly migrated, demo-configured) database. Returns counts and timings."""
    from petitions.models import Category

    rng = random.Random(seed)
    timings: dict[str, float] = {}
    counts = counts_for(scale)
    now = dt.datetime.now(UTC).replace(microsecond=0)
    started = time.perf_counter()
    with transaction.atomic():
        townships, people = build_configuration(rng, log)
    timings["configuration"] = time.perf_counter() - started

    categories = []
    for c in Category.objects.select_related("default_department").order_by("pk"):
        categories.append(
            {
                "id": c.pk,
                "subject": c.subject,
                "label": str(c),
                "office": c.default_department.name if c.default_department else "党政办",
                "reply_days": c.reply_working_days,
                "sign_days": c.sign_working_days,
                "statutory": c.statutory_applies,
                "kind": c.kind,
            }
        )
    weights = [1 if c["kind"] == "accusation" else 6 for c in categories]
    ctx = Ctx(
        rng=rng,
        scale=scale,
        now=now,
        start=now - dt.timedelta(days=365 * YEARS),
        townships=townships,
        village_township={vid: t for t in townships for vid, _ in t.villages},
        village_liaison=people["village_liaison"],
        committee=people["committee"],
        dept_handler=people["dept_handler"],
        categories=categories,
        category_weights=weights,
        households_by_village={},
        hh_info=[],
    )
    loader = Loader()
    ids = Ids()
    with connection.cursor() as cursor:
        # Foreign keys are right by construction: skip their per-row triggers while loading (superuser).
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("SET synchronous_commit = off")
    try:
        for label, step in (
            ("households", lambda: load_households(ctx, loader, ids, counts, log)),
            ("cases", lambda: load_cases(ctx, loader, ids, counts, log)),
        ):
            t0 = time.perf_counter()
            with transaction.atomic():
                result = step()
            timings[label] = time.perf_counter() - t0
            if label == "cases":
                writer = result
        t0 = time.perf_counter()
        with transaction.atomic():
            load_visits(ctx, writer, counts, log)
            load_notifications(ctx, loader, ids, counts)
            loader.reset_sequences()
            load_publications(now, log)
        timings["visits"] = time.perf_counter() - t0
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = DEFAULT")
    with transaction.atomic():
        queue_cases = fill_empty_queues(log)
    report_month = ctx.timings["report_month"]
    return {
        "scale": scale,
        "now": now.isoformat(),
        "counts": dict(loader.counts),
        "status_counts": writer.status_counts,
        "queue_cases": queue_cases,
        "timings": timings,
        "report_month": [report_month[0].isoformat(), report_month[1].isoformat()],
        "run_id": uuid.uuid4().hex[:8],
    }
