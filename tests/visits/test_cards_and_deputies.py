"""Contact cards (民情连心卡) for a village, and each deputy's contacts with voters against the rule of 40."""

import pytest
from django.urls import reverse

from tests.conftest import make_user
from visits.models import CadreProfile, VillageLeader, Visit

from .conftest import local, make_household, make_visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def card_village(village_a, liaison_a):
    CadreProfile.objects.create(user=liaison_a, post="乡民政办干部", phone="13900000001")
    VillageLeader.objects.create(village=village_a, name="周支书", post="党支部书记", phone="13900000002")
    VillageLeader.objects.create(village=village_a, name="吴主任", post="村委会主任", phone="13900000003", sort_order=1)
    make_household(village_a, "K1", "王明", cadre=liaison_a)
    make_household(village_a, "K2", "赵亮")
    return village_a


def test_cards_carry_cadre_leaders_hotline_and_the_lookup_qr(client_as, leader, card_village, settings):
    settings.MINQING = {**settings.MINQING, "PUBLIC_BASE_URL": "https://mq.example.cn/"}
    card_village.township.hotline = "0851-88886666"
    card_village.township.save()
    response = client_as(leader).get(reverse("visits:cards"), {"village": card_village.pk})
    body = response.content.decode()
    assert body.count('class="contact-card"') == 2
    assert "陈秀英 · 乡民政办干部 · 13900000001" in body
    assert "党支部书记" in body and "周支书 · 13900000002" in body
    assert "村委会主任" in body
    assert "民情热线 0851-88886666" in body
    assert f"https://mq.example.cn/public/{card_village.township.code}/lookup/" in body  # the township's lookup
    assert '<symbol id="mq-lookup-qr"' in body and body.count('href="#mq-lookup-qr"') == 2
    assert "<path" in body  # the QR code is drawn inline (segno), not fetched


def test_cards_carry_the_township_leaders_and_need_no_login(client_as, leader, card_village, village_b):
    from petitions.models import DirectoryEntry

    township = card_village.township
    other = DirectoryEntry.objects.create(township=township, section="leader", name="许书记", post="乡党委书记",
                                          office_phone="0851-12345601", sort_order=1)  # fmt: skip
    other.villages.set([village_b])
    own = DirectoryEntry.objects.create(township=township, section="leader", name="韩副乡长", post="副乡长",
                                        office_phone="0851-12345604", sort_order=2)  # fmt: skip
    own.villages.set([card_village])
    DirectoryEntry.objects.create(township=township, section="leader", name="不公开", post="乡长", is_published=False)
    body = client_as(leader).get(reverse("visits:cards"), {"village": card_village.pk}).content.decode()
    # The village's own leader (包村领导) first, then the others; what the directory does not publish never.
    assert body.count("韩副乡长 · 副乡长 · 0851-12345604") == 2
    assert body.index("韩副乡长") < body.index("许书记")
    assert "不公开" not in body
    assert "登录" not in body.split('class="contact-card"', 1)[1].replace("无需注册登录", "")
    assert "无需注册登录" in body


def test_cards_can_be_limited_to_contact_households(client_as, leader, card_village):
    body = (
        client_as(leader).get(reverse("visits:cards"), {"village": card_village.pk, "contacts": "1"}).content.decode()
    )
    assert body.count('class="contact-card"') == 1
    assert "王明" in body and "赵亮" not in body


def test_cards_come_eight_to_a_sheet(client_as, leader, village_a):
    for n in range(9):
        make_household(village_a, f"S{n}")
    body = client_as(leader).get(reverse("visits:cards"), {"village": village_a.pk}).content.decode()
    assert body.count('class="card-sheet"') == 2


def test_liaison_cannot_print_cards_of_another_village(client_as, liaison_b, card_village):
    assert client_as(liaison_b).get(reverse("visits:cards"), {"village": card_village.pk}).status_code == 404


@pytest.fixture
def deputies(village_a, liaison_a):
    deputy = make_user("deputy", "liaison", villages=[village_a], full_name="孙代表")
    CadreProfile.objects.create(user=deputy, is_deputy=True, deputy_level=CadreProfile.DeputyLevel.TOWNSHIP)
    busy = make_user("busy", "liaison", villages=[village_a], full_name="钱代表")
    CadreProfile.objects.create(user=busy, is_deputy=True, deputy_level=CadreProfile.DeputyLevel.COUNTY)
    for day in range(1, 41):
        make_visit(busy, village_a, when=local(2026, 3, 1 + day % 28, 9, day), kind=Visit.Kind.DEPUTY_CONTACT)
    for month in (1, 2, 3):
        make_visit(deputy, village_a, when=local(2026, month, 5, 10), kind=Visit.Kind.DEPUTY_CONTACT)
    make_visit(deputy, village_a, when=local(2025, 12, 5, 10), kind=Visit.Kind.DEPUTY_CONTACT)  # last year
    household = make_household(village_a, "D1")
    make_visit(deputy, village_a, [household], when=local(2026, 4, 5, 10))  # a home visit, not a voter contact
    return deputy, busy


def test_deputies_page_counts_voter_contacts_of_the_year_against_forty(client_as, leader, deputies):
    response = client_as(leader).get(reverse("visits:deputies"), {"year": "2026"})
    rows = {d.username: (d.contacts, d.short) for d in response.context["rows"]}
    assert rows == {"deputy": (3, 37), "busy": (40, 0)}
    body = response.content.decode()
    assert "还差 37 人次" in body and "已达标" in body


def test_a_deputy_who_is_a_liaison_sees_only_their_own_count(client_as, deputies):
    deputy, _ = deputies
    rows = client_as(deputy).get(reverse("visits:deputies"), {"year": "2026"}).context["rows"]
    assert [d.username for d in rows] == ["deputy"]


def test_previous_year_is_counted_on_its_own(client_as, leader, deputies):
    rows = client_as(leader).get(reverse("visits:deputies"), {"year": "2025"}).context["rows"]
    assert {d.username: d.contacts for d in rows} == {"deputy": 1, "busy": 0}
