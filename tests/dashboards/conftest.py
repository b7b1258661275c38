"""The dashboards' data: a small township month (March 2026) built with the real workflow at chosen times.

``at(when)`` runs the code inside it with the clock set to ``when`` (Asia/Shanghai), so routing computes its
deadlines from that day and every event is stamped with it. March 2026 has no public holiday, so one
working day after Monday 2 March is Tuesday 3 March, five after it Monday 9 March.

The cases and what each measure of March makes of them (computed by hand in test_metrics.py):

=====  ======  =========  ===================================================================================
case   village dept       story
=====  ======  =========  ===================================================================================
c1     和平村  民政办     routed 3-02, signed 3-03 (on time), replied 3-05 (on time), revisit 3-10 满意/solved
c2     和平村  民政办     routed 3-03, signed 3-06 (late), replied 3-12 (late), revisit 3-13 基本满意/not solved
c3     大井村  自规所     routed 3-04, signed 3-05, replied 3-09, revisit 3-10 不满意 → 重办, replied 3-16 (new
                          deadline 3-17), revisit 3-18 满意/solved
c4     和平村  和平村委会 routed 3-05, signed 3-05, replied 3-06, revisit 3-09 满意/solved (resolved in the village)
c5     大井村  民政办     routed 3-09, never signed (deadline 3-16 lapsed)
c6     和平村  (returned) routed 3-10 to 民政办, returned the same day
c7     和平村  —          received 3-20, answered at the desk, revisit 3-25 满意/solved
c8     大井村  —          received 3-21, a repeat of c5 (is_repeat)
c9     和平村  —          received 3-22, merged into c8
c10    和平村  民政办     routed 2-05, signed 2-06, replied 3-03 (late), closed by a leader with a reason 3-20
c11    大井村  民政办     routed 3-25, signed 3-25, replied 4-02 (late: counts in April, not March)
c13    和平村  民政办     routed 2-02, replied 2-04, revisit 3-02 不满意 → 重办 (deadline 3-09 lapsed)
=====  ======  =========  ===================================================================================
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from unittest import mock

import pytest
from django.utils import timezone

from petitions import workflow
from petitions.models import Category, Reply, Satisfaction
from tests.conftest import make_county_unit, make_department, make_township, make_user, make_village
from tests.petitions.conftest import make_category

MARCH = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
TODAY = dt.date(2026, 4, 10)  # the day the figures are computed


@contextmanager
def at(when: dt.datetime):
    """Run with ``timezone.now()`` returning ``when`` (naive values are Asia/Shanghai)."""
    aware = timezone.make_aware(when) if timezone.is_naive(when) else when
    with mock.patch("django.utils.timezone.now", return_value=aware):
        yield


def t(month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute)


class Township:
    """The actors and the building steps, each at a given time, in one township (``place``: 鼎新乡 unless given)."""

    def __init__(self, reception, leader, handler_minzheng, handler_zigui, village_a, village_b, place=None):
        self.reception, self.leader = reception, leader
        self.village_a, self.village_b = village_a, village_b
        self.place = place or village_a.township
        self.minzheng = make_department("民政办", township=self.place)
        self.zigui = make_department("自规所", township=self.place)
        self.cun = make_department(f"{village_a.name}委会", village=village_a)
        suffix = "" if place is None else f"_{self.place.code.lower()}"
        self.handler_cun = make_user(f"handler_cun{suffix}", "handler", departments=[self.cun], full_name="村干部")
        self.handlers = {self.minzheng: handler_minzheng, self.zigui: handler_zigui, self.cun: self.handler_cun}
        self.dibao = make_category("低保", Category.Kind.HELP, self.minzheng)
        self.zhaijidi = make_category("宅基地", Category.Kind.DISPUTE, self.zigui)
        self.n = 0

    def register(self, when, village, subject=None, **fields):
        self.n += 1
        with at(when):
            return workflow.petition_register(
                by=self.reception,
                channel=fields.pop("channel", "visit"),
                petitioner_name=fields.pop("petitioner_name", f"张{self.n}"),
                petitioner_phone=f"1390000{self.n:04d}",
                category=subject or self.dibao,
                summary=f"诉求{self.n}",
                content="诉求内容。",
                village=village,
                **fields,
            )

    def route(self, p, when, department):
        """Route to one of the township's departments, or hand up to a county-level unit (移交县直单位)."""
        send = workflow.petition_hand_up if department.township_id is None else workflow.petition_route
        with at(when):
            workflow.petition_submit(petition=p, by=self.reception)
            send(petition=p, by=self.leader, instruction="请核实办理。", lead_department=department)

    def sign(self, p, when):
        with at(when):
            workflow.petition_sign(petition=p, by=self.handlers[p.lead_department])

    def reply(self, p, when):
        with at(when):
            workflow.petition_reply(
                petition=p,
                by=self.handlers[p.lead_department],
                facts="经核实。",
                decision=Reply.Decision.SUPPORT,
                delivery=Reply.Delivery.PHONE,
            )

    def revisit(self, p, when, satisfaction, solved):
        with at(when):
            workflow.petition_revisit(petition=p, by=self.reception, solved=solved, satisfaction=satisfaction)

    def handled(self, village, department, routed, signed=None, replied=None, subject=None, **fields):
        p = self.register(routed - dt.timedelta(hours=1), village, subject, **fields)
        self.route(p, routed, department)
        if signed:
            self.sign(p, signed)
        if replied:
            self.reply(p, replied)
        return p


S, B, U = Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED, Satisfaction.UNSATISFIED


@pytest.fixture
def township(reception, leader, handler_minzheng, handler_zigui, village_a, village_b):
    return Township(reception, leader, handler_minzheng, handler_zigui, village_a, village_b)


@pytest.fixture
def march(township):
    """The cases of the table above, by name."""
    tw, a, b = township, township.village_a, township.village_b
    c = {}
    c["c1"] = tw.handled(a, tw.minzheng, t(3, 2), t(3, 3), t(3, 5))
    tw.revisit(c["c1"], t(3, 10), S, True)
    c["c2"] = tw.handled(a, tw.minzheng, t(3, 3), t(3, 6), t(3, 12))
    tw.revisit(c["c2"], t(3, 13), B, False)
    c["c3"] = tw.handled(b, tw.zigui, t(3, 4), t(3, 5), t(3, 9), subject=tw.zhaijidi, channel="phone")
    tw.revisit(c["c3"], t(3, 10), U, False)
    tw.reply(c["c3"], t(3, 16))
    tw.revisit(c["c3"], t(3, 18), S, True)
    c["c4"] = tw.handled(a, tw.cun, t(3, 5), t(3, 5, 15), t(3, 6))
    tw.revisit(c["c4"], t(3, 9), S, True)
    c["c5"] = tw.handled(b, tw.minzheng, t(3, 9))
    c["c6"] = tw.handled(a, tw.minzheng, t(3, 10))
    with at(t(3, 10, 16)):
        workflow.petition_return(petition=c["c6"], by=tw.handlers[tw.minzheng], reason="不属本单位职责。")
    c["c7"] = tw.register(t(3, 20), a, channel="phone")
    with at(t(3, 20, 11)):
        workflow.petition_answer_at_desk(
            petition=c["c7"], by=tw.reception, facts="当场解释政策。", decision=Reply.Decision.EXPLAINED
        )
    tw.revisit(c["c7"], t(3, 25), S, True)
    c["c8"] = tw.register(t(3, 21), b, repeat_of=c["c5"])
    c["c9"] = tw.register(t(3, 22), a)
    with at(t(3, 22, 11)):
        workflow.petition_merge(petition=c["c9"], by=tw.reception, into=c["c8"])
    c["c10"] = tw.handled(a, tw.minzheng, t(2, 5), t(2, 6), t(3, 3))
    with at(t(3, 20)):
        workflow.petition_close_with_reason(petition=c["c10"], by=tw.leader, reason="三次联系不上。")
    c["c11"] = tw.handled(b, tw.minzheng, t(3, 25), t(3, 25, 14), t(4, 2))
    c["c13"] = tw.handled(a, tw.minzheng, t(2, 2), t(2, 2, 14), t(2, 4))
    tw.revisit(c["c13"], t(3, 2), U, False)
    for p in c.values():
        p.refresh_from_db()
    return c


# --- A second township ------------------------------------------------------------------------------
#
# 和兴镇 (HX), with its own center, villages, departments and staff, and a county-level unit; its March cases beside
# 鼎新乡's (the table above), each measure of March by hand in tests/dashboards/test_county.py:
#
# =====  ======  ============  ==========================================================================
# case   village dept          story
# =====  ======  ============  ==========================================================================
# h1     和兴村  民政办        routed 3-03, signed 3-04 (on time), replied 3-06 (on time), revisit 3-11 满意/solved
# h2     新民村  自规所        routed 3-10, signed 3-13 (late), replied 3-20 (late: 3-17), revisit 3-24 基本满意
# h3     和兴村  和兴村委会    routed 3-12, signed 3-12, replied 3-13, revisit 3-16 满意/solved (in the village)
# h4     新民村  民政办        routed 3-16, never signed (deadline 3-23 lapsed)
# h5     和兴村  —             received 3-18, a repeat of h4 (is_repeat)
# h6     新民村  县自然资源局  handed up 3-19 (移交县直单位), signed 3-20, replied 3-25 (on time: 3-26)
# =====  ======  ============  ==========================================================================


@pytest.fixture
def hexing(db):
    """和兴镇's builder (the steps of ``Township``, by its own staff)."""
    place = make_township("和兴镇", "HX", "MQHX")
    place.sort_order = 1  # after 鼎新乡
    place.save(update_fields=["sort_order"])
    village_a, village_b = make_village("和兴村", township=place), make_village("新民村", township=place)
    handler_minzheng = make_user("handler_hx", "handler", departments=[make_department("民政办", township=place)])
    handler_zigui = make_user("handler2_hx", "handler", departments=[make_department("自规所", township=place)])
    tw = Township(
        make_user("reception_hx", "reception", townships=[place], full_name="孙丽"),
        make_user("leader_hx", "leader", townships=[place], full_name="周正华"),
        handler_minzheng,
        handler_zigui,
        village_a,
        village_b,
        place=place,
    )
    tw.dibao = make_category("低保", Category.Kind.HELP)
    tw.zhaijidi = make_category("宅基地", Category.Kind.DISPUTE)
    tw.xian = make_county_unit("县自然资源局")
    tw.handlers[tw.xian] = make_user("handler_xian", "handler", departments=[tw.xian], full_name="钱立新")
    tw.n = 100  # petitioners of their own (张101…), never 鼎新乡's
    return tw


@pytest.fixture
def hexing_march(hexing):
    """和兴镇's March cases of the table above, by name."""
    tw, a, b = hexing, hexing.village_a, hexing.village_b
    h = {}
    h["h1"] = tw.handled(a, tw.minzheng, t(3, 3), t(3, 4), t(3, 6))
    tw.revisit(h["h1"], t(3, 11), S, True)
    h["h2"] = tw.handled(b, tw.zigui, t(3, 10), t(3, 13), t(3, 20), subject=tw.zhaijidi)
    tw.revisit(h["h2"], t(3, 24), B, False)
    h["h3"] = tw.handled(a, tw.cun, t(3, 12), t(3, 12, 15), t(3, 13))
    tw.revisit(h["h3"], t(3, 16), S, True)
    h["h4"] = tw.handled(b, tw.minzheng, t(3, 16))
    h["h5"] = tw.register(t(3, 18), a, repeat_of=h["h4"])
    h["h6"] = tw.handled(b, tw.xian, t(3, 19), t(3, 20), t(3, 25))
    for p in h.values():
        p.refresh_from_db()
    return h


# The case pipeline's fixtures: make_petition(state=…) runs the real workflow (和平村, 民政办).
from tests.petitions.conftest import accusation_category, category, make_petition  # noqa: E402, F401


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Reports are written under a throwaway MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path / "media"
