"""Recording a visit: the form, its rules in Chinese beside the fields, and who may record one."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.conftest import make_user
from visits.models import Visit, VisitParticipant
from visits.services import visit_create

from .conftest import make_household

pytestmark = pytest.mark.django_db


def form_data(village, households=(), **overrides):
    data = {
        "kind": Visit.Kind.HOME_VISIT,
        "village": village.pk,
        "households": [h.pk for h in households],
        "visited_at": (timezone.localtime() - dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "heard": "反映自来水管破裂",
        "done_on_spot": "已联系村委会维修",
        "follow_ups": "协调维修水管\n\n  回复修路计划 ",
    }
    data.update(overrides)
    return data


def test_liaison_records_a_visit_and_goes_to_its_page(client_as, liaison_a, village_a, household_a):
    response = client_as(liaison_a).post(reverse("visits:new"), form_data(village_a, [household_a]))
    visit = Visit.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("visits:detail", args=[visit.pk])
    assert list(visit.households.all()) == [household_a]
    assert list(visit.participants.all()) == [liaison_a]  # nobody chosen: the recorder went
    assert visit.created_by == liaison_a
    # 需要跟进的事项: one open item per line, owned by the recorder, of the visit's household, due a week later
    heard_on = timezone.localtime(visit.visited_at).date()
    assert sorted(visit.items.values_list("text", "owner", "household", "status", "due_date", "source")) == [
        ("协调维修水管", liaison_a.pk, household_a.pk, "open", heard_on + dt.timedelta(days=7), "visit"),
        ("回复修路计划", liaison_a.pk, household_a.pk, "open", heard_on + dt.timedelta(days=7), "visit"),
    ]
    assert visit.done_on_spot == "已联系村委会维修"


def test_a_night_visit_saves_its_1_2_n_team_with_roles(client_as, leader, liaison_a, reception, village_a, household_a):
    duty2 = make_user("duty2", "reception", full_name="孙丽")
    data = form_data(
        village_a,
        [household_a],
        kind=Visit.Kind.NIGHT_VISIT,
        lead=leader.pk,
        duty_cadres=[reception.pk, duty2.pk],
        village_cadres=[liaison_a.pk],
    )
    response = client_as(leader).post(reverse("visits:new"), data, follow=True)
    visit = Visit.objects.get()
    assert visit.kind == Visit.Kind.NIGHT_VISIT
    roles = {m.user.username: m.role for m in VisitParticipant.objects.filter(visit=visit)}
    assert roles == {"leader": "lead", "reception": "duty", "duty2": "duty", "liaison": "village"}
    page = response.content.decode()
    assert "带队领导" in page and "1+2+N" not in page  # complete: no warning


def test_a_night_visit_without_a_leader_is_saved_with_a_warning(
    client_as, liaison_a, reception, village_a, household_a
):
    data = form_data(
        village_a, [household_a], kind=Visit.Kind.NIGHT_VISIT, duty_cadres=[reception.pk], village_cadres=[liaison_a.pk]
    )
    response = client_as(liaison_a).post(reverse("visits:new"), data, follow=True)
    assert Visit.objects.count() == 1
    page = response.content.decode()
    assert "夜访未达到“1+2+N”要求：没有带队领导；值班干部1人（至少2人）。" in page
    assert 'id="night-team-gaps"' in page


def test_one_person_in_two_roles_is_refused_beside_the_field(client_as, leader, village_a, household_a):
    data = form_data(village_a, [household_a], kind=Visit.Kind.NIGHT_VISIT, lead=leader.pk, duty_cadres=[leader.pk])
    response = client_as(leader).post(reverse("visits:new"), data)
    assert response.status_code == 200 and not Visit.objects.exists()
    assert response.context["form"].errors["duty_cadres"] == ["李建国已选为带队领导，同一人只能担任一个角色。"]


def test_the_people_picker_offers_who_can_go_on_visits_village_cadres_first(
    client_as, leader, liaison_a, liaison_b, reception, admin_user
):
    make_user("county", "county")
    form = client_as(liaison_a).get(reverse("visits:new")).context["form"]
    people = [u.username for u in form.fields["duty_cadres"].queryset]
    assert people[0] == "liaison"  # the liaison's own village's cadres first
    assert {"leader", "reception", "liaison2"} <= set(people)
    assert not {"admin", "county"} & set(people)
    assert [u.username for u in form.fields["lead"].queryset] == ["leader"]
    assert form.initial["village_cadres"] == [liaison_a.pk]  # the recorder, in their likely role


def test_htmx_post_answers_with_a_client_redirect(client_as, liaison_a, village_a, household_a):
    response = client_as(liaison_a).post(
        reverse("visits:new"), form_data(village_a, [household_a]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("visits:detail", args=[Visit.objects.get().pk])


def test_household_of_another_village_is_refused_beside_the_field(client_as, leader, village_a, village_b, household_b):
    response = client_as(leader).post(reverse("visits:new"), form_data(village_a, [household_b]))
    assert response.status_code == 200
    assert not Visit.objects.exists()
    errors = response.context["form"].errors
    assert errors["households"] == ["李春花（DJ-001）不属于和平村，请重新选择村或走访户。"]


def test_liaison_cannot_choose_a_household_outside_their_villages(client_as, liaison_a, village_a, household_b):
    response = client_as(liaison_a).post(reverse("visits:new"), form_data(village_a, [household_b]))
    assert not Visit.objects.exists()
    # Not even offered: the household is outside the field's queryset.
    assert response.context["form"].errors["households"] == ["所选农户不存在或不在您的联系范围内。"]


def test_liaison_cannot_record_a_visit_in_another_village(client_as, liaison_a, village_b, household_b):
    response = client_as(liaison_a).post(reverse("visits:new"), form_data(village_b, [household_b]))
    assert not Visit.objects.exists()
    assert "请从列表中选择您所联系的村。" in response.context["form"].errors["village"]


def test_visit_in_the_future_is_refused(client_as, liaison_a, village_a, household_a):
    tomorrow = (timezone.localtime() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client_as(liaison_a).post(
        reverse("visits:new"), form_data(village_a, [household_a], visited_at=tomorrow)
    )
    assert not Visit.objects.exists()
    assert response.context["form"].errors["visited_at"] == ["走访时间不能晚于现在。"]
    assert "走访时间不能晚于现在。" in response.content.decode()


def test_home_visit_needs_a_household_but_a_forum_does_not(client_as, liaison_a, village_a):
    client = client_as(liaison_a)
    response = client.post(reverse("visits:new"), form_data(village_a, []))
    assert response.context["form"].errors["households"] == ["入户走访请至少选择一户。"]
    client.post(reverse("visits:new"), form_data(village_a, [], kind=Visit.Kind.FORUM))
    assert Visit.objects.get().kind == Visit.Kind.FORUM


def test_empty_form_names_each_missing_field_in_chinese(client_as, liaison_a, village_a):
    response = client_as(liaison_a).post(
        reverse("visits:new"), {"kind": "", "village": "", "visited_at": "", "heard": ""}
    )
    errors = response.context["form"].errors
    assert errors["heard"] == ["请填写听到的情况。"]
    assert errors["village"] == ["请选择村。"]
    assert errors["visited_at"] == ["请填写走访时间。"]
    assert errors["kind"] == ["请选择走访方式。"]


def test_handler_may_not_record_visits(client_as, handler_minzheng, village_a):
    assert client_as(handler_minzheng).get(reverse("visits:new")).status_code == 403
    assert client_as(handler_minzheng).get(reverse("visits:index")).status_code == 403


def test_service_refuses_a_household_outside_the_village(liaison_a, village_a, village_b):
    from django.core.exceptions import ValidationError

    other = make_household(village_b, "DJ-9")
    with pytest.raises(ValidationError):
        visit_create(
            by=liaison_a, kind="home_visit", visited_at=timezone.now(), village=village_a, households=[other], heard="x"
        )
    assert not Visit.objects.exists()


def test_form_prefills_household_and_village_from_the_contact_list(client_as, liaison_a, village_a, household_a):
    response = client_as(liaison_a).get(reverse("visits:new") + f"?household={household_a.pk}&kind=chat")
    form = response.context["form"]
    assert form.initial["village"] == village_a.pk
    assert form.initial["kind"] == "chat"
    assert "张德明（HP-001）" in response.content.decode()


def test_recorder_edits_a_visit_but_another_liaison_of_the_village_cannot(client_as, liaison_a, village_a, household_a):
    from tests.conftest import make_user

    visit_response = client_as(liaison_a).post(reverse("visits:new"), form_data(village_a, [household_a]))
    assert visit_response.status_code == 302
    visit = Visit.objects.get()
    client = client_as(liaison_a)
    response = client.post(
        reverse("visits:edit", args=[visit.pk]), form_data(village_a, [household_a], heard="改后的内容")
    )
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.heard == "改后的内容"
    colleague = make_user("colleague", "liaison", villages=[village_a])
    assert client_as(colleague).get(reverse("visits:edit", args=[visit.pk])).status_code == 403
