"""系统配置 (the admin) in Chinese throughout: every section and model on its index has a Chinese name, the login
protection (django-axes) included, and the bookkeeping models nobody configures are not listed."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

LOCALE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"
HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.django_db
def test_every_section_and_model_on_the_admin_index_is_named_in_chinese(client_as, admin_user):
    response = client_as(admin_user).get(reverse("admin:index"))
    assert response.status_code == 200
    apps = response.context["app_list"]
    names = [app["name"] for app in apps] + [model["name"] for app in apps for model in app["models"]]
    assert len(names) > 15
    assert [name for name in names if not HAN.search(str(name)) or re.search("[A-Za-z]", str(name))] == []
    assert "登录保护" in [app["name"] for app in apps]
    axes = next(app for app in apps if app["app_label"] == "axes")
    assert {str(model["name"]) for model in axes["models"]} == {"登录失败计数", "登录失败日志", "登录日志"}


@pytest.mark.django_db
def test_internal_models_are_not_on_the_admin_index(client_as, admin_user):
    response = client_as(admin_user).get(reverse("admin:index"))
    listed = {model["object_name"] for app in response.context["app_list"] for model in app["models"]}
    assert listed.isdisjoint({"TrackingCounter", "DayVersion", "SummaryBuild", "Summary", "EventNotification"})
    page = response.content.decode()
    assert "受理编号计数" not in page and "统计数据版本" not in page
    # Still readable by its address, for whoever needs to look.
    assert client_as(admin_user).get(reverse("admin:petitions_trackingcounter_changelist")).status_code == 200


@pytest.mark.django_db
def test_the_login_protection_pages_are_in_chinese(client_as, admin_user):
    page = client_as(admin_user).get(reverse("admin:axes_accessattempt_changelist")).content.decode()
    for text in ("登录失败计数", "尝试时间", "访问路径", "已锁定"):
        assert text in page
    for english in ("Access attempt", "access attempt", "Attempt Time", "Locked Out"):
        assert english not in page


def read_po(path: Path) -> dict[str, str]:
    entries, key = {}, None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("msgid "):
            key = line[7:-1]
        elif line.startswith("msgstr ") and key:
            entries[key] = line[8:-1]
    return entries


def test_the_compiled_catalogue_matches_its_source():
    source = read_po(LOCALE / "django.po")
    with open(LOCALE / "django.mo", "rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)._catalog
    assert {k: v for k, v in catalogue.items() if k} == source, "run msgfmt (see the header of django.po)"
