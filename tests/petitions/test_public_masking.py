"""petitions/public.py: the one place the public's dictionaries are built, and the masking in them."""

from __future__ import annotations

import datetime as dt

import pytest

from households.idcard import id_number_for
from petitions import identity, public, workflow
from petitions.models import Publication, Reply, Status

SUMMARY = "反映生活困难，经民政办核实后已按政策纳入救助。"

NOTICE_KEYS = {
    "tracking_number",
    "township",
    "received_on",
    "village",
    "subject",
    "petitioner",
    "summary",
    "decision",
    "result",
    "department",
    "replied_on",
    "finished_on",
    "published_at",
    "url",
}


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张某"),
        ("张三丰", "张某"),
        ("欧阳娜娜", "欧阳某"),
        ("欧阳锋", "欧阳某"),
        ("司马光", "司马某"),
        ("诸葛亮", "诸葛某"),
        (" 王秀英 ", "王某"),
        ("张", "张某"),
        ("", ""),
    ],
)
def test_mask_name_keeps_only_the_surname(name, masked):
    assert identity.mask_name(name) == masked


def _published(make_petition, leader, state=Status.CLOSED, consent=False, **fields):
    petition = make_petition(state, **fields)
    workflow.petition_publish(
        petition=petition,
        by=leader,
        public_summary=SUMMARY,
        result="已办理。",
        consent=consent,
        consent_note="同意书已签字存档。" if consent else "",
    )
    return public.board_queryset().get(petition=petition)


@pytest.mark.django_db
def test_the_notice_masks_the_petitioner_without_consent(make_petition, leader):
    publication = _published(make_petition, leader, petitioner_name="张德明")
    notice = public.public_notice(publication)
    assert set(notice) == NOTICE_KEYS
    assert notice["petitioner"] == "张某"
    assert "张德明" not in str(notice)


@pytest.mark.django_db
def test_the_notice_shows_the_full_name_with_written_consent(make_petition, leader):
    publication = _published(make_petition, leader, consent=True, petitioner_name="张德明")
    assert public.public_notice(publication)["petitioner"] == "张德明"


@pytest.mark.django_db
@pytest.mark.parametrize(("consent", "shown"), [(False, "欧阳某"), (True, "欧阳娜娜")])
def test_a_compound_surname_is_kept_whole(consent, shown, make_petition, leader):
    publication = _published(make_petition, leader, consent=consent, petitioner_name="欧阳娜娜")
    assert public.public_notice(publication)["petitioner"] == shown


@pytest.mark.django_db
def test_a_group_visit_shows_the_head_count(make_petition, leader):
    publication = _published(
        make_petition,
        leader,
        petitioner_name="李国华",
        head_count=7,
        representatives=[{"name": "李国华"}, {"name": "王春生"}],
    )
    assert public.public_notice(publication)["petitioner"] == "李某等7人"


@pytest.mark.django_db
def test_an_accusation_shows_no_petitioner_even_if_a_consent_row_says_so(make_petition, leader, accusation_category):
    publication = _published(make_petition, leader, category=accusation_category, petitioner_name="张德明")
    Publication.objects.filter(pk=publication.pk).update(name_consent=True)  # never through the workflow
    publication = public.board_queryset().get(pk=publication.pk)
    assert public.public_notice(publication)["petitioner"] == identity.HIDDEN


@pytest.mark.django_db
def test_a_minor_is_never_named(make_petition, leader):
    minor = id_number_for("520100", dt.date.today().replace(year=dt.date.today().year - 15, day=1), 3)
    publication = _published(make_petition, leader, petitioner_name="张小雨", petitioner_id_number=minor)
    notice = public.public_notice(publication)
    assert notice["petitioner"] == identity.HIDDEN
    assert "张" not in notice["petitioner"]


@pytest.mark.django_db
def test_an_adult_with_an_id_number_is_masked_as_usual(make_petition, leader):
    adult = id_number_for("520100", dt.date(1980, 5, 1), 3)
    publication = _published(make_petition, leader, petitioner_name="张德明", petitioner_id_number=adult)
    assert public.public_notice(publication)["petitioner"] == "张某"


@pytest.mark.django_db
def test_the_notice_carries_nothing_of_the_case_beyond_the_board(make_petition, leader):
    publication = _published(make_petition, leader, petitioner_name="张德明")
    petition = publication.petition
    text = str(public.public_notice(publication))
    for private in (petition.petitioner_phone, petition.content, petition.summary, petition.instruction, "李建国"):
        assert private not in text


@pytest.mark.django_db
def test_json_notice_has_the_same_fields_as_text(make_petition, leader):
    publication = _published(make_petition, leader)
    item = public.json_notice(public.public_notice(publication))
    assert set(item) == NOTICE_KEYS
    assert all(isinstance(v, str) for v in item.values())
    dt.date.fromisoformat(item["received_on"])
    dt.datetime.fromisoformat(item["published_at"])


# --- Progress -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_progress_shows_states_dates_and_the_reply_but_nothing_internal(
    make_petition, leader, handler_minzheng, reception
):
    petition = make_petition(Status.IN_PROGRESS)
    workflow.petition_add_progress(petition=petition, by=handler_minzheng, note="内部记录：已联系村支书了解情况。")
    workflow.petition_supervise(petition=petition, by=leader, note="督办意见：三日内办结。")
    workflow.petition_request_extension(petition=petition, by=handler_minzheng, reason="延期理由：待县里核查。", days=3)
    workflow.petition_decide_extension(petition=petition, by=leader, approve=False, note="驳回：按期办结。")
    workflow.petition_reply(
        petition=petition,
        by=handler_minzheng,
        facts="经核实，符合救助条件。",
        decision=Reply.Decision.SUPPORT,
        content="已纳入救助。",
        delivery=Reply.Delivery.PHONE,
    )
    progress = public.lookup_progress(petition.tracking_number, petition.petitioner_phone[-4:])
    labels = [s["label"] for s in progress["steps"]]
    assert labels == ["已登记受理", "已呈报中心领导批示", "已交承办单位办理", "承办单位已签收，正在办理", "已答复"]
    assert progress["status"] == "已答复"
    assert progress["reply"]["facts"] == "经核实，符合救助条件。"
    assert progress["reply"]["department"] == "民政办"
    assert progress["review_by"] == petition.review_by
    text = str(progress)
    for internal in (
        petition.instruction,
        "内部记录",
        "督办意见",
        "延期理由",
        "驳回",
        "张伟",  # the handler
        "李建国",  # the leader
        "王芳",  # reception
        petition.petitioner_name,
        petition.petitioner_phone,
    ):
        assert internal not in text, internal


@pytest.mark.django_db
def test_progress_of_a_refused_case_says_where_to_go(make_petition):
    petition = make_petition(Status.NOT_ACCEPTED)
    progress = public.lookup_progress(petition.tracking_number, petition.petitioner_phone[-4:])
    assert progress["steps"][-1] == {
        "date": progress["steps"][-1]["date"],
        "label": "不予受理",
        "detail": "请通过以下途径反映：人民法院",
    }
    assert "属司法程序" not in str(progress)  # the reason is internal
    assert progress["reply"] is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("number", "phone4"),
    [
        ("MQ209901-0001", "0001"),  # no such case
        (None, "9999"),  # the right case, the wrong phone
        (None, ""),
        (None, "12a4"),
        ("", None),
    ],
)
def test_lookup_gives_nothing_for_a_wrong_pair_as_for_an_unknown_number(number, phone4, make_petition):
    petition = make_petition(Status.REPLIED)
    number = petition.tracking_number if number is None else number
    phone4 = petition.petitioner_phone[-4:] if phone4 is None else phone4
    if phone4 == petition.petitioner_phone[-4:] and number == petition.tracking_number:
        pytest.fail("the parameters must be wrong")
    assert public.lookup_progress(number, phone4) is None


@pytest.mark.django_db
def test_lookup_accepts_the_number_as_people_type_it(make_petition):
    petition = make_petition(Status.REPLIED)
    typed = petition.tracking_number.lower().replace("-", "")
    assert public.lookup_progress(f" {typed} ", petition.petitioner_phone[-4:])["tracking_number"] == (
        petition.tracking_number
    )


@pytest.mark.django_db
def test_a_case_without_a_phone_cannot_be_looked_up(make_petition):
    petition = make_petition(Status.REPLIED, petitioner_phone="")
    assert public.lookup_progress(petition.tracking_number, "0000") is None


@pytest.mark.parametrize(
    ("value", "span"),
    [
        ("2026-11", (dt.date(2026, 11, 1), dt.date(2026, 12, 1))),
        ("2026-12", (dt.date(2026, 12, 1), dt.date(2027, 1, 1))),
        ("2026-13", None),
        ("11/2026", None),
        ("", None),
    ],
)
def test_month_range(value, span):
    assert public.month_range(value) == span
