"""Wiring of the case pages: scope → 404, actions through the workflow, intake validation, query counts."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from households.models import Household
from petitions.models import Attachment, Petition, PetitionEvent, Status
from tests.conftest import make_village
from tests.petitions.conftest import intake_data

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%fake but well-formed enough for a signature check\n"


# --- Intake ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_reception_registers_a_case_and_gets_the_receipt(client_as, reception, category, village_a):
    client = client_as(reception)
    response = client.post("/petitions/new/", intake_data(category, village_a))
    petition = Petition.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/petitions/{petition.pk}/receipt/"
    assert petition.status == Status.AWAITING_INSTRUCTION
    assert petition.petitioner_phone == "13800138000"
    assert list(petition.events.order_by("pk").values_list("action", flat=True)) == ["register", "submit"]
    receipt = client.get(response["Location"]).content.decode()
    assert petition.tracking_number in receipt
    assert "<svg" in receipt  # the QR code to the public lookup
    assert "/public/DX/lookup/?number=" in receipt  # the township's own lookup
    assert petition.township.center_name in receipt


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["王大山反映：村主任截留补贴。", "村主任截留补贴，联系电话138-0013-8000。"])
def test_an_accusation_naming_its_accuser_is_held_back_with_a_warning(
    client_as, reception, accusation_category, village_a, text
):
    client = client_as(reception)
    data = intake_data(accusation_category, village_a, content=text)
    response = client.post("/petitions/new/", data)
    assert response.status_code == 200 and not Petition.objects.exists()
    assert "检举人身份须保密" in response.context["form"].errors["content"][0]
    assert 'name="keep_identity_in_text"' in response.content.decode()
    response = client.post("/petitions/new/", {**data, "keep_identity_in_text": "on"})
    assert response.status_code == 302 and Petition.objects.get().content == text


@pytest.mark.django_db
def test_other_kinds_may_name_the_petitioner(client_as, reception, category, village_a):
    client_as(reception).post("/petitions/new/", intake_data(category, village_a, content="王大山反映邻里纠纷。"))
    assert Petition.objects.count() == 1


@pytest.mark.django_db
def test_answer_at_the_desk_records_the_reply_at_once(client_as, reception, category, village_a):
    data = intake_data(
        category, village_a, disposition="answer", reply_facts="已当场解释低保申请流程。", reply_decision="explained"
    )
    client_as(reception).post("/petitions/new/", data)
    petition = Petition.objects.get()
    assert petition.status == Status.REPLIED
    assert petition.replies.get().decision == "explained"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("content", "", "这个字段是必填项"),
        ("petitioner_phone", "12345", "电话号码格式不正确"),
        ("petitioner_id_number", "110105194912310021", "校验位不正确"),
        ("petitioner_name", "", "这个字段是必填项"),
    ],
)
def test_bad_intake_input_is_shown_beside_the_field_and_saves_nothing(
    client_as, reception, category, village_a, field, value, message
):
    response = client_as(reception).post("/petitions/new/", intake_data(category, village_a, **{field: value}))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context["form"].errors[field]
    assert not Petition.objects.exists()
    assert not PetitionEvent.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("virus.pdf", b"MZ\x90\x00 an executable", "不是允许的文件类型"),
        ("photo.jpg", PNG, "扩展名与文件内容不符"),
        ("big.pdf", PDF + b"0" * (10 * 1024 * 1024), "超过 10 MB"),
    ],
)
def test_disguised_or_oversized_files_are_refused(client_as, reception, category, village_a, name, content, message):
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")
    data = intake_data(category, village_a, attachments=upload)
    response = client_as(reception).post("/petitions/new/", data)
    assert message in response.content.decode()
    assert not Petition.objects.exists()
    assert not Attachment.objects.exists()


@pytest.mark.django_db
def test_an_image_and_a_pdf_are_attached(client_as, reception, category, village_a, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    files = [SimpleUploadedFile("现场.png", PNG), SimpleUploadedFile("材料.pdf", PDF)]
    client_as(reception).post("/petitions/new/", intake_data(category, village_a, attachments=files))
    petition = Petition.objects.get()
    assert sorted(petition.attachments.values_list("content_type", flat=True)) == ["application/pdf", "image/png"]


@pytest.mark.django_db
def test_a_likely_repeat_is_shown_before_saving_and_can_be_linked(client_as, reception, category, village_a):
    client = client_as(reception)
    client.post("/petitions/new/", intake_data(category, village_a))
    first = Petition.objects.get()
    response = client.post("/petitions/new/", intake_data(category, village_a, summary="再次反映宅基地纠纷"))
    assert response.status_code == 200
    assert first.tracking_number in response.content.decode()
    assert Petition.objects.count() == 1  # not created twice silently
    client.post("/petitions/new/", intake_data(category, village_a, repeat_choice=f"link:{first.pk}"))
    second = Petition.objects.exclude(pk=first.pk).get()
    assert second.repeat_of == first and second.is_repeat


@pytest.mark.django_db
def test_a_likely_repeat_can_be_merged_at_intake(client_as, reception, category, village_a):
    client = client_as(reception)
    client.post("/petitions/new/", intake_data(category, village_a))
    first = Petition.objects.get()
    client.post("/petitions/new/", intake_data(category, village_a, repeat_choice=f"merge:{first.pk}"))
    second = Petition.objects.exclude(pk=first.pk).get()
    assert second.status == Status.MERGED and second.merged_into == first


@pytest.mark.django_db
def test_household_type_ahead_finds_by_name_and_respects_scope(client_as, reception, liaison_a, village_a):
    other = make_village("大井村")
    Household.objects.create(village=village_a, household_no="001", head_name="赵德胜", phone="13900000001")
    Household.objects.create(village=other, household_no="002", head_name="赵德明", phone="13900000002")
    page = client_as(reception).get("/petitions/new/households/", {"q": "赵德"}).content.decode()
    assert "赵德胜" in page and "赵德明" in page
    page = client_as(liaison_a).get("/petitions/new/households/", {"q": "赵德"}).content.decode()
    assert "赵德胜" in page and "赵德明" not in page


@pytest.mark.django_db
def test_handler_cannot_open_the_intake_page(client_as, handler_minzheng):
    assert client_as(handler_minzheng).get("/petitions/new/").status_code == 403


# --- Scope and actions ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_case_outside_the_scope_is_a_404(client_as, make_petition, liaison_b, handler_zigui):
    petition = make_petition("in_progress")
    assert client_as(liaison_b).get(f"/petitions/{petition.pk}/").status_code == 404
    assert client_as(handler_zigui).get(f"/petitions/{petition.pk}/").status_code == 404


@pytest.mark.django_db
def test_case_page_shows_only_the_buttons_the_user_may_press(client_as, make_petition, leader, handler_minzheng):
    petition = make_petition("assigned")
    page = client_as(handler_minzheng).get(f"/petitions/{petition.pk}/").content.decode()
    assert f"/petitions/{petition.pk}/act/sign/" in page
    assert f"/petitions/{petition.pk}/act/route/" not in page
    page = client_as(leader).get(f"/petitions/{petition.pk}/").content.decode()
    assert f"/petitions/{petition.pk}/act/sign/" not in page
    assert "签收期限" in page and "法定期限" in page


@pytest.mark.django_db
def test_leader_routes_through_the_form(client_as, make_petition, leader, dept_minzheng):
    petition = make_petition("awaiting_instruction")
    response = client_as(leader).post(
        f"/petitions/{petition.pk}/act/route/",
        {"instruction": "请民政办三日内核实。", "lead_department": dept_minzheng.pk},
    )
    assert response.status_code == 302
    petition.refresh_from_db()
    assert petition.status == Status.ASSIGNED and petition.reply_by is not None


@pytest.mark.django_db
def test_an_action_the_role_may_not_take_is_refused_and_changes_nothing(client_as, make_petition, reception):
    petition = make_petition("awaiting_instruction")
    response = client_as(reception).post(f"/petitions/{petition.pk}/act/route/", {"instruction": "x"})
    assert response.status_code == 403
    petition.refresh_from_db()
    assert petition.status == Status.AWAITING_INSTRUCTION


@pytest.mark.django_db
def test_second_click_on_a_case_that_already_moved_gets_a_clear_message(client_as, make_petition, handler_minzheng):
    petition = make_petition("assigned")
    client = client_as(handler_minzheng)
    client.post(f"/petitions/{petition.pk}/act/sign/", {})
    response = client.post(f"/petitions/{petition.pk}/act/sign/", {}, follow=True)
    assert "不能签收" in response.content.decode()
    assert petition.events.filter(action="sign").count() == 1


@pytest.mark.django_db
def test_handler_does_not_see_an_accusers_identity(client_as, make_petition, handler_minzheng, accusation_category):
    petition = make_petition("assigned", category=accusation_category, petitioner_name="钱多多")
    page = client_as(handler_minzheng).get(f"/petitions/{petition.pk}/").content.decode()
    assert "钱多多" not in page and "身份保密" in page
    listing = client_as(handler_minzheng).get("/petitions/").content.decode()
    assert petition.tracking_number in listing and "钱多多" not in listing


@pytest.mark.django_db
def test_attachments_are_served_only_within_scope(
    client_as, make_petition, handler_minzheng, liaison_b, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    petition = make_petition("assigned", attachments=[SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf")])
    attachment = petition.attachments.get()
    url = f"/petitions/{petition.pk}/attachments/{attachment.pk}/"
    response = client_as(handler_minzheng).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert 'filename="a.pdf"' in response["Content-Disposition"]
    assert client_as(liaison_b).get(url).status_code == 404


@pytest.mark.django_db
def test_action_urls_refuse_get_for_unknown_actions(client_as, make_petition, leader):
    petition = make_petition()
    assert client_as(leader).get(f"/petitions/{petition.pk}/act/fly/").status_code == 404


# --- Query counts ---------------------------------------------------------------------------------


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/petitions/",
        "/petitions/?overdue=on&village=1",
        "/petitions/queue/instruction/",
        "/petitions/?q=低保",
        "/petitions/?department={zigui}&status=assigned",
    ],
)
def test_list_query_count_does_not_grow_with_rows(client_as, make_petition, leader, url, dept_zigui):
    client = client_as(leader)
    url = url.format(zigui=dept_zigui.pk)
    for _ in range(3):
        make_petition("awaiting_instruction")
    make_petition("assigned", assisting_departments=[dept_zigui])
    few = count_queries(client, url)
    for _ in range(30):
        make_petition("awaiting_instruction")
    for _ in range(5):
        make_petition("assigned", assisting_departments=[dept_zigui])
    assert count_queries(client, url) == few


@pytest.mark.django_db
def test_case_page_query_count_does_not_grow_with_history(client_as, make_petition, leader, handler_minzheng):
    client = client_as(leader)
    petition = make_petition("in_progress")
    few = count_queries(client, f"/petitions/{petition.pk}/")
    from petitions import workflow

    for n in range(8):
        workflow.petition_add_progress(petition=petition, by=handler_minzheng, note=f"进展{n}")
    workflow.petition_supervise(petition=petition, by=leader, note="请加快办理")
    assert count_queries(client, f"/petitions/{petition.pk}/") == few


@pytest.mark.django_db
def test_pages_and_downloads_with_personal_data_are_never_stored(client_as, leader, make_petition, village_a):
    from households.models import Household

    petition = make_petition()
    household = Household.objects.create(village=village_a, household_no="1", head_name="张三")
    client = client_as(leader)
    for url in [
        "/",
        "/petitions/",
        f"/petitions/{petition.pk}/",
        f"/petitions/{petition.pk}/receipt/",
        f"/households/{household.pk}/",
        "/households/export/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"], url


# --- What each reader sees ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_stale_sign_link_says_what_happened_and_shows_the_case(client_as, make_petition, handler_minzheng):
    petition = make_petition("in_progress")  # signed already (by a colleague, say)
    response = client_as(handler_minzheng).get(f"/petitions/{petition.pk}/act/sign/")
    assert response.status_code == 302
    assert response["Location"] == f"/petitions/{petition.pk}/"
    page = client_as(handler_minzheng).get(response["Location"]).content.decode()
    assert "该诉求当前为“办理中”，不能签收。" in page


@pytest.mark.django_db
def test_a_stale_extension_decision_link_says_there_is_nothing_to_decide(client_as, make_petition, leader):
    petition = make_petition("in_progress")  # no extension requested (or another leader decided it)
    response = client_as(leader).get(f"/petitions/{petition.pk}/act/approve_extension/", follow=True)
    assert response.redirect_chain == [(f"/petitions/{petition.pk}/", 302)]
    assert "该诉求没有待审批的延期申请。" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(("persona", "action"), [("reception", "sign"), ("handler_minzheng", "route")])
def test_an_action_the_role_never_takes_stays_a_403(request, client_as, make_petition, persona, action):
    petition = make_petition("in_progress")
    client = client_as(request.getfixturevalue(persona))
    assert client.get(f"/petitions/{petition.pk}/act/{action}/").status_code == 403


@pytest.mark.django_db
def test_a_handler_sees_the_household_as_text_not_a_link(client_as, make_petition, handler_minzheng, leader, village_a):
    household = Household.objects.create(village=village_a, household_no="HP-0099", head_name="王大山")
    petition = make_petition("in_progress", household=household)
    page = client_as(handler_minzheng).get(f"/petitions/{petition.pk}/").content.decode()
    cell = page.split('id="petitioner-household">', 1)[1].split("</dd>", 1)[0]
    assert "HP-0099 王大山" in cell and "<a " not in cell
    assert client_as(handler_minzheng).get(f"/households/{household.pk}/").status_code == 404
    page = client_as(leader).get(f"/petitions/{petition.pk}/").content.decode()
    assert f'href="/households/{household.pk}/"' in page


@pytest.mark.django_db
def test_the_history_shows_the_days_asked_and_the_new_deadline(client_as, make_petition, handler_minzheng, leader):
    from petitions import workflow

    petition = make_petition("in_progress")
    before = petition.reply_by
    workflow.petition_request_extension(petition=petition, by=handler_minzheng, reason="需要补充材料", days=5)
    workflow.petition_decide_extension(petition=petition, by=leader, approve=True, note="同意")
    assert petition.reply_by != before
    page = client_as(leader).get(f"/petitions/{petition.pk}/").content.decode()
    timeline = page.split('id="case-timeline"', 1)[1]
    assert "申请延长 5 个工作日" in timeline
    assert f"延长 5 个工作日：答复期限 {before:%Y-%m-%d} → {petition.reply_by:%Y-%m-%d}" in timeline


@pytest.mark.django_db
def test_the_answer_fields_are_in_the_page_for_the_front_desk_only(client_as, reception, liaison_a):
    page = client_as(reception).get("/petitions/new/").content.decode()
    assert 'id="answer-fields"' in page  # shown without JavaScript; intake.js hides them until chosen
    assert 'id="answer-fields"' not in client_as(liaison_a).get("/petitions/new/").content.decode()


@pytest.mark.django_db
def test_the_answer_fields_are_checked_only_when_answering_at_the_desk(client_as, reception, category, village_a):
    client = client_as(reception)
    refused = client.post("/petitions/new/", intake_data(category, village_a, disposition="answer"))
    assert set(refused.context["form"].errors) >= {"reply_facts", "reply_decision"}
    refused = client.post("/petitions/new/", intake_data(category, village_a, disposition="answer", reply_delivery=""))
    assert "reply_delivery" in refused.context["form"].errors
    assert not Petition.objects.exists()
    client.post("/petitions/new/", intake_data(category, village_a, disposition="submit", reply_delivery=""))
    assert Petition.objects.get().status == Status.AWAITING_INSTRUCTION


@pytest.mark.django_db
def test_messages_are_not_printed_with_the_receipt(client_as, reception, category, village_a):
    response = client_as(reception).post("/petitions/new/", intake_data(category, village_a), follow=True)
    page = response.content.decode()
    assert "已登记，受理编号" in page
    alert = re.search(r'<div class="alert[^"]*"[^>]*role="alert">', page).group(0)
    assert "no-print" in alert
