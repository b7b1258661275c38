"""Export → import changes nothing; the export has the import's columns."""

import pytest
from openpyxl import load_workbook

from households import importer
from households.excel import HOUSEHOLD_COLUMNS, MEMBER_COLUMNS, write_ledger
from households.models import Household, HouseholdEvent, Person, Township
from tests.demo import seed_demo

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_ledger(db):
    seed_demo()


def snapshot():
    households = list(
        Household.objects.order_by("pk").values_list(
            "pk", "village_id", "group_id", "household_no", "head_name", "head_id_number", "phone", "address",
            "size", "contact_cadre_id", "notes", "updated_at",
        )
    )  # fmt: skip
    people = list(
        Person.objects.order_by("pk").values_list("pk", "household_id", "name", "relation", "id_number", "sex")
    )
    links = sorted(Household.tags.through.objects.values_list("household_id", "tag_id"))
    person_links = sorted(Person.tags.through.objects.values_list("person_id", "tag_id"))
    return households, people, links, person_links, HouseholdEvent.objects.count()


def test_export_then_import_changes_nothing(demo_ledger, tmp_path):
    Household.objects.filter(pk=Household.objects.first().pk).update(notes="第一行\n第二行", phone="08511234567")
    path = tmp_path / "export.xlsx"
    dingxin = Household.objects.filter(village__township__code="DX")  # one township's ledger, as it is kept
    assert write_ledger(dingxin, path) == dingxin.count()
    before = snapshot()

    report = importer.apply(path, township=Township.objects.get(code="DX"))

    assert report.ok, report.problems[:3]
    assert report.households.unchanged == dingxin.count() and report.households.updated == 0
    members = Person.objects.filter(household__village__township__code="DX")
    assert report.members.unchanged == members.count() and report.members.updated == 0
    assert snapshot() == before


def test_export_has_the_import_columns_on_two_sheets(demo_ledger, tmp_path):
    path = tmp_path / "export.xlsx"
    write_ledger(Household.objects.filter(village__name="和平村"), path)
    wb = load_workbook(path)
    households, members = wb.worksheets
    assert [c.value for c in households[1]] == HOUSEHOLD_COLUMNS
    assert [c.value for c in members[1]] == MEMBER_COLUMNS
    assert {row[0] for row in households.iter_rows(min_row=2, values_only=True)} == {"和平村"}
    assert households.max_row - 1 == Household.objects.filter(village__name="和平村").count()
    assert members.max_row - 1 == Person.objects.filter(household__village__name="和平村").count()


ATTACK = '=HYPERLINK("http://x/","y")'
SHORT_ATTACK = '=HYPERLINK("x")'  # for the columns of 18 and 20 characters (ID number, phone)


def test_text_typed_as_a_formula_is_exported_as_text_in_every_column(db, tmp_path):
    from django.contrib.auth import get_user_model

    from households.models import Group, Tag, Village
    from tests.conftest import make_township

    village = Village.objects.create(township=make_township(), name=ATTACK)
    cadre = get_user_model().objects.create_user(username="cadre", first_name=ATTACK)
    household = Household.objects.create(
        village=village,
        group=Group.objects.create(village=village, name=ATTACK),
        household_no=ATTACK,
        head_name=ATTACK,
        head_id_number=SHORT_ATTACK,
        phone=SHORT_ATTACK,
        address=ATTACK,
        size=3,
        contact_cadre=cadre,
        notes=ATTACK,
    )
    household.tags.add(Tag.objects.create(name=ATTACK, kind=Tag.Kind.HOUSEHOLD))
    person = Person.objects.create(household=household, name=ATTACK, relation="=A1", id_number=SHORT_ATTACK + "1",
                                   phone=SHORT_ATTACK)  # fmt: skip
    person.tags.add(Tag.objects.create(name=ATTACK, kind=Tag.Kind.PERSON))
    path = tmp_path / "export.xlsx"

    write_ledger(Household.objects.all(), path)

    households, members = load_workbook(path).worksheets
    row = [c for c in households[2]]
    assert [c.value for c in row] == [ATTACK, ATTACK, ATTACK, ATTACK, SHORT_ATTACK, SHORT_ATTACK, ATTACK, 3,
                                      ATTACK, ATTACK, ATTACK]  # fmt: skip
    member = [c for c in members[2]]
    assert [c.value for c in member] == [ATTACK, ATTACK, ATTACK, "=A1", SHORT_ATTACK + "1", SHORT_ATTACK, ATTACK]
    for cell in row + member:
        assert cell.data_type != "f", cell.coordinate
        if isinstance(cell.value, str):
            assert cell.quotePrefix, cell.coordinate  # Excel keeps it text when the cell is edited
