"""Every category select and filter lists the kinds in the domain's order (咨询, 意见建议, 投诉, 求助, 矛盾纠纷,
检举控告), the order ``Category.Kind`` declares, not the order of their English codes."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from petitions.forms import categories_in_order, category_choices
from petitions.models import Category
from tests.petitions.conftest import make_category

DOMAIN_ORDER = ["咨询", "意见建议", "投诉", "求助", "矛盾纠纷", "检举控告"]


@pytest.fixture
def one_of_each_kind(db):
    """One subject per kind, created in the codes' alphabetical order (accusation first) to show it is not used."""
    subjects = {
        Category.Kind.ACCUSATION: "村务",
        Category.Kind.COMPLAINT: "服务态度",
        Category.Kind.CONSULTATION: "政策咨询",
        Category.Kind.DISPUTE: "邻里",
        Category.Kind.HELP: "低保",
        Category.Kind.SUGGESTION: "村容村貌",
    }
    return [make_category(subject, kind) for kind, subject in sorted(subjects.items())]


def test_the_kinds_are_declared_in_the_domains_order():
    assert Category.Kind.labels == DOMAIN_ORDER
    # The codes alone would put 检举控告 (accusation) first: the reason for kind_order().
    assert sorted(Category.Kind.values)[0] == Category.Kind.ACCUSATION


def test_categories_in_order_and_the_intake_choices_follow_the_kinds(one_of_each_kind):
    assert [c.get_kind_display() for c in categories_in_order()] == DOMAIN_ORDER
    assert [group for group, _ in category_choices()[1:]] == DOMAIN_ORDER


@pytest.mark.django_db
def test_the_intake_select_lists_the_kinds_in_the_domains_order(client_as, reception, one_of_each_kind):
    page = client_as(reception).get(reverse("petitions:intake")).content.decode()
    select = re.search(r'<select name="category".*?</select>', page, re.S).group(0)
    assert re.findall(r'<optgroup label="([^"]+)"', select) == DOMAIN_ORDER


@pytest.mark.django_db
def test_the_case_list_filter_lists_the_kinds_in_the_domains_order(client_as, leader, one_of_each_kind):
    page = client_as(leader).get(reverse("petitions:index")).content.decode()
    select = re.search(r'<select name="category".*?</select>', page, re.S).group(0)
    labels = re.findall(r'<option value="\d+">([^<]+)</option>', select)
    assert [label.split("·")[0] for label in labels] == DOMAIN_ORDER


@pytest.mark.django_db
def test_the_admins_category_list_follows_the_domains_order(client_as, admin_user, one_of_each_kind):
    response = client_as(admin_user).get(reverse("admin:petitions_category_changelist"))
    assert response.status_code == 200
    assert [c.get_kind_display() for c in response.context["cl"].result_list] == DOMAIN_ORDER
