"""The access matrix: every URL pattern of the project × every demo role and an anonymous visitor → the expected
answer, from one table. A URL pattern without a row fails the test, so a new page cannot ship unreviewed.

Objects come in pairs: one inside the personas' scope (和平村, 民政办) and one outside it (大井村, 自规所), so
each row also guesses other villages' and other departments' ids. A third of each kind lies in the second
township, 和兴镇 (``hx``), across the township line: its own staff (``*_hx``) reach it, 鼎新乡's never (404, as
a guessed id of another village), the county center (县级) reads everything and acts on nothing but 督办, and
the county-level unit's handler (``handler_xian``) sees only the case handed up to it (``handed``).
GET only: actions are POSTs and are covered by the workflow's persona × action tests; here a POST-only URL
answers 405 to GET for those who may reach it.
"""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver

from duty.models import Mailbox, MailboxOpening
from households.models import Household, Village
from lists.models import Bulletin, Item, LedgerItem, Sign, Sweep
from notifications.models import Notification
from notifications.services import notification_send
from petitions import workflow
from petitions.models import Attachment, Petition, PublicAnswer, Publication, Status
from tests.demo import seed_demo
from tests.visits.conftest import make_visit
from visits.models import ContactReport, Visit

PERSONAS = [
    "anon", "reception", "leader", "handler", "handler2", "liaison", "liaison2", "admin",
    "reception_hx", "leader_hx", "handler_xian", "county",
]  # fmt: skip
LOGIN = 302  # anonymous → the login page
#: On a page about no particular object, the second township's staff answer as their counterparts in the first.
TWINS = {"reception_hx": "reception", "leader_hx": "leader", "handler_xian": "handler2"}


def walk(patterns, prefix="", namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace or namespace
            if ns == "admin":
                yield "admin", prefix + str(pattern.pattern)
                continue
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), prefix + str(pattern.pattern)


def every(status):
    return dict.fromkeys(PERSONAS, status)


def row(anon=LOGIN, reception=200, leader=200, handler=200, handler2=200, liaison=200, liaison2=200, admin=200,
        county=200, **second):  # fmt: skip
    """The answer per persona; the second township's staff as their twins unless given (``second``)."""
    answers = dict(anon=anon, reception=reception, leader=leader, handler=handler, handler2=handler2,
                   liaison=liaison, liaison2=liaison2, admin=admin, county=county)  # fmt: skip
    for persona, twin in TWINS.items():
        answers[persona] = second.get(persona, answers[twin])
    return {p: answers[p] for p in PERSONAS}


def only(*allowed, other=403, anon=LOGIN, ok=200):
    allowed = {*allowed, *(p for p, twin in TWINS.items() if twin in allowed)}
    return {p: (anon if p == "anon" else ok if p in allowed else other) for p in PERSONAS}


def dingxin_object(**answers):
    """An object of 鼎新乡: the second township's staff never reach it (404); the county reads it."""
    return row(**{"reception_hx": 404, "leader_hx": 404, "handler_xian": 404, **answers})


def hexing_object(reader=200, **answers):
    """An object of 和兴镇: 鼎新乡's staff never reach it (404, the superuser admin excepted); its own center
    staff and the county read it (``reader``)."""
    dingxin = dict(reception=404, leader=404, handler=404, handler2=404, liaison=404, liaison2=404)
    return row(**{**dingxin, "admin": reader, "county": reader, "reception_hx": reader, "leader_hx": reader,
                  "handler_xian": 404, **answers})  # fmt: skip


CENTER = ("reception", "leader", "admin")
LEADERS = ("leader", "admin")
MEETINGS = ("leader", "handler", "handler2", "liaison", "liaison2", "admin", "county")  # who reads meetings


def report(*outside):
    """A monthly report: for leaders and admins and the county; the leaders ``outside`` its township get 404."""
    return {**only(*LEADERS, "county"), **dict.fromkeys(outside, 404)}


#: (url name, variant) → (path template filled from the objects, expected answer per persona).
MATRIX: dict[tuple[str, str], tuple[str, dict]] = {}


def own_accusation(users) -> Petition:
    """An accusation (检举控告) in 和平村 routed to 民政办: the department handles it without seeing the accuser."""
    from petitions.models import Category, Department, Village

    petition = workflow.petition_register(
        by=users["reception"], channel="letter", petitioner_name="匿名检举人",
        category=Category.objects.filter(kind=Category.Kind.ACCUSATION).first(),
        summary="检举", content="检举材料", village=Village.objects.get(township__code="DX", name="和平村"),
    )  # fmt: skip
    workflow.petition_submit(petition=petition, by=users["reception"])
    workflow.petition_route(
        petition=petition,
        by=users["leader"],
        instruction="核查",
        lead_department=Department.objects.get(township__code="DX", name="民政办"),
    )
    return petition


@pytest.fixture
def objects(db, settings, tmp_path):
    """The demo township plus a pair (inside / outside the personas' scope) of every kind of object."""
    settings.MEDIA_ROOT = tmp_path
    seed_demo()
    from django.contrib.auth import get_user_model

    users = {u.username: u for u in get_user_model().objects.all()}

    def case(village: str, department: str, status: str) -> Petition:
        found = Petition.objects.filter(village__name=village, lead_department__name=department, status=status).first()
        if found:
            return found
        # Not in the demo: make it through the workflow.
        from petitions.models import Category, Department, Reply

        petition = workflow.petition_register(
            by=users["reception"], channel="visit", petitioner_name="测试人",
            category=Category.objects.exclude(kind=Category.Kind.ACCUSATION).first(),
            summary="访问矩阵", content="访问矩阵用例", village=Household.objects.filter(village__name=village)
            .first().village,
        )  # fmt: skip
        workflow.petition_submit(petition=petition, by=users["reception"])
        workflow.petition_route(
            petition=petition, by=users["leader"], instruction="办理",
            lead_department=Department.objects.get(township__code="DX", name=department),
        )  # fmt: skip
        handler = Department.objects.get(township__code="DX", name=department).staff.first()
        workflow.petition_sign(petition=petition, by=handler)
        if status == Status.REPLIED:
            workflow.petition_reply(
                petition=petition, by=handler, facts="查明", decision=Reply.Decision.SUPPORT,
                delivery=Reply.Delivery.PHONE,
            )  # fmt: skip
        return petition

    own = case("和平村", "民政办", Status.IN_PROGRESS)
    other = case("大井村", "自规所", Status.IN_PROGRESS)
    accusation = own_accusation(users)
    hexing = Petition.objects.filter(township__code="HX", status=Status.IN_PROGRESS).first()
    hexing_replied = Petition.objects.filter(township__code="HX", status=Status.REPLIED).first()
    handed = Petition.objects.get(lead_department__name="县自然资源局")
    hexing_village = Village.objects.get(name="和兴村")
    hexing_visit = make_visit(users["liaison_hx"], hexing_village, [hexing_village.households.first()])
    attachments = {
        key: Attachment.objects.create(
            petition=p,
            file=ContentFile(b"%PDF-1.4 test", name="a.pdf"),
            original_name="a.pdf",
            content_type="application/pdf",
            size=13,
        )  # fmt: skip
        for key, p in (("own", own), ("other", other), ("accusation", accusation), ("hx", hexing))
    }
    notification_send(recipients=[users["leader"]], kind="test", title="矩阵")
    from dashboards.models import MonthlyReport
    from households.models import Township

    def built_report(code: str | None) -> MonthlyReport:
        """A built report of 鼎新乡 (DX), 和兴镇 (HX) or the county workbook (None)."""
        built = MonthlyReport.objects.create(
            township=Township.objects.get(code=code) if code else None, year=2026, month=10, status="ready"
        )
        built.file.save("report.xlsx", ContentFile(b"PK\x03\x04 report"))
        return built

    from meetings.models import Meeting, MeetingKind
    from meetings.services import meeting_plan

    own_meeting = Meeting.objects.get(village__name="和平村", status="planned")  # the demo's Tuesday meeting
    township_meeting = Meeting.objects.get(township__code="DX", level="township")  # held, 鼎新乡's offices attend
    hexing_meeting = meeting_plan(
        by=users["leader_hx"], kind=MeetingKind.objects.get(name="民情研判会"), date=hexing.received_at.date(),
        township=hexing.township,
    )  # fmt: skip
    return {
        "meeting": {"own": own_meeting, "township": township_meeting, "hx": hexing_meeting},
        "item": {"own": own_meeting.items.first()},
        "decision": {"township": township_meeting.items.exclude(decision=None).first().decision},
        "household": {
            "own": Household.objects.filter(village__name="和平村").first(),
            "other": Household.objects.filter(village__name="大井村").first(),
            "hx": Household.objects.filter(village__name="和兴村").first(),
        },
        "case": {"own": own, "other": other, "accusation": accusation, "hx": hexing, "handed": handed},
        "replied": {
            "own": case("和平村", "民政办", Status.REPLIED),
            "other": case("大井村", "自规所", Status.REPLIED),
            "hx": hexing_replied,
        },
        "attachment": attachments,
        "visit": {
            "own": Visit.objects.filter(village__name="和平村").first(),
            "other": Visit.objects.filter(village__name="大井村").first(),
            "hx": hexing_visit,
        },
        "notification": Notification.objects.filter(recipient=users["leader"]).first(),
        "report": {"own": built_report("DX"), "hx": built_report("HX"), "county": built_report(None)},
        "notice": Publication.objects.filter(is_published=True).select_related("petition").first(),
        # The demo's 民意信箱 and their openings (duty.demo), one of each township.
        "mailbox": {code.lower(): Mailbox.objects.get(township__code=code) for code in ("DX", "HX")},
        "opening": {
            code.lower(): MailboxOpening.objects.filter(mailbox__township__code=code).first() for code in ("DX", "HX")
        },
        # Last month's contact-household report of 陈秀英 (liaison), drafted by seed_demo; 刘强 (liaison2) is a deputy.
        "contact_report": {"own": ContactReport.objects.get(cadre=users["liaison"])},
        "deputy": {"own": users["liaison2"]},
        # The demo's lists (lists.demo), all of 鼎新乡: 陈秀英's open item in 和平村, the ledger item of 民政办, the
        # sweep of 和平村 and 大井村, the early sign in 和平村 and the month's bulletin.
        "litem": {"own": Item.objects.filter(village__name="和平村", owner=users["liaison"], status="open").first()},
        "ledger": {"own": LedgerItem.objects.get(unit__name="民政办")},
        "sweep": {"own": Sweep.objects.get()},
        "sign": {"own": Sign.objects.get()},
        "bulletin": {"own": Bulletin.objects.get()},
    }


NOT_ALLOWED = 405  # a POST-only URL, reached with GET
#: Who reads a township's rota and mailbox log: its center, its offices' staff, the county (not a county unit's).
ROTA_READERS = {**only(*CENTER, "handler", "handler2", "county"), "handler_xian": 403}

# fmt: off
#                 anon   reception leader handler handler2 liaison liaison2 admin
MATRIX = {
    # Desks and the leaders' numbers: everyone has a desk; the numbers, hot spots, supervision board and reports
    # are for leaders and admins (of their townships) and the county center.
    ("dashboards:home", ""): ("/", row()),
    ("dashboards:metrics", ""): ("/dashboards/metrics/", only(*LEADERS, "county")),
    ("dashboards:metrics_json", ""): ("/dashboards/metrics.json", only(*LEADERS, "county")),
    ("dashboards:metric_cases", ""): ("/dashboards/metrics/cases/", only(*LEADERS, "county", ok=400)),  # no measure
    ("dashboards:hotspots", ""): ("/dashboards/hotspots/", only(*LEADERS, "county")),
    ("dashboards:supervision", ""): ("/dashboards/supervision/", only(*LEADERS, "county")),
    ("dashboards:supervision_print", ""): ("/dashboards/supervision/print/", only(*LEADERS, "county")),
    # A township's monthly report: its own leaders (and admins), the county and the superuser; another township's
    # leader gets 404. The county workbook: the county and the superuser only.
    ("dashboards:reports", ""): ("/dashboards/reports/", only(*LEADERS, "county")),
    ("dashboards:report_status", "own"): ("/dashboards/reports/{report_own}/", report("leader_hx")),
    ("dashboards:report_status", "hx"): ("/dashboards/reports/{report_hx}/", report("leader")),
    ("dashboards:report_status", "county"): ("/dashboards/reports/{report_county}/", report("leader", "leader_hx")),
    ("dashboards:report_download", "own"): ("/dashboards/reports/{report_own}/download/", report("leader_hx")),
    ("dashboards:report_download", "hx"): ("/dashboards/reports/{report_hx}/download/", report("leader")),
    ("dashboards:report_download", "county"): (
        "/dashboards/reports/{report_county}/download/", report("leader", "leader_hx")
    ),
    # Accounts.
    ("login", ""): ("/accounts/login/", row(anon=200)),
    ("logout", ""): ("/accounts/logout/", every(NOT_ALLOWED)),
    ("password_change", ""): ("/accounts/password_change/", row()),
    ("password_change_done", ""): ("/accounts/password_change/done/", row()),
    # The ledger: the center and liaisons (their own villages only) keep it, the county reads it; departments
    # have no ledger.
    ("households:index", ""): ("/households/", only(*CENTER, "liaison", "liaison2", "county")),
    ("households:create", ""): ("/households/new/", only(*CENTER, "liaison", "liaison2")),
    ("households:detail", "own"): (
        "/households/{household_own}/", dingxin_object(handler=404, handler2=404, liaison2=404)
    ),
    ("households:detail", "other"): (
        "/households/{household_other}/", dingxin_object(handler=404, handler2=404, liaison=404)
    ),
    ("households:detail", "hx"): ("/households/{household_hx}/", hexing_object()),
    ("households:edit", "own"): (
        "/households/{household_own}/edit/", dingxin_object(handler=404, handler2=404, liaison2=404, county=403)
    ),
    ("households:edit", "other"): (
        "/households/{household_other}/edit/", dingxin_object(handler=404, handler2=404, liaison=404, county=403)
    ),
    ("households:edit", "hx"): ("/households/{household_hx}/edit/", hexing_object(county=403)),
    ("households:contacts", ""): ("/households/contacts/", only(*CENTER, "liaison", "liaison2")),
    ("households:assign_contact", ""): ("/households/contacts/assign/", {**every(NOT_ALLOWED), "anon": LOGIN}),
    ("households:export", ""): ("/households/export/", only(*CENTER, "liaison", "liaison2")),
    ("households:import", ""): ("/households/import/", only(*LEADERS)),
    ("households:import_template", ""): ("/households/import/template/", only(*CENTER, "liaison", "liaison2")),
    # An import belongs to the person who uploaded it: for anyone else (and an id that does not exist), 404.
    ("households:import_job", ""): ("/households/import/999999/", only(*LEADERS, ok=404)),
    ("households:import_status", ""): ("/households/import/999999/status/", only(*LEADERS, ok=404)),
    # Cases: the center sees its township's; a department what was routed to it (a county-level unit what was
    # handed up to it, from any township); a liaison their villages; the county reads every township's.
    ("petitions:index", ""): ("/petitions/", row()),
    ("petitions:queue", "instruction"): ("/petitions/queue/instruction/", only("leader", other=404)),
    ("petitions:queue", "to_publish"): ("/petitions/queue/to_publish/", only("leader", other=404)),
    ("petitions:queue", "registered"): ("/petitions/queue/registered/", only("reception", "leader", other=404)),
    ("petitions:queue", "owned"): ("/petitions/queue/owned/", only("leader", other=404)),  # 我包的案件
    ("petitions:queue", "to_sign"): ("/petitions/queue/to_sign/", only("handler", "handler2", other=404)),
    ("petitions:queue", "village_open"): ("/petitions/queue/village_open/", only("liaison", "liaison2", other=404)),
    # 公开反馈: the township's leaders write it; another township's answer is not found.
    ("petitions:answers", ""): ("/petitions/answers/", only("leader")),
    ("petitions:answer_new", ""): ("/petitions/answers/new/", only("leader")),
    ("petitions:answer_edit", ""): ("/petitions/answers/{answer}/", {**only("leader"), "leader_hx": 404}),
    ("petitions:intake", ""): ("/petitions/new/", only("reception", "liaison", "liaison2")),
    ("petitions:household_lookup", ""): ("/petitions/new/households/", only("reception", "liaison", "liaison2")),
    ("petitions:repeat_check", ""): ("/petitions/new/repeats/", only("reception", "liaison", "liaison2")),
    ("petitions:detail", "own"): ("/petitions/{case_own}/", dingxin_object(handler2=404, liaison2=404)),
    ("petitions:detail", "other"): ("/petitions/{case_other}/", dingxin_object(handler=404, liaison=404)),
    ("petitions:detail", "accusation"): ("/petitions/{case_accusation}/", dingxin_object(handler2=404, liaison2=404)),
    ("petitions:detail", "hx"): ("/petitions/{case_hx}/", hexing_object()),
    ("petitions:detail", "handed"): (
        "/petitions/{case_handed}/",
        dingxin_object(handler=404, handler2=404, liaison=404, liaison2=404, handler_xian=200),
    ),
    ("petitions:receipt", "own"): (
        "/petitions/{case_own}/receipt/", dingxin_object(handler=403, handler2=404, liaison2=404, county=403)
    ),
    ("petitions:receipt", "other"): (
        "/petitions/{case_other}/receipt/", dingxin_object(handler=404, handler2=403, liaison=404, county=403)
    ),
    ("petitions:receipt", "hx"): ("/petitions/{case_hx}/receipt/", hexing_object(county=403)),
    ("petitions:act", "own-progress"): (
        "/petitions/{case_own}/act/progress/",
        dingxin_object(reception=403, leader=403, handler2=404, liaison=403, liaison2=404, admin=403, county=403),
    ),
    ("petitions:act", "other-progress"): (
        "/petitions/{case_other}/act/progress/",
        dingxin_object(reception=403, leader=403, handler=404, liaison=404, liaison2=403, admin=403, county=403),
    ),
    ("petitions:act", "own-supervise"): (
        "/petitions/{case_own}/act/supervise/",
        dingxin_object(reception=403, handler=403, handler2=404, liaison=403, liaison2=404, admin=403),
    ),
    ("petitions:act", "other-supervise"): (
        "/petitions/{case_other}/act/supervise/",
        dingxin_object(reception=403, handler=404, handler2=403, liaison=404, liaison2=403, admin=403),
    ),
    # 包案: the township's leaders only — not the county, which supervises but owns nothing.
    ("petitions:act", "own-assign_owner"): (
        "/petitions/{case_own}/act/assign_owner/",
        dingxin_object(reception=403, handler=403, handler2=404, liaison=403, liaison2=404, admin=403, county=403),
    ),
    # 督办 across the line: the township's own leader and the county, nobody of the other township.
    ("petitions:act", "hx-supervise"): (
        "/petitions/{case_hx}/act/supervise/", hexing_object(reception_hx=403, admin=403)
    ),
    ("petitions:act", "handed-progress"): (
        "/petitions/{case_handed}/act/progress/",
        dingxin_object(reception=403, leader=403, handler=404, handler2=404, liaison=404, liaison2=404, admin=403,
                       county=403, handler_xian=200),
    ),  # fmt: skip
    ("petitions:attachment", "own"): (
        "/petitions/{case_own}/attachments/{attachment_own}/", dingxin_object(handler2=404, liaison2=404)
    ),
    ("petitions:attachment", "other"): (
        "/petitions/{case_other}/attachments/{attachment_other}/", dingxin_object(handler=404, liaison=404)
    ),
    # An accusation's material may identify the accuser: its center only — not the handling department, not the
    # county.
    ("petitions:attachment", "accusation"): (
        "/petitions/{case_accusation}/attachments/{attachment_accusation}/",
        dingxin_object(handler=404, handler2=404, liaison=404, liaison2=404, county=404),
    ),
    ("petitions:attachment", "hx"): ("/petitions/{case_hx}/attachments/{attachment_hx}/", hexing_object()),
    # Visits: the center and liaisons (their villages) record them, the county reads them; departments do not
    # visit.
    ("visits:index", ""): ("/visits/", only(*CENTER, "liaison", "liaison2", "county")),
    ("visits:new", ""): ("/visits/new/", only(*CENTER, "liaison", "liaison2")),
    ("visits:sync", ""): ("/visits/sync/", every(NOT_ALLOWED)),
    ("visits:household_search", ""): ("/visits/households/search/", only(*CENTER, "liaison", "liaison2")),
    ("visits:detail", "own"): ("/visits/{visit_own}/", dingxin_object(handler=403, handler2=403, liaison2=404,
                                                                       handler_xian=403)),  # fmt: skip
    ("visits:detail", "other"): ("/visits/{visit_other}/", dingxin_object(handler=403, handler2=403, liaison=404,
                                                                           handler_xian=403)),  # fmt: skip
    ("visits:detail", "hx"): ("/visits/{visit_hx}/", hexing_object(handler=403, handler2=403, handler_xian=403)),
    ("visits:edit", "own"): ("/visits/{visit_own}/edit/", dingxin_object(handler=403, handler2=403, liaison2=404,
                                                                          handler_xian=403, county=403)),  # fmt: skip
    ("visits:edit", "other"): (
        "/visits/{visit_other}/edit/",
        dingxin_object(handler=403, handler2=403, liaison=404, handler_xian=403, county=403),
    ),
    ("visits:edit", "hx"): (
        "/visits/{visit_hx}/edit/", hexing_object(handler=403, handler2=403, handler_xian=403, county=403)
    ),
    ("visits:open_case", "own"): (
        "/visits/{visit_own}/open-case/",
        dingxin_object(leader=403, handler=403, handler2=403, liaison2=404, admin=403, handler_xian=403, county=403),
    ),
    ("visits:open_case", "other"): (
        "/visits/{visit_other}/open-case/",
        dingxin_object(leader=403, handler=403, handler2=403, liaison=404, admin=403, handler_xian=403, county=403),
    ),
    ("visits:contacts", ""): ("/visits/contacts/", only(*CENTER, "liaison", "liaison2")),
    ("visits:coverage", ""): ("/visits/contacts/coverage/", only(*CENTER, "liaison", "liaison2")),
    ("visits:cards", ""): ("/visits/contacts/cards/", only(*CENTER, "liaison", "liaison2")),
    ("visits:deputies", ""): ("/visits/deputies/", only(*CENTER, "liaison", "liaison2")),
    # A deputy's record book: 鼎新乡's center and the deputy (liaison2) themselves; out of scope is a 404.
    ("visits:deputy_book", "own"): (
        "/visits/deputies/{deputy_own}/book/",
        dingxin_object(handler=404, handler2=404, liaison=404, county=404),
    ),
    ("visits:quotas", ""): ("/visits/contacts/quotas/", only(*CENTER, "liaison", "liaison2")),
    # 民情联系卡月报: everyone signed in sees their own reports; the board is in the page for leaders and the county.
    ("visits:reports", ""): ("/visits/reports/", row()),
    # The township's compilation (the reader's only township): leaders and admins; the county picks a township.
    ("visits:compilation", ""): ("/visits/reports/compilation/", {**report(), "county": 404}),
    # A report's page is its cadre's alone (陈秀英, liaison).
    ("visits:report_edit", "own"): (
        "/visits/reports/{contact_report_own}/",
        {**every(404), "anon": LOGIN, "liaison": 200},
    ),
    ("visits:cadres", ""): ("/visits/cadres/", report()),
    ("visits:revisits", ""): ("/visits/revisits/", only(*CENTER, "liaison", "liaison2")),
    ("visits:revisit_new", "own"): (
        "/visits/revisits/{replied_own}/new/",
        dingxin_object(handler=403, handler2=403, liaison2=404, handler_xian=403, county=403),
    ),
    ("visits:revisit_new", "other"): (
        "/visits/revisits/{replied_other}/new/",
        dingxin_object(handler=403, handler2=403, liaison=404, handler_xian=403, county=403),
    ),
    ("visits:revisit_new", "hx"): (
        "/visits/revisits/{replied_hx}/new/", hexing_object(handler=403, handler2=403, handler_xian=403, county=403)
    ),
    ("visits:revisit_close", "own"): ("/visits/revisits/{replied_own}/close/", every(NOT_ALLOWED)),
    # Meetings (民情分析会): leaders, offices (and village committees) and liaisons read their bodies' meetings and
    # those they attend, the county every meeting; the front desk holds none (403). Planning, editing and deciding
    # are for a body's keepers (the county only reads a township's); the actions are POSTs.
    ("meetings:index", ""): ("/meetings/", only(*MEETINGS)),
    ("meetings:new", ""): ("/meetings/new/", only(*MEETINGS)),
    ("meetings:detail", "own"): (
        "/meetings/{meeting_own}/",
        dingxin_object(reception=403, reception_hx=403, handler=404, handler2=404, liaison2=404),
    ),
    # 鼎新乡's 民情研判会: its leader's, attended by 民政办's and 自规所's handlers; not the villages'.
    ("meetings:detail", "township"): (
        "/meetings/{meeting_township}/", dingxin_object(reception=403, reception_hx=403, liaison=404, liaison2=404)
    ),
    ("meetings:detail", "hx"): ("/meetings/{meeting_hx}/", hexing_object(reception=403, reception_hx=403)),
    ("meetings:print", "own"): (
        "/meetings/{meeting_own}/print/",
        dingxin_object(reception=403, reception_hx=403, handler=404, handler2=404, liaison2=404),
    ),
    ("meetings:print", "hx"): ("/meetings/{meeting_hx}/print/", hexing_object(reception=403, reception_hx=403)),
    ("meetings:edit", "own"): (
        "/meetings/{meeting_own}/edit/",
        dingxin_object(reception=403, reception_hx=403, handler=404, handler2=404, liaison2=404, county=403),
    ),
    ("meetings:edit", "hx"): (
        "/meetings/{meeting_hx}/edit/", hexing_object(reception=403, reception_hx=403, county=403)
    ),
    ("meetings:decide", "own"): (
        "/meetings/{meeting_own}/items/{item_own}/decide/",
        dingxin_object(reception=403, reception_hx=403, handler=404, handler2=404, liaison2=404, county=403),
    ),
    ("meetings:hold", ""): ("/meetings/{meeting_own}/held/", {**every(NOT_ALLOWED), "anon": LOGIN}),
    ("meetings:approve", ""): ("/meetings/{meeting_own}/approve/", {**every(NOT_ALLOWED), "anon": LOGIN}),
    ("meetings:refresh", ""): ("/meetings/{meeting_own}/agenda/refresh/", {**every(NOT_ALLOWED), "anon": LOGIN}),
    ("meetings:add_item", ""): ("/meetings/{meeting_own}/items/add/", {**every(NOT_ALLOWED), "anon": LOGIN}),
    ("meetings:remove_item", ""): (
        "/meetings/{meeting_own}/items/{item_own}/remove/", {**every(NOT_ALLOWED), "anon": LOGIN}
    ),
    ("meetings:reload_item", ""): (
        "/meetings/{meeting_own}/items/{item_own}/reload/", {**every(NOT_ALLOWED), "anon": LOGIN}
    ),
    ("meetings:complete", ""): (
        "/meetings/{meeting_township}/decisions/{decision_township}/complete/", {**every(NOT_ALLOWED), "anon": LOGIN}
    ),
    # 值班 (the duty app): the rota, its print and the mailbox log are read by the center of the township, its
    # offices' staff and the county; planning and swaps by its leaders, front desk and admins; liaisons and a
    # county-level unit's handler have no township's rota (403). A box's opening: its township only (404 across).
    ("duty:index", ""): ("/duty/", ROTA_READERS),
    ("duty:print", ""): ("/duty/print/", ROTA_READERS),
    ("duty:swap", ""): ("/duty/swap/", only(*CENTER)),
    ("duty:mailboxes", ""): ("/duty/mailbox/", ROTA_READERS),
    ("duty:mailbox_open", ""): (
        "/duty/mailbox/{mailbox_dx}/open/",
        {**every(NOT_ALLOWED), "anon": LOGIN},
    ),
    ("duty:opening", "own"): (
        "/duty/mailbox/openings/{opening_dx}/",
        dingxin_object(liaison=403, liaison2=403, handler_xian=403),
    ),
    ("duty:opening", "hx"): (
        "/duty/mailbox/openings/{opening_hx}/",
        hexing_object(liaison=403, liaison2=403, handler_xian=403),
    ),
    # 清单 (lists): everyone signed in reads their own checklist (the county every township's); the center and
    # liaisons add items and signs. The supervision ledger: the center, the offices (their unit's items) and the
    # county; put on by leaders and the county. Bulletins: leaders, admins, the county. Actions are POSTs.
    ("lists:index", ""): ("/lists/", row()),
    ("lists:items", ""): ("/lists/items/", row()),
    ("lists:item_new", ""): ("/lists/items/new/", only(*CENTER, "liaison", "liaison2", "handler", "handler2")),
    ("lists:item_detail", "own"): (
        "/lists/items/{litem_own}/", dingxin_object(handler=404, handler2=404, liaison2=404)
    ),
    ("lists:item_tick", "own"): ("/lists/items/{litem_own}/tick/", {**every(NOT_ALLOWED), "anon": LOGIN}),
    ("lists:item_assign", "own"): ("/lists/items/{litem_own}/assign/", {**every(NOT_ALLOWED), "anon": LOGIN}),
    ("lists:item_close", "own"): ("/lists/items/{litem_own}/close/", {**every(NOT_ALLOWED), "anon": LOGIN}),
    ("lists:item_case", "own"): (
        "/lists/items/{litem_own}/case/",
        dingxin_object(leader=403, admin=403, county=403, handler=404, handler2=404, liaison2=404),
    ),
    ("lists:ledger", ""): ("/lists/supervision/", only(*CENTER, "handler", "handler2", "county")),
    ("lists:ledger_new", ""): ("/lists/supervision/new/", only("leader", "county")),
    ("lists:ledger_detail", "own"): (
        "/lists/supervision/{ledger_own}/", dingxin_object(handler2=404, liaison=403, liaison2=403)
    ),
    ("lists:ledger_strike", "own"): (
        "/lists/supervision/{ledger_own}/strike/", {**every(NOT_ALLOWED), "anon": LOGIN}
    ),
    ("lists:ledger_adjust", "own"): (
        "/lists/supervision/{ledger_own}/adjust/", {**every(NOT_ALLOWED), "anon": LOGIN}
    ),
    ("lists:ledger_answer", ""): ("/lists/supervision/requests/1/answer/", {**every(NOT_ALLOWED), "anon": LOGIN}),
    ("lists:sweeps", ""): ("/lists/sweeps/", row()),
    ("lists:sweep_new", ""): ("/lists/sweeps/new/", only(*LEADERS)),
    ("lists:sweep_detail", "own"): ("/lists/sweeps/{sweep_own}/", dingxin_object(handler=404, handler2=404)),
    ("lists:sweep_close", "own"): ("/lists/sweeps/{sweep_own}/close/", {**every(NOT_ALLOWED), "anon": LOGIN}),
    ("lists:watch", ""): ("/lists/watch/", row()),
    ("lists:sign_new", ""): ("/lists/watch/new/", only(*CENTER, "liaison", "liaison2")),
    ("lists:sign_detail", "own"): (
        "/lists/watch/{sign_own}/", dingxin_object(handler=404, handler2=404, liaison2=404)
    ),
    ("lists:sign_review", "own"): ("/lists/watch/{sign_own}/review/", {**every(NOT_ALLOWED), "anon": LOGIN}),
    ("lists:sign_close", "own"): ("/lists/watch/{sign_own}/close/", {**every(NOT_ALLOWED), "anon": LOGIN}),
    ("lists:sign_case", "own"): (
        "/lists/watch/{sign_own}/case/",
        dingxin_object(leader=403, admin=403, county=403, handler=404, handler2=404, liaison2=404),
    ),
    ("lists:bulletins", ""): ("/lists/bulletins/", only(*LEADERS, "county")),
    ("lists:bulletin_detail", "own"): ("/lists/bulletins/{bulletin_own}/", report("leader_hx")),
    ("lists:bulletin_issue", "own"): (
        "/lists/bulletins/{bulletin_own}/issue/", {**every(NOT_ALLOWED), "anon": LOGIN}
    ),
    ("lists:bulletin_xlsx", "own"): ("/lists/bulletins/{bulletin_own}/xlsx/", report("leader_hx")),
    # The inbox: everyone signed in, each their own messages.
    ("notifications:inbox", ""): ("/inbox/", row()),
    ("notifications:read", ""): ("/inbox/{notification}/read/", {**every(NOT_ALLOWED), "anon": LOGIN}),
    ("notifications:read_all", ""): ("/inbox/read-all/", {**every(NOT_ALLOWED), "anon": LOGIN}),
    # The public site: no login.
    ("public:board", ""): ("/public/", row(anon=200)),
    ("public:notices_json", ""): ("/public/notices.json", row(anon=200)),
    ("public:notice", ""): ("/public/notices/{notice}/", row(anon=200)),
    ("public:feed", ""): ("/public/feed/", row(anon=200)),
    ("public:lookup", ""): ("/public/lookup/", row(anon=200)),
    ("public:board_township", ""): ("/public/HX/", row(anon=200)),
    ("public:notices_json_township", ""): ("/public/DX/notices.json", row(anon=200)),
    ("public:feed_township", ""): ("/public/DX/feed/", row(anon=200)),
    ("public:lookup_township", ""): ("/public/HX/lookup/", row(anon=200)),
    # The public side of the documents (issue 21): the contact directory and the flow poster.
    ("public:directory", ""): ("/public/directory/", row(anon=200)),
    ("public:process", ""): ("/public/process/", row(anon=200)),
    ("public:directory_township", ""): ("/public/HX/directory/", row(anon=200)),
    ("public:process_township", ""): ("/public/DX/process/", row(anon=200)),
    ("healthz", ""): ("/healthz", row(anon=200)),
    ("favicon", ""): ("/favicon.ico", row(anon=200)),
    # The admin site: staff accounts only (the demo admin); everyone else is sent to its login.
    ("admin", ""): ("/admin/", {**every(302), "admin": 200}),
}
# fmt: on


def fill(template: str, objects: dict) -> str:
    values = {
        "notification": objects["notification"].pk,
        "notice": objects["notice"].petition.tracking_number,
        "answer": PublicAnswer.objects.get(township__code="DX").pk,  # the demo's 公开反馈 of 大井村 饮水
    }
    kinds = ("household", "case", "replied", "attachment", "visit", "report", "meeting", "item", "decision",
             "mailbox", "opening", "contact_report", "deputy",
             "litem", "ledger", "sweep", "sign", "bulletin")  # fmt: skip
    for kind in kinds:
        for variant, obj in objects[kind].items():
            values[f"{kind}_{variant}"] = obj.pk
    return template.format(**values)


def test_every_url_pattern_has_a_row_in_the_table():
    names = {name for name, _ in walk(get_resolver().url_patterns)}
    covered = {name for name, _ in MATRIX}
    assert names - covered == set(), "add these URLs to the access matrix"
    assert covered - names == set(), "these rows name URLs that no longer exist"


@pytest.mark.django_db
def test_every_role_gets_the_expected_answer_everywhere(objects, client):
    from django.contrib.auth import get_user_model

    users = {u.username: u for u in get_user_model().objects.filter(username__in=PERSONAS)}
    mismatches = []
    for persona in PERSONAS:
        client.logout()
        if persona != "anon":
            client.force_login(users[persona])
        for (name, variant), (template, expected) in MATRIX.items():
            path = fill(template, objects)
            status = client.get(path).status_code
            if status != expected[persona]:
                mismatches.append(f"{persona:9} {name} {variant} {path}: expected {expected[persona]}, got {status}")
    assert mismatches == []
