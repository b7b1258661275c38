"""The case list's filters: scope first (the view), then these, then pagination (style.md B6)."""

from __future__ import annotations

import django_filters
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django.db.models import Q
from django.utils import timezone

from dashboards.periods import Period
from households.models import Village
from minqing.widgets import FastCheckboxInput, FastDateInput, FastSelect, FastTextInput
from petitions.forms import categories_in_order
from petitions.models import Channel, Department, Petition, Status
from petitions.querysets import GROUP_VISIT


def villages_in_scope(request):
    return Village.objects.visible_to(request.scope) if request is not None else Village.objects.none()


def departments_in_scope(request):
    """The departments a reader may filter by: their townships' and the county units (cases handed up); the
    county every township's. (Every department of the county made a township's list draw 437 options.)"""
    if request is None:
        return Department.objects.none()
    scope = request.scope
    if scope.sees_every_township:
        return Department.objects.all()
    return Department.objects.filter(Q(township_id__in=scope.township_ids) | Q(township__isnull=True))


class PetitionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="关键词", method="search", widget=FastTextInput(attrs={"placeholder": "编号、姓名、电话、摘要"})
    )
    status = django_filters.ChoiceFilter(
        label="状态", choices=Status.choices, empty_label="全部状态", widget=FastSelect
    )
    village = django_filters.ModelChoiceFilter(
        label="村", queryset=villages_in_scope, widget=FastSelect, empty_label="全部村"
    )
    category = django_filters.ModelChoiceFilter(
        label="分类", queryset=categories_in_order(), widget=FastSelect, empty_label="全部分类"
    )
    channel = django_filters.ChoiceFilter(
        label="渠道", choices=Channel.choices, empty_label="全部渠道", widget=FastSelect
    )
    department = django_filters.ModelChoiceFilter(
        label="承办单位",
        queryset=departments_in_scope,
        widget=FastSelect,
        method="by_department",
        empty_label="全部单位",
    )
    # Local days as times (dashboards.periods.Period): ``received_at >= midnight`` uses the received-date index,
    # ``(received_at AT TIME ZONE …)::date >= day`` reads every case of the other filters.
    received_from = django_filters.DateFilter(label="受理日期从", method="received_since", widget=FastDateInput)
    received_to = django_filters.DateFilter(label="至", method="received_until", widget=FastDateInput)
    overdue = django_filters.BooleanFilter(label="已超期", method="by_overdue", widget=FastCheckboxInput)
    due_soon = django_filters.BooleanFilter(label="即将到期", method="by_due_soon", widget=FastCheckboxInput)
    supervised = django_filters.BooleanFilter(label="督办", method="by_supervised", widget=FastCheckboxInput)
    # 集体访: five or more people came (Petition.is_group_visit); 越级访: the skip-level flag.
    group_visit = django_filters.BooleanFilter(label="集体访", method="by_group_visit", widget=FastCheckboxInput)
    skip_level = django_filters.BooleanFilter(label="越级访", method="by_skip_level", widget=FastCheckboxInput)

    class Meta:
        model = Petition
        fields = []

    def search(self, queryset, name, value):
        return queryset.search(value, self.request.scope)

    def received_since(self, queryset, name, value):
        return queryset.filter(received_at__gte=Period(value, value).start_at)

    def received_until(self, queryset, name, value):
        return queryset.filter(received_at__lt=Period(value, value).end_at)

    def by_department(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.handled_by(value)

    def by_overdue(self, queryset, name, value):
        return queryset.overdue(timezone.localdate()) if value else queryset

    def by_due_soon(self, queryset, name, value):
        return queryset.due_soon(timezone.localdate()) if value else queryset

    def by_supervised(self, queryset, name, value):
        return queryset.supervised() if value else queryset

    def by_group_visit(self, queryset, name, value):
        return queryset.filter(GROUP_VISIT) if value else queryset

    def by_skip_level(self, queryset, name, value):
        return queryset.filter(is_skip_level=True) if value else queryset

    @property
    def form(self):
        form = super().form
        if not hasattr(form, "helper"):
            form.helper = FormHelper()
            form.helper.form_method = "get"
            form.helper.form_class = "mb-3 no-print"
            form.helper.layout = Layout(
                Row(
                    Column("q", css_class="col-12 col-md-4"),
                    Column("status", css_class="col-6 col-md-2"),
                    Column("village", css_class="col-6 col-md-2"),
                    Column("category", css_class="col-6 col-md-2"),
                    Column("channel", css_class="col-6 col-md-2"),
                ),
                Row(
                    Column("department", css_class="col-6 col-md-2"),
                    Column("received_from", css_class="col-6 col-md-2"),
                    Column("received_to", css_class="col-6 col-md-2"),
                    Column("overdue", css_class="col-4 col-md-1 pt-md-4"),
                    Column("due_soon", css_class="col-4 col-md-2 pt-md-4"),
                    Column("supervised", css_class="col-4 col-md-1 pt-md-4"),
                    Column("group_visit", css_class="col-4 col-md-1 pt-md-4"),
                    Column("skip_level", css_class="col-4 col-md-1 pt-md-4"),
                    Column(Submit("", "筛选", css_class="btn-primary w-100"), css_class="col-12 col-md-2 pt-md-4"),
                ),
            )
        return form
