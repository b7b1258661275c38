import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command

from households.models import Village


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label in {"auth", "households", "petitions", "visits", "dashboards"}
    }


@pytest.mark.django_db
def test_seed_demo_creates_the_township_and_one_account_per_role():
    call_command("seed_demo", "--no-sample-data", stdout=open("/dev/null", "w"))
    assert Village.objects.count() == 13
    assert set(Village.objects.values_list("name", flat=True)) >= {"和平村", "营盘村", "鼎新村"}
    users = get_user_model().objects
    for username, group in [
        ("reception", "reception"),
        ("leader", "leader"),
        ("handler", "handler"),
        ("liaison", "liaison"),
        ("admin", "admin"),
    ]:
        assert users.get(username=username).groups.filter(name=group).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("args", [["--no-sample-data"], []])
def test_seed_demo_twice_changes_nothing_the_second_time(args):
    devnull = open("/dev/null", "w")
    call_command("seed_demo", *args, stdout=devnull)
    first = row_counts()
    call_command("seed_demo", *args, stdout=devnull)
    assert row_counts() == first


@pytest.mark.django_db
def test_the_demo_never_writes_an_accusers_name_or_phone_into_the_accusation():
    from petitions import identity
    from petitions.models import Category, Petition

    call_command("seed_demo", stdout=open("/dev/null", "w"))
    accusations = Petition.objects.filter(category__kind=Category.Kind.ACCUSATION).prefetch_related("representatives")
    assert accusations.exists()
    for case in accusations:
        people = [(case.petitioner_name, case.petitioner_phone)] + [
            (r.name, r.phone) for r in case.representatives.all()
        ]
        text = f"{case.summary}\n{case.content}"
        assert not identity.mentioned_in(text, names=[n for n, _ in people], phones=[p for _, p in people if p])
