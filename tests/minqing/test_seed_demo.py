import io

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from households.models import Village
from minqing.demo import DEMO_PASSWORD
from tests.minqing.test_settings import PRODUCTION, run_python, settings_of


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label in {"auth", "households", "petitions", "visits", "meetings", "dashboards"}
    }


@pytest.mark.django_db
def test_seed_demo_creates_two_townships_and_one_account_per_role():
    from households.models import Township
    from minqing.access import scope_for

    call_command("seed_demo", "--no-sample-data", stdout=open("/dev/null", "w"))
    dingxin, hexing = Township.objects.get(code="DX"), Township.objects.get(code="HX")
    assert (dingxin.name, hexing.name) == ("鼎新乡", "和兴镇")
    assert dingxin.villages.count() == 13 and hexing.villages.count() >= 1
    assert set(dingxin.villages.values_list("name", flat=True)) >= {"和平村", "营盘村", "鼎新村"}
    users = get_user_model().objects
    for username, group in [
        ("reception", "reception"),
        ("leader", "leader"),
        ("handler", "handler"),
        ("liaison", "liaison"),
        ("admin", "admin"),
        ("county", "county"),
    ]:
        assert users.get(username=username).groups.filter(name=group).exists()
    # The demo leader leads 鼎新乡 only; the county account reads every township.
    assert scope_for(users.get(username="leader")).township_ids == {dingxin.pk}
    assert scope_for(users.get(username="county")).sees_every_township


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


# --- Production: no account with the published password ---------------------------------------------------


@pytest.mark.django_db
def test_without_demo_accounts_seed_demo_creates_the_configuration_only(settings):
    settings.MINQING_DEMO_ACCOUNTS = False
    out = io.StringIO()
    call_command("seed_demo", "--no-sample-data", stdout=out)
    assert Village.objects.filter(township__code="DX").count() == 13
    assert not get_user_model().objects.exists()
    assert "createsuperuser" in out.getvalue() and DEMO_PASSWORD not in out.getvalue()


@pytest.mark.django_db
def test_without_demo_accounts_the_sample_data_is_refused(settings):
    settings.MINQING_DEMO_ACCOUNTS = False
    with pytest.raises(CommandError, match="--no-sample-data"):
        call_command("seed_demo", stdout=io.StringIO())
    assert not Village.objects.exists() and not get_user_model().objects.exists()


SEED_IN_PRODUCTION = """
import django; django.setup()
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from minqing.demo import DEMO_PASSWORD
call_command("migrate", verbosity=0)
try:
    call_command("seed_demo")
except CommandError as e:
    print("refused:", e)
call_command("seed_demo", "--no-sample-data")
users = get_user_model().objects.all()
print("users", users.count(), "with the demo password", sum(u.check_password(DEMO_PASSWORD) for u in users))
"""


def test_debug_0_seed_demo_creates_no_account_with_the_demo_password(tmp_path):
    result = run_python(SEED_IN_PRODUCTION, **PRODUCTION, DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert result.returncode == 0, result.stderr
    assert "refused:" in result.stdout
    assert "users 0 with the demo password 0" in result.stdout
    assert "村：和平村" in result.stdout  # the configuration was created


def test_demo_accounts_follow_debug_at_start():
    assert settings_of("MINQING_DEMO_ACCOUNTS")["MINQING_DEMO_ACCOUNTS"] is True  # a development checkout
    assert settings_of("MINQING_DEMO_ACCOUNTS", **PRODUCTION)["MINQING_DEMO_ACCOUNTS"] is False
