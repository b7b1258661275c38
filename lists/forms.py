"""Forms of the lists pages: plain forms, the services do the work (and the rules of who may, minqing.access)."""

from __future__ import annotations

import re

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from households.models import Household, Tag, Village
from lists.models import Sign, Sweep
from petitions.models import Department, Petition
from petitions.numbers import normalize_tracking_number

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_ERRORS = {"required": "请填写日期。", "invalid": "请填写正确的日期。"}


class ItemForm(forms.Form):
    village = forms.ModelChoiceField(label="村", queryset=Village.objects.none(), empty_label="请选择村")
    household = forms.ModelChoiceField(label="农户", queryset=Household.objects.none(), required=False)
    text = forms.CharField(label="事项", widget=forms.Textarea(attrs={"rows": 3}))
    heard_on = forms.DateField(label="发现日期", widget=DATE, error_messages=DATE_ERRORS)
    due_date = forms.DateField(label="完成时限", widget=DATE, required=False, help_text="不填则为发现日期后7天。")

    department = forms.ModelChoiceField(
        label="责任单位", queryset=Department.objects.none(), required=False, empty_label="（不属于本单位）"
    )

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        offices = Department.objects.filter(pk__in=scope.department_ids).order_by("name")
        if scope.is_center:
            villages = Village.objects.filter(scope.townships_q("township"))
        else:
            # A liaison's own villages; an office's staff, their office's township (a county unit: every village).
            office_townships = set(offices.values_list("township_id", flat=True))
            in_office = (
                (Q() if None in office_townships else Q(township_id__in=office_townships))
                if office_townships
                else Q(pk__in=[])
            )
            villages = Village.objects.filter(Q(pk__in=scope.village_ids) | in_office)
        self.fields["village"].queryset = villages.order_by("township_id", "name")
        if scope.department_ids:
            self.fields["department"].queryset = offices
            # Staff of an office alone (neither center nor liaison) add their office's items only.
            self.fields["department"].required = not (scope.is_center or scope.is_liaison)
            self.fields["department"].empty_label = None if self.fields["department"].required else "（不属于本单位）"
        else:
            del self.fields["department"]
        self.fields["household"].queryset = Household.objects.visible_to(scope)
        self.fields["household"].widget = forms.NumberInput(attrs={"placeholder": "农户编号（可不填）"})
        self.initial.setdefault("heard_on", timezone.localdate())


class AssignForm(forms.Form):
    due_date = forms.DateField(label="限时办结日期", widget=DATE, error_messages=DATE_ERRORS)
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class NoteForm(forms.Form):
    note = forms.CharField(
        label="说明", widget=forms.Textarea(attrs={"rows": 2}), error_messages={"required": "请填写说明。"}
    )


class LedgerItemForm(forms.Form):
    title = forms.CharField(label="督办事项", max_length=200)
    description = forms.CharField(label="问题情况", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    unit = forms.ModelChoiceField(label="责任单位", queryset=Department.objects.none(), empty_label="请选择")
    # Tracking numbers, not a list of every case: a township has tens of thousands (the form drew them all).
    petitions = forms.CharField(
        label="关联诉求",
        required=False,
        help_text="填写受理编号，多个用空格或逗号分开，如 MQDX202611-0042。",
        widget=forms.TextInput(attrs={"placeholder": "受理编号（可不填）"}),
    )
    due_date = forms.DateField(label="办结时限", widget=DATE, error_messages=DATE_ERRORS)
    weekly_ask = forms.BooleanField(label="每周一问（每周一）", required=False, initial=True)
    halfmonth_check = forms.BooleanField(label="半月一查（每月1日、16日）", required=False, initial=True)
    monthly_dispatch = forms.BooleanField(label="每月一调度（每月1日）", required=False, initial=True)
    answer_days = forms.IntegerField(label="回复期限（天）", min_value=1, max_value=30, initial=3)

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        units = (
            Department.objects.all()
            if scope.is_county
            else Department.objects.filter(township_id__in=scope.township_ids)
        )
        self.fields["unit"].queryset = units.order_by("township_id", "name")
        self.scope = scope

    def clean_petitions(self) -> list:
        """The cases named, each as typed or normalised (``mqdx202611 42``); a number that is no case the reader
        may see is an error naming it."""
        typed = [n for n in re.split(r"[\s,，、;；]+", self.cleaned_data.get("petitions") or "") if n]
        pairs = [(normalize_tracking_number(n), n) for n in typed]
        found = {
            p.tracking_number: p
            for p in Petition.objects.visible_to(self.scope).filter(tracking_number__in=[k for k, _ in pairs if k])
        }
        missing = [n for number, n in pairs if number not in found]
        if missing:
            raise ValidationError(f"找不到这些受理编号的诉求：{'、'.join(missing)}")
        return list(found.values())


class CadenceForm(forms.Form):
    """调整督办: the cadence, answer days and due date of an item on the ledger (its fields as on the new-item form)."""

    due_date = LedgerItemForm.base_fields["due_date"]
    weekly_ask = LedgerItemForm.base_fields["weekly_ask"]
    halfmonth_check = LedgerItemForm.base_fields["halfmonth_check"]
    monthly_dispatch = LedgerItemForm.base_fields["monthly_dispatch"]
    answer_days = LedgerItemForm.base_fields["answer_days"]

    @classmethod
    def of(cls, item, data=None) -> CadenceForm:
        return cls(data, initial={name: getattr(item, name) for name in cls.base_fields}, prefix="adjust")


class AnswerForm(forms.Form):
    progress = forms.CharField(label="工作进展", widget=forms.Textarea(attrs={"rows": 3}))
    obstacles = forms.CharField(label="存在困难", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    next_step = forms.CharField(label="下步打算", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class StrikeForm(forms.Form):
    outcome = forms.CharField(
        label="办理结果", widget=forms.Textarea(attrs={"rows": 3}), error_messages={"required": "销帐须填写办理结果。"}
    )


class SweepForm(forms.Form):
    name = forms.CharField(label="名称", max_length=100)
    kind = forms.ChoiceField(label="排查类型", choices=Sweep.Kind.choices)
    starts_on = forms.DateField(label="开始日期", widget=DATE, error_messages=DATE_ERRORS)
    ends_on = forms.DateField(label="结束日期", widget=DATE, error_messages=DATE_ERRORS)
    villages = forms.ModelMultipleChoiceField(
        label="排查村", queryset=Village.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    tags = forms.ModelMultipleChoiceField(
        label="应访户类别（六应访）", queryset=Tag.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    team = forms.ModelMultipleChoiceField(label="排查人员", queryset=get_user_model().objects.none(), required=False)

    def __init__(self, *args, township, **kwargs):
        super().__init__(*args, **kwargs)
        from minqing.access import working_people_of

        self.fields["villages"].queryset = Village.objects.filter(township=township).order_by("name")
        self.fields["team"].queryset = working_people_of(township.pk)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("starts_on") and cleaned.get("ends_on") and cleaned["ends_on"] < cleaned["starts_on"]:
            self.add_error("ends_on", "排查结束日期不能早于开始日期。")
        return cleaned


class SignForm(forms.Form):
    village = forms.ModelChoiceField(label="村", queryset=Village.objects.none(), empty_label="请选择村")
    seen = forms.CharField(label="苗头隐患情况", widget=forms.Textarea(attrs={"rows": 3}))
    risk = forms.ChoiceField(label="风险等级", choices=Sign.Risk.choices)
    next_review = forms.DateField(label="下次研判日期", widget=DATE, error_messages=DATE_ERRORS)

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        villages = Village.objects.filter(scope.townships_q("township")) if scope.is_center else None
        if villages is None:
            villages = Village.objects.filter(pk__in=scope.village_ids)
        self.fields["village"].queryset = villages.order_by("name")


class ReviewForm(forms.Form):
    note = forms.CharField(label="研判情况", widget=forms.Textarea(attrs={"rows": 2}))
    risk = forms.ChoiceField(label="风险等级", choices=Sign.Risk.choices)
    next_review = forms.DateField(label="下次研判日期", widget=DATE, error_messages=DATE_ERRORS)
