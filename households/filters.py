"""The ledger's filters: one search box and village / group / tag / contact cadre, all inside the scope."""

from __future__ import annotations

import django_filters
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Field, Layout, Row, Submit
from django.contrib.auth import get_user_model

from households.excel import cadre_label
from households.models import Group, Household, Tag, Village
from minqing.filters import chosen_village, follow_village
from minqing.widgets import FastSelect


def _villages(request):
    return Village.objects.visible_to(request.scope)


def _groups(request):
    return Group.objects.filter(village__in=Village.objects.visible_to(request.scope)).select_related("village")


def _cadres(request):
    """Only the cadres of households the user can see: a liaison's list names no one from another village."""
    visible = Household.objects.visible_to(request.scope).filter(contact_cadre__isnull=False)
    return get_user_model().objects.filter(pk__in=visible.values("contact_cadre_id")).order_by("first_name")


class CadreFilter(django_filters.ModelChoiceFilter):
    field_class = type(
        "CadreField",
        (django_filters.fields.ModelChoiceField,),
        {"label_from_instance": lambda self, user: cadre_label(user)},
    )


class HouseholdFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="搜索")
    village = django_filters.ModelChoiceFilter(queryset=_villages, widget=FastSelect, label="村", empty_label="全部村")
    group = django_filters.ModelChoiceFilter(
        queryset=_groups, widget=FastSelect, label="村民小组", empty_label="全部小组"
    )
    tag = django_filters.ModelChoiceFilter(
        field_name="tags",
        queryset=Tag.objects.all(),
        widget=FastSelect,
        label="类别",
        empty_label="全部类别",
        distinct=True,
    )
    cadre = CadreFilter(
        field_name="contact_cadre", queryset=_cadres, widget=FastSelect, label="联系干部", empty_label="全部联系干部"
    )

    class Meta:
        model = Household
        fields = ["q", "village", "group", "tag", "cadre"]

    def __init__(self, data=None, *args, request=None, **kwargs):
        """A county has thousands of groups and hundreds of cadres, too many for a list: the group and cadre
        lists hold those of the chosen village (or of a liaison's only village), and choosing a village
        reloads the page. Without a village they hold only what is chosen (a link may name a cadre alone)."""
        super().__init__(data, *args, request=request, **kwargs)
        village = chosen_village(data, request)

        def cadres_there(users, village):  # the cadres of the village's households, inside the user's scope
            there = Household.objects.visible_to(request.scope).filter(village_id=village)
            return users.filter(pk__in=there.values("contact_cadre_id"))

        follow_village(self, "group", village, lambda groups, village: groups.filter(village_id=village))
        follow_village(self, "cadre", village, cadres_there)

    def search(self, queryset, name, value):
        return queryset.search(value)

    @property
    def sensitive_tag(self) -> Tag | None:
        """The sensitive tag filtered on, if any (that list is a view of sensitive data)."""
        tag = self.form.cleaned_data.get("tag") if self.is_bound and self.form.is_valid() else None
        return tag if tag is not None and tag.sensitive else None


def filter_helper() -> FormHelper:
    helper = FormHelper()
    helper.form_method = "get"
    helper.form_class = "no-print mb-3"
    helper.form_show_labels = False
    helper.layout = Layout(
        Row(
            Column(Field("q", placeholder="姓名、身份证号、电话或户号"), css_class="col-12 col-lg-3"),
            Column("village", css_class="col-6 col-lg-2"),
            Column("group", css_class="col-6 col-lg-2"),
            Column("tag", css_class="col-6 col-lg-2"),
            Column("cadre", css_class="col-6 col-lg-2"),
            Column(Submit("", "查询", css_class="btn-primary w-100"), css_class="col-12 col-lg-1"),
            css_class="g-2",
        ),
    )
    return helper
