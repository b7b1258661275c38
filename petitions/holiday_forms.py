"""The admin's form for a year's holiday arrangement (系统配置 → 节假日安排 → 录入全年安排).

The form only collects the year, the pasted text and the table's rows; ``petitions.holidays.read`` reads and
checks them, and each problem is put back next to the field (or table row) it came from.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from petitions import deadlines, holidays

TEXT_HELP = (
    "可直接粘贴国务院通知原文，如“春节：2月6日（农历除夕）至12日放假调休，共7天。2月14日（星期日）上班。”；"
    "也可每行写一个日期或区间：2027-01-01 休、2027-02-06..2027-02-12 休、2027-02-14 班，# 后为注释。"
)


def suggested_year(today: dt.date | None = None) -> int:
    """The year to enter: this year if nobody has, otherwise next year."""
    today = today or timezone.localdate()
    missing = deadlines.unknown_years([today.year, today.year + 1])
    return missing[0] if missing else today.year + 1


class ArrangementForm(forms.Form):
    year = forms.IntegerField(label="年份", min_value=2000, max_value=2099)
    text = forms.CharField(
        label="放假和调休安排",
        required=False,
        widget=forms.Textarea(attrs={"rows": 14, "cols": 100, "class": "vLargeTextField"}),
        help_text=TEXT_HELP,
    )


class RangeForm(forms.Form):
    """One row of the table: a holiday's range, or a make-up working day (结束日期 may stay empty)."""

    name = forms.CharField(label="名称", required=False, max_length=30, widget=forms.TextInput(attrs={"size": 8}))
    first = forms.DateField(label="开始日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    last = forms.DateField(label="结束日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(
        label="类型",
        required=False,
        choices=[("", "—"), (holidays.REST, "放假"), (holidays.WORK, "调休上班")],
    )


RangeFormSet = forms.formset_factory(RangeForm, extra=8, max_num=60)


def read_forms(form: ArrangementForm, formset) -> holidays.Arrangement | None:
    """Read the bound form and table; put each problem next to its field or row. The arrangement when it may be
    saved, else None."""
    if not (form.is_valid() and formset.is_valid()):
        return None
    # Number the rows as shown (empty rows included), so "表格第N行" points at the right one.
    numbered = [row or {} for row in formset.cleaned_data]
    arrangement = holidays.read(form.cleaned_data["year"], form.cleaned_data["text"], numbered)
    for problem in arrangement.problems:
        if problem.source == "table":
            formset.forms[problem.line - 1].add_error(None, problem.message)
        elif problem.source == "year":
            form.add_error("year", problem.message)
        else:
            form.add_error("text", str(problem))
    return arrangement if arrangement.ok else None
