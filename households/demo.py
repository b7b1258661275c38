"""The demo county's townships — 鼎新乡 (the reference township) and 和兴镇 — with their villages, village
groups and the county's tags (configuration), then sample data."""

from households.models import Group, Tag, Township, Village

VILLAGES = [
    "和平村", "新发村", "大井村", "长丰村", "风景村", "五一村", "兴启村",
    "水塘村", "黑泥村", "同心村", "鼎新村", "新街村", "营盘村",
]  # fmt: skip
HEXING_VILLAGES = ["和兴村", "龙泉村", "石桥村", "杨柳村", "金竹村"]
# name, code, tracking-number prefix, center, hotline, address, villages
TOWNSHIPS = [
    ("鼎新乡", "DX", "MQDX", "鼎新乡民情信息中心", "0851-12345678", "鼎新乡人民政府一楼", VILLAGES),
    ("和兴镇", "HX", "MQHX", "和兴镇民情信息中心", "0851-87651234", "和兴镇人民政府大院", HEXING_VILLAGES),
]
GROUPS_PER_VILLAGE = 6

# (name, sensitive) — domain.md's tags; 低保, 特困, 残疾, 监测户 … are sensitive personal information.
HOUSEHOLD_TAGS = [
    ("五保户", True), ("低保户", True), ("特困供养", True), ("脱贫户", True), ("监测户", True),
    ("种养大户", False), ("个私企业主", False), ("上访户", True), ("邻里纠纷户", True),
]  # fmt: skip
PERSON_TAGS = [
    ("残疾人", True), ("留守老人", True), ("留守儿童", True), ("退役军人", False),
    ("老党员", False), ("老干部", False), ("低保对象", True), ("特困人员", True),
]  # fmt: skip


def seed_config(log) -> None:
    for order, (name, code, prefix, center, hotline, address, villages) in enumerate(TOWNSHIPS, start=1):
        township, created = Township.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "number_prefix": prefix,
                "center_name": center,
                "hotline": hotline,
                "address": address,
                "sort_order": order,
            },
        )
        if created:
            log(f"乡镇：{name}")
        for order, village_name in enumerate(villages, start=1):
            village, created = Village.objects.get_or_create(
                township=township, name=village_name, defaults={"sort_order": order}
            )
            for n in range(1, GROUPS_PER_VILLAGE + 1):
                Group.objects.get_or_create(village=village, name=f"{n}组")
            if created:
                log(f"村：{village_name}")
    for kind, tags in ((Tag.Kind.HOUSEHOLD, HOUSEHOLD_TAGS), (Tag.Kind.PERSON, PERSON_TAGS)):
        for order, (name, sensitive) in enumerate(tags, start=1):
            Tag.objects.get_or_create(kind=kind, name=name, defaults={"sensitive": sensitive, "sort_order": order})


SAMPLE_SEED = 2026
HOUSEHOLDS_PER_VILLAGE = 30
# 和平村 is the big village (500–1000 people: 15 contact households per cadre, domain.md); the rest are small.
HOUSEHOLDS_IN = {"和平村": 180}
REGION = "520521"
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕"
    "丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱覃"
)
GIVEN_MALE = "国建明军强伟平德志永福发贵洪文华勇兵刚林山海成忠祥荣"
GIVEN_FEMALE = "秀英芳兰桂花玉珍凤琴梅丽霞云燕红敏萍娟慧春菊"
# (username, village, how many contact households) for the demo's liaisons.
DEMO_CONTACTS = [("liaison", "和平村", 15), ("liaison2", "大井村", 10), ("liaison_hx", "和兴村", 10)]


def _name(rng, sex: str, surname: str | None = None) -> str:
    given = GIVEN_MALE if sex == "M" else GIVEN_FEMALE
    return (surname or rng.choice(SURNAMES)) + "".join(rng.choice(given) for _ in range(rng.choice((1, 2))))


class _Ids:
    """Valid, unique ID numbers for the demo (about one person in ten has none, as in old ledgers)."""

    def __init__(self, rng, taken: set[str]):
        self.rng, self.taken = rng, taken

    def make(self, birth, sex: str) -> str | None:
        from households.idcard import id_number_for

        if self.rng.random() < 0.1:
            return None
        start = self.rng.randrange(0, 998)
        for offset in range(0, 999, 1):
            sequence = (start + offset) % 999
            if (sequence % 2 == 1) != (sex == "M"):
                continue
            number = id_number_for(REGION, birth, sequence)
            if number not in self.taken:
                self.taken.add(number)
                return number
        return None


def _birth(rng, lo: int, hi: int):
    import datetime as dt

    return dt.date(rng.randint(lo, hi), rng.randint(1, 12), rng.randint(1, 28))


def _plan_household(rng, ids: _Ids, number: int, village, groups, phone_digits) -> dict:
    """One deterministic household: its row, its members (head first) and its tag names."""
    surname = rng.choice(SURNAMES)
    head_sex = "M" if rng.random() < 0.8 else "F"
    head_birth = _birth(rng, 1940, 1995)
    head = {"name": _name(rng, head_sex, surname), "relation": "户主", "sex": head_sex, "birth": head_birth}
    members = [head]
    if rng.random() < 0.85:
        spouse_sex = "F" if head_sex == "M" else "M"
        members.append(
            {
                "name": _name(rng, spouse_sex),
                "relation": "配偶",
                "sex": spouse_sex,
                "birth": _birth(rng, head_birth.year - 3, min(head_birth.year + 5, 2000)),
            }
        )
    for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
        sex = rng.choice("MF")
        members.append(
            {
                "name": _name(rng, sex, surname),
                "relation": "子女",
                "sex": sex,
                "birth": _birth(rng, min(head_birth.year + 20, 2020), min(head_birth.year + 38, 2023)),
            }
        )
    if head_birth.year > 1965 and rng.random() < 0.25:
        sex = rng.choice("MF")
        members.append(
            {
                "name": _name(rng, sex, surname if sex == "M" else None),
                "relation": "父母",
                "sex": sex,
                "birth": _birth(rng, head_birth.year - 35, head_birth.year - 20),
            }
        )
    for member in members:
        member["id_number"] = ids.make(member["birth"], member["sex"])
        age = 2026 - member["birth"].year
        tags = []
        if age >= 65 and rng.random() < 0.3:
            tags.append("留守老人")
        if age < 16 and rng.random() < 0.3:
            tags.append("留守儿童")
        if rng.random() < 0.04:
            tags.append("残疾人")
        if age >= 60 and member["relation"] == "户主" and rng.random() < 0.12:
            tags.append("老党员")
        if 25 <= age <= 55 and rng.random() < 0.03:
            tags.append("退役军人")
        member["tags"] = tags
    household_tags = []
    roll = rng.random()
    if roll < 0.10:
        household_tags.append("低保户")
    elif roll < 0.22:
        household_tags.append("脱贫户")
    elif roll < 0.25:
        household_tags.append("监测户")
    elif roll < 0.27:
        household_tags.append("五保户")
    if rng.random() < 0.06:
        household_tags.append("种养大户")
    if rng.random() < 0.03:
        household_tags.append("个私企业主")
    group = rng.choice(groups)
    phone = "" if rng.random() < 0.1 else "1" + rng.choice("3578") + "".join(rng.choice(phone_digits) for _ in range(9))
    return {
        "row": {
            "village_id": village.pk,
            "group_id": group.pk,
            "household_no": f"{number:03d}",
            "head_name": head["name"],
            "head_id_number": head["id_number"],
            "phone": phone,
            "address": f"{village.township.name}{village.name}{group.name}{rng.randint(1, 120)}号",
            "size": len(members),
        },
        "members": members,
        "tags": household_tags,
    }  # fmt: skip


def seed_sample(log) -> None:
    """Some hundreds of households with members and tags, the same on every machine; a second run adds nothing."""
    import random

    from django.contrib.auth import get_user_model

    from households.models import Household, HouseholdEvent, Person
    from households.services import household_assign_contact

    rng = random.Random(SAMPLE_SEED)
    villages = list(
        Village.objects.filter(township__code__in=[t[1] for t in TOWNSHIPS])
        .select_related("township")
        .order_by("township__sort_order", "sort_order", "name")
    )
    groups = {}
    for group in Group.objects.filter(village__in=villages).order_by("name"):
        groups.setdefault(group.village_id, []).append(group)
    tags = {(t.kind, t.name): t.pk for t in Tag.objects.all()}
    existing = set(Household.objects.filter(village__in=villages).values_list("village_id", "household_no"))
    taken = set(Household.objects.exclude(head_id_number=None).values_list("head_id_number", flat=True))
    taken |= set(Person.objects.exclude(id_number=None).values_list("id_number", flat=True))
    ids = _Ids(rng, taken)

    plans = []
    for village in villages:
        if not groups.get(village.pk):
            continue
        for number in range(1, HOUSEHOLDS_IN.get(village.name, HOUSEHOLDS_PER_VILLAGE) + 1):
            plan = _plan_household(rng, ids, number, village, groups[village.pk], "0123456789")
            if (village.pk, plan["row"]["household_no"]) not in existing:
                plans.append(plan)
    if plans:
        created = Household.objects.bulk_create([Household(**p["row"]) for p in plans])
        links, people, events = [], [], []
        for household, plan in zip(created, plans, strict=True):
            links += [
                Household.tags.through(household_id=household.pk, tag_id=tags[(Tag.Kind.HOUSEHOLD, name)])
                for name in plan["tags"]
            ]
            for m in plan["members"]:
                people.append(
                    Person(
                        household=household,
                        name=m["name"],
                        relation=m["relation"],
                        id_number=m["id_number"],
                        sex=m["sex"] if m["id_number"] else "",
                        birth_date=m["birth"] if m["id_number"] else None,
                    )
                )
            events.append(
                HouseholdEvent(household=household, action=HouseholdEvent.Action.CREATED, actor_name="演示数据")
            )
        Household.tags.through.objects.bulk_create(links)
        Person.objects.bulk_create(people)
        member_tags = [m["tags"] for p in plans for m in p["members"]]
        Person.tags.through.objects.bulk_create(
            Person.tags.through(person_id=person.pk, tag_id=tags[(Tag.Kind.PERSON, name)])
            for person, names in zip(people, member_tags, strict=True)
            for name in names
        )
        HouseholdEvent.objects.bulk_create(events)
        log(f"示例户籍：{len(created)} 户，{len(people)} 人")

    users = get_user_model().objects.in_bulk([u for u, _, _ in DEMO_CONTACTS], field_name="username")
    for username, village_name, count in DEMO_CONTACTS:
        cadre = users.get(username)
        village = next((v for v in villages if v.name == village_name), None)
        if cadre is None or village is None:
            continue
        have = Household.objects.filter(village=village, contact_cadre=cadre).count()
        if have < count:
            free = Household.objects.filter(village=village, contact_cadre=None).order_by("household_no")
            chosen = Household.objects.filter(pk__in=list(free.values_list("pk", flat=True)[: count - have]))
            household_assign_contact(households=chosen, cadre=cadre, by=None)
