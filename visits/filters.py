"""FilterSets of the visit list and the contact-household list (style.md B6)."""

from __future__ import annotations

import django_filters
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q
from django.http import QueryDict

from dashboards.periods import Period
from households.models import Household, Village
from minqing.filters import chosen_village, follow_village
from minqing.widgets import FastDateInput, FastSelect, FastTextInput
from petitions.models import Petition
from visits.models import Visit
from visits.services import UNREACHED_LIMIT


def scoped_villages(request):
    """The village dropdown lists only the villages the user may see."""
    scope = request.scope if request is not None else None
    if scope is None:
        return Village.objects.none()
    return Village.objects.visible_to(scope)


def staff(request):
    return get_user_model().objects.filter(is_active=True).order_by("first_name", "username")


class InlineFilterForm(forms.Form):
    """GET, one row; each field in a column that stacks on a phone."""

    columns: dict[str, str] = {}
    default_column = "col-6 col-md-4 col-xl"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_class = "no-print mb-3"
        self.helper.disable_csrf = True
        cols = [Column(name, css_class=self.columns.get(name, self.default_column)) for name in self.fields]
        self.helper.layout = Layout(
            Row(
                *cols, Column(Submit("", "筛选", css_class="w-100"), css_class="col-12 col-md-auto align-self-end mb-3")
            )
        )


class VisitFilterForm(InlineFilterForm):
    columns = {"q": "col-12 col-md-8 col-xl-3"}
    default_column = "col-6 col-md-4 col-xl-2"


class VisitFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="搜索", method="search", widget=FastTextInput(attrs={"placeholder": "户主、户号、内容"})
    )
    kind = django_filters.ChoiceFilter(
        label="走访方式", choices=Visit.Kind.choices, empty_label="全部方式", widget=FastSelect
    )
    village = django_filters.ModelChoiceFilter(
        label="村", queryset=scoped_villages, widget=FastSelect, empty_label="全部村"
    )
    # Local days as times (dashboards.periods.Period), as the case list's received dates: ``visited_at >= midnight``
    # can use the visit-time index, ``(visited_at AT TIME ZONE …)::date >= day`` cannot.
    date_from = django_filters.DateFilter(label="起始日期", method="visited_since", widget=FastDateInput)
    date_to = django_filters.DateFilter(label="截止日期", method="visited_until", widget=FastDateInput)
    participant = django_filters.ModelChoiceFilter(
        label="走访人员", field_name="participants", queryset=staff, widget=FastSelect, empty_label="全部人员"
    )

    class Meta:
        model = Visit
        fields: list[str] = []
        form = VisitFilterForm

    def __init__(self, data=None, *args, request=None, **kwargs):
        """A county has about a thousand staff: the people list holds those who went on a visit in the chosen
        village (or a liaison's only village); choosing a village reloads the page. Without a village it
        holds only the person chosen."""
        super().__init__(data, *args, request=request, **kwargs)

        def went_there(users, village):
            return users.filter(
                pk__in=Visit.participants.through.objects.filter(visit__village_id=village).values("user_id")
            )

        follow_village(self, "participant", chosen_village(data, request), went_there)

    def visited_since(self, queryset, name, value):
        return queryset.filter(visited_at__gte=Period(value, value).start_at)

    def visited_until(self, queryset, name, value):
        return queryset.filter(visited_at__lt=Period(value, value).end_at)

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        households = Household.objects.filter(
            Q(head_name__icontains=value) | Q(household_no__icontains=value) | Q(phone__icontains=value),
            visits=OuterRef("pk"),
        )
        return queryset.filter(Q(heard__icontains=value) | Q(done_on_spot__icontains=value) | Q(Exists(households)))


def contact_cadres(request):
    """The cadres who keep a contact household the user may see."""
    households = Household.objects.visible_to(request.scope).filter(contact_cadre__isnull=False)
    return (
        get_user_model().objects.filter(pk__in=households.values("contact_cadre_id")).order_by("first_name", "username")
    )


class ContactFilterForm(InlineFilterForm):
    pass


class ContactFilter(django_filters.FilterSet):
    cadre = django_filters.ModelChoiceFilter(
        label="联系干部", field_name="contact_cadre", queryset=contact_cadres, widget=FastSelect, empty_label="全部干部"
    )
    village = django_filters.ModelChoiceFilter(
        label="村", queryset=scoped_villages, widget=FastSelect, empty_label="全部村"
    )
    unvisited = django_filters.BooleanFilter(
        label="本月走访",
        method="filter_unvisited",
        widget=FastSelect(choices=[("", "全部"), ("true", "本月未走访"), ("false", "本月已走访")]),
    )

    class Meta:
        model = Household
        fields: list[str] = []
        form = ContactFilterForm

    def filter_unvisited(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(visited_in_month=not value)


class RevisitFilterForm(InlineFilterForm):
    pass


class RevisitFilter(django_filters.FilterSet):
    due = django_filters.ChoiceFilter(
        label="回访期",
        choices=[("due", "已到回访期"), ("upcoming", "未到回访期")],
        empty_label="全部已答复",
        method="filter_due",
    )
    village = django_filters.ModelChoiceFilter(
        label="村", queryset=scoped_villages, widget=FastSelect, empty_label="全部村"
    )
    unreachable = django_filters.BooleanFilter(
        label="联系情况",
        method="filter_unreachable",
        widget=FastSelect(choices=[("", "全部"), ("true", "三次未联系上")]),
    )

    class Meta:
        model = Petition
        fields: list[str] = []
        form = RevisitFilterForm

    def __init__(self, data=None, *args, **kwargs):
        # The queue opens on the cases that are due.
        if data is None or "due" not in data:
            data = data.copy() if data is not None else QueryDict(mutable=True)
            data["due"] = "due"
        super().__init__(data, *args, **kwargs)

    def filter_due(self, queryset, name, value):
        if value == "due":
            return queryset.filter(is_due=True)
        if value == "upcoming":
            return queryset.filter(is_due=False)
        return queryset

    def filter_unreachable(self, queryset, name, value):
        if value:
            return queryset.filter(unreached__gte=UNREACHED_LIMIT)
        return queryset
