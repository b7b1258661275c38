"""The period chooser of the numbers page and the monthly report's request form (crispy, bootstrap5)."""

from __future__ import annotations

import datetime as dt

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Field, Layout, Row, Submit
from django import forms
from django.utils import timezone

from dashboards.periods import Period, PeriodError

KINDS = [("month", "按月"), ("quarter", "按季度"), ("year", "按年"), ("custom", "自定义")]
QUARTERS = [(1, "第一季度"), (2, "第二季度"), (3, "第三季度"), (4, "第四季度")]


class PeriodForm(forms.Form):
    """GET form: ``kind`` picks which of the other fields count (month / year+quarter / year / from+to).

    Only the fields of the chosen kind are shown; switching kind is a link (no script)."""

    kind = forms.ChoiceField(choices=KINDS, widget=forms.HiddenInput)
    month = forms.CharField(label="月份", widget=forms.DateInput(attrs={"type": "month"}), required=False)
    year = forms.IntegerField(label="年份", min_value=2000, max_value=2100, required=False)
    quarter = forms.TypedChoiceField(label="季度", choices=QUARTERS, coerce=int, required=False)
    by = forms.CharField(widget=forms.HiddenInput, required=False)  # the numbers page's grouping, kept

    def __init__(self, data=None, *, today: dt.date | None = None):
        today = today or timezone.localdate()
        self.today = today
        defaults = {
            "kind": "month",
            "month": f"{today:%Y-%m}",
            "year": str(today.year),
            "quarter": str((today.month - 1) // 3 + 1),
            "from": dt.date(today.year, today.month, 1).isoformat(),
            "to": today.isoformat(),
        }
        merged = dict(defaults)
        if data is not None:
            merged.update({k: v for k, v in data.items() if v not in (None, "")})
        super().__init__(merged)
        self.fields["from"] = forms.DateField(label="开始日期", widget=forms.DateInput(attrs={"type": "date"}))
        self.fields["to"] = forms.DateField(label="结束日期", widget=forms.DateInput(attrs={"type": "date"}))
        kind = merged.get("kind") if merged.get("kind") in dict(KINDS) else "month"
        shown = {"month": ["month"], "quarter": ["year", "quarter"], "year": ["year"], "custom": ["from", "to"]}[kind]
        for name in ("month", "year", "quarter", "from", "to"):
            if name not in shown:
                self.fields[name].required = False
                self.fields[name].widget = forms.HiddenInput()
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_class = "no-print"
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Field("kind"),
            Field("by"),
            Row(
                *[Column(name, css_class="col-12 col-sm-6 col-md-3") for name in shown],
                Column(Submit("", "查看", css_class="w-100"), css_class="col-12 col-md-2 align-self-end mb-3"),
            ),
            *[Field(name) for name in ("month", "year", "quarter", "from", "to") if name not in shown],
        )

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        try:
            if kind == "month":
                data["period"] = Period.parse_month(data.get("month") or "")
            elif kind == "quarter":
                data["period"] = Period.quarter(int(data.get("year") or self.today.year), int(data.get("quarter") or 1))
            elif kind == "year":
                data["period"] = Period.year(int(data.get("year") or self.today.year))
            elif data.get("from") and data.get("to"):
                data["period"] = Period(data["from"], data["to"], "custom")
        except PeriodError as e:
            field = {"month": "month", "quarter": "quarter", "year": "year"}.get(kind, "to")
            self.add_error(field, str(e))
        return data

    @property
    def period(self) -> Period:
        """The chosen period; the current month when the form is invalid (its errors are shown)."""
        if self.is_valid() and self.cleaned_data.get("period"):
            return self.cleaned_data["period"]
        return Period.current_month(self.today)


def period_query(period: Period) -> dict[str, str]:
    """The GET parameters that choose ``period`` on the numbers page."""
    if period.kind == "month":
        return {"kind": "month", "month": f"{period.start:%Y-%m}"}
    if period.kind == "quarter":
        return {"kind": "quarter", "year": str(period.start.year), "quarter": str((period.start.month - 1) // 3 + 1)}
    if period.kind == "year":
        return {"kind": "year", "year": str(period.start.year)}
    return {"kind": "custom", **period.as_query()}


#: The ``place`` value of the county workbook (a township's is its id).
COUNTY_PLACE = "county"


def place_value(township) -> str:
    return COUNTY_PLACE if township is None else str(township.pk)


def place_label(township) -> str:
    return "全县汇总（县级）" if township is None else township.name


class ReportRequestForm(forms.Form):
    """Which report to build: a month and, for a reader of several, the township (or the county workbook)
    among ``places`` (``dashboards.services.report_places``); ``cleaned_data["township"]`` is the Township or
    None for the county."""

    place = forms.ChoiceField(label="乡镇", required=False)
    month = forms.CharField(label="月份", widget=forms.DateInput(attrs={"type": "month"}))

    def __init__(self, *args, places: list, today: dt.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        today = today or timezone.localdate()
        previous = Period.current_month(today).previous()
        self.fields["month"].initial = f"{previous.start:%Y-%m}"
        self.places = {place_value(p): p for p in places}
        self.fields["place"].choices = [(place_value(p), place_label(p)) for p in places]
        # The first township's by default: the county itself builds its workbook once a month.
        self.fields["place"].initial = next((v for v, p in self.places.items() if p is not None), COUNTY_PLACE)
        if len(places) == 1:
            self.fields["place"].widget = forms.HiddenInput()
        self.today = today
        self.helper = FormHelper()
        self.helper.form_method = "post"
        self.helper.form_class = "no-print"
        columns = [Column("month", css_class="col-8 col-md-3")]
        hidden = [Field("place")]
        if len(places) > 1:
            columns.insert(0, Column("place", css_class="col-12 col-md-3"))
            hidden = []
        self.helper.layout = Layout(
            *hidden,
            Row(
                *columns,
                Column(Submit("", "生成月报", css_class="w-100"), css_class="col-4 col-md-2 align-self-end mb-3"),
            ),
        )

    def clean_place(self) -> str:
        """A reader of one township need not say which."""
        value = self.cleaned_data.get("place") or (next(iter(self.places)) if len(self.places) == 1 else "")
        if not value:
            raise forms.ValidationError("请选择乡镇。")
        return value

    def clean(self):
        data = super().clean()
        if "place" in data:
            data["township"] = self.places[data["place"]]
        return data

    def clean_month(self) -> Period:
        try:
            period = Period.parse_month(self.cleaned_data["month"])
        except PeriodError as e:
            raise forms.ValidationError(str(e)) from None
        if period.start > self.today:
            raise forms.ValidationError("不能生成尚未开始的月份的月报。")
        return period
