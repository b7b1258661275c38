import pytest
from django.core.management import call_command

from households import demo
from households.idcard import parse_id_number
from households.models import Household, HouseholdEvent, Person, Village
from households.services import contact_quota

pytestmark = pytest.mark.django_db


def seed():
    call_command("seed_demo", stdout=open("/dev/null", "w"))


def ledger_rows():
    return list(
        Household.objects.order_by("village_id", "household_no").values_list(
            "village__name", "household_no", "head_name", "head_id_number", "phone", "size"
        )
    )


def test_demo_ledger_has_hundreds_of_households_with_members_and_tags_in_every_village():
    seed()
    assert Household.objects.count() >= 300
    assert Household.objects.filter(village__township__code="DX").values("village").distinct().count() == 13
    assert Household.objects.values("village").distinct().count() == Village.objects.count()
    assert Person.objects.count() > Household.objects.count() * 2
    assert Household.objects.filter(tags__isnull=False).distinct().count() > 50
    assert Person.objects.filter(tags__isnull=False).exists()
    ids = list(Person.objects.exclude(id_number=None).values_list("id_number", "sex", "birth_date"))
    assert len(ids) > 0.8 * Person.objects.count()  # most have an ID number …
    assert Person.objects.filter(id_number=None).exists()  # … some do not
    for number, sex, birth in ids:
        info = parse_id_number(number)
        assert (info.sex, info.birth_date) == (sex, birth)


def test_the_demo_liaison_keeps_15_contact_households_in_heping():
    seed()
    households = Household.objects.filter(contact_cadre__username="liaison")
    assert households.count() == 15
    assert set(households.values_list("village__name", flat=True)) == {"和平村"}
    # … which is the guidance for a village of 和平村's size (500–1000 people)
    population = sum(Household.objects.filter(village__name="和平村").values_list("size", flat=True))
    assert contact_quota(population) == 15


def test_a_second_seed_demo_adds_nothing_to_the_ledger():
    seed()
    first = ledger_rows()
    events = HouseholdEvent.objects.count()
    seed()
    assert ledger_rows() == first
    assert HouseholdEvent.objects.count() == events


def test_the_demo_ledger_is_the_same_on_every_machine():
    call_command("seed_demo", "--no-sample-data", stdout=open("/dev/null", "w"))
    demo.seed_sample(lambda line: None)
    first = ledger_rows()
    Household.objects.all().delete()
    demo.seed_sample(lambda line: None)
    assert ledger_rows() == first
