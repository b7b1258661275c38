"""The case list's filters: scope first (the view), then these, then pagination (style.md B6)."""

from __future__ import annotations

import django_filters
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms
from django.db.models import Q
from django.utils import timezone

from households.models import Village
from minqing.widgets import FastSelect
from petitions.forms import categories_in_order
from petitions.identity import identity_visible
from petitions.models import Channel, Department, Petition, Status
from petitions.numbers import normalize_tracking_number


def villages_in_scope(request):
    return Village.objects.visible_to(request.scope) if request is not None else Village.objects.none()


class PetitionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="关键词", method="search", widget=forms.TextInput(attrs={"placeholder": "编号、姓名、电话、摘要"})
    )
    status = django_filters.ChoiceFilter(label="状态", choices=Status.choices, empty_label="全部状态")
    village = django_filters.ModelChoiceFilter(
        label="村", queryset=villages_in_scope, widget=FastSelect, empty_label="全部村"
    )
    category = django_filters.ModelChoiceFilter(
        label="分类", queryset=categories_in_order(), widget=FastSelect, empty_label="全部分类"
    )
    channel = django_filters.ChoiceFilter(label="渠道", choices=Channel.choices, empty_label="全部渠道")
    department = django_filters.ModelChoiceFilter(
        label="承办单位",
        queryset=Department.objects.all(),
        widget=FastSelect,
        method="by_department",
        empty_label="全部单位",
    )
    received_from = django_filters.DateFilter(
        label="受理日期从",
        field_name="received_at",
        lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    received_to = django_filters.DateFilter(
        label="至", field_name="received_at", lookup_expr="date__lte", widget=forms.DateInput(attrs={"type": "date"})
    )
    overdue = django_filters.BooleanFilter(label="已超期", method="by_overdue", widget=forms.CheckboxInput)
    due_soon = django_filters.BooleanFilter(label="即将到期", method="by_due_soon", widget=forms.CheckboxInput)
    supervised = django_filters.BooleanFilter(label="督办", method="by_supervised", widget=forms.CheckboxInput)

    class Meta:
        model = Petition
        fields = []

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        number = normalize_tracking_number(value)
        query = Q(summary__icontains=value) | Q(tracking_number__icontains=value)
        if number:
            query |= Q(tracking_number=number)
        # Names and phones only where the reader may see them (an accusation hides its petitioner).
        person = (Q(petitioner_name__icontains=value) | Q(petitioner_phone__contains=value)) & identity_visible(
            self.request.scope
        )
        return queryset.filter(query | person)

    def by_department(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(Q(lead_department=value) | Q(assisting_departments=value)).distinct()

    def by_overdue(self, queryset, name, value):
        return queryset.overdue(timezone.localdate()) if value else queryset

    def by_due_soon(self, queryset, name, value):
        return queryset.due_soon(timezone.localdate()) if value else queryset

    def by_supervised(self, queryset, name, value):
        return queryset.supervised() if value else queryset

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
                    Column(Submit("", "筛选", css_class="btn-primary w-100"), css_class="col-12 col-md-2 pt-md-4"),
                ),
            )
        return form
