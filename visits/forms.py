"""The visit form (built for a 360-px phone) and its household picker."""

from __future__ import annotations

import uuid

from crispy_bootstrap5.bootstrap5 import Switch
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Layout
from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from households.models import Household, Village
from minqing.access import Scope
from minqing.filters import as_id
from minqing.roles import Role
from petitions.models import Satisfaction
from visits.models import Revisit, Visit
from visits.services import visit_problems


class HouseholdPicker(forms.Widget):
    """Households chosen by typing: a search box (htmx type-ahead), the chosen ones as chips with
    hidden inputs, and the user's own contact households one tap away (these work offline too)."""

    template_name = "visits/widgets/household_picker.html"

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.queryset = Household.objects.none()
        self.quick = Household.objects.none()

    def value_from_datadict(self, data, files, name):
        return data.getlist(name) if hasattr(data, "getlist") else data.get(name, [])

    def value_omitted_from_data(self, data, files, name):
        return False  # no chips means "no households", not "field left out"

    def format_value(self, value):
        if value is None:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        return [str(getattr(v, "pk", v)) for v in values]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        ids = [pk for pk in map(as_id, context["widget"]["value"]) if pk is not None]
        context["widget"]["chosen"] = list(self.queryset.filter(pk__in=ids).select_related("village")) if ids else []
        context["widget"]["quick"] = self.quick
        return context


class UserChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.get_username()


def staff_users():
    """Everyone who may go on a visit: active users with a role."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=Role.values)
        .distinct()
        .order_by("first_name", "username")
    )


def villages_for(scope: Scope):
    """The villages ``scope`` may record visits in (minqing.access.Scope.works_in_village)."""
    if scope.is_center or scope.is_liaison:
        return Village.objects.visible_to(scope)
    return Village.objects.none()


class VisitForm(forms.ModelForm):
    households = forms.ModelMultipleChoiceField(
        label="走访户",
        queryset=Household.objects.none(),
        required=False,
        widget=HouseholdPicker,
        help_text="输入户主姓名、户号或电话查找；可选多户。",
        error_messages={"invalid_choice": "所选农户不存在或不在您的联系范围内。"},
    )
    participants = UserChoiceField(
        label="走访人员",
        queryset=get_user_model().objects.none(),
        required=False,
        help_text="夜访“1+2+N”：带队领导、值班干部和村干部都选上；不选则为本人。",
    )
    # The browser's idempotency key; not a model field of the form, so no uniqueness check here.
    client_key = forms.UUIDField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = Visit
        fields = ["kind", "households", "village", "visited_at", "heard", "done_on_spot", "needs_follow_up"]
        widgets = {
            "kind": forms.RadioSelect,
            "visited_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "heard": forms.Textarea(attrs={"rows": 4, "placeholder": "群众反映的情况、诉求、意见建议"}),
            "done_on_spot": forms.Textarea(attrs={"rows": 3, "placeholder": "当场解答、调解或办理的情况（可不填）"}),
        }
        error_messages = {
            "heard": {"required": "请填写听到的情况。"},
            "village": {"required": "请选择村。", "invalid_choice": "请从列表中选择您所联系的村。"},
            "visited_at": {"required": "请填写走访时间。", "invalid": "请填写正确的日期和时间。"},
            "kind": {"required": "请选择走访方式。"},
        }

    def __init__(self, *args, scope: Scope, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope = scope
        villages = villages_for(scope)
        self.fields["village"].queryset = villages
        self.fields["village"].empty_label = "请选择村"
        self.fields["households"].queryset = Household.objects.visible_to(scope).select_related("village")
        picker = self.fields["households"].widget
        picker.queryset = self.fields["households"].queryset
        picker.quick = (
            Household.objects.visible_to(scope).filter(contact_cadre=user).select_related("village")
            if scope.is_liaison
            else Household.objects.none()
        )
        self.fields["participants"].queryset = staff_users()
        self.fields["participants"].widget.attrs["size"] = 5
        self.fields["visited_at"].widget.attrs["max"] = timezone.localtime().strftime("%Y-%m-%dT23:59")
        if not self.instance.pk and not self.is_bound:
            self.initial.setdefault("visited_at", timezone.localtime().replace(second=0, microsecond=0))
            self.initial.setdefault("participants", [user.pk])
            self.initial.setdefault("client_key", uuid.uuid4())
            if len(scope.village_ids) == 1 and not scope.is_center:
                self.initial.setdefault("village", next(iter(scope.village_ids)))
        if self.instance.pk:
            del self.fields["client_key"]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field("kind", wrapper_class="visit-kinds"),
            "households",
            "village",
            "visited_at",
            "heard",
            "done_on_spot",
            Switch("needs_follow_up"),
            "participants",
            *(["client_key"] if "client_key" in self.fields else []),
        )

    def clean(self):
        cleaned = super().clean()
        problems = visit_problems(
            scope=self.scope,
            kind=cleaned.get("kind"),
            village=cleaned.get("village"),
            households=cleaned.get("households") or [],
            visited_at=cleaned.get("visited_at"),
        )
        for field, message in problems.items():
            if field not in self.errors:
                self.add_error(field, message)
        return cleaned

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "visited_at": data["visited_at"],
            "village": data["village"],
            "households": data["households"],
            "participants": data["participants"],
            "heard": data["heard"],
            "done_on_spot": data["done_on_spot"],
            "needs_follow_up": data["needs_follow_up"],
        }


YES_NO = [("1", "是"), ("0", "否")]


def _yes_no(value) -> bool | None:
    return {"1": True, "0": False}.get(value)


class RevisitForm(forms.Form):
    """回访: how, whether the petitioner was reached, and their verdict. Large radio buttons for a phone."""

    method = forms.ChoiceField(
        label="回访方式",
        choices=Revisit.Method.choices,
        widget=forms.RadioSelect,
        initial=Revisit.Method.PHONE,
        error_messages={"required": "请选择回访方式。"},
    )
    reached = forms.TypedChoiceField(
        label="联系上诉求人了吗",
        choices=[("1", "联系上了"), ("0", "未联系上")],
        coerce=_yes_no,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择是否联系上。"},
    )
    solved = forms.TypedChoiceField(
        label="问题解决了吗",
        choices=[("1", "已解决"), ("0", "未解决")],
        coerce=_yes_no,
        empty_value=None,
        widget=forms.RadioSelect,
        required=False,
    )
    satisfaction = forms.ChoiceField(
        label="满意度",
        choices=Satisfaction.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    comment = forms.CharField(
        label="回访意见",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "群众的原话、意见；不满意时必填，随诉求退回重办"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field("method", wrapper_class="choice-buttons choice-3"),
            Field("reached", wrapper_class="choice-buttons choice-2"),
            Div(
                Field("solved", wrapper_class="choice-buttons choice-2"),
                Field("satisfaction", wrapper_class="choice-buttons choice-3"),
                css_class="revisit-verdict",
            ),
            "comment",
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("reached"):
            if cleaned.get("solved") is None:
                self.add_error("solved", "请选择问题是否解决。")
            if not cleaned.get("satisfaction"):
                self.add_error("satisfaction", "请选择满意度。")
            elif cleaned["satisfaction"] == Satisfaction.UNSATISFIED and not cleaned.get("comment", "").strip():
                self.add_error("comment", "群众不满意时请写明意见，随诉求退回承办单位重办。")
        return cleaned

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        reached = bool(data["reached"])
        return {
            "method": data["method"],
            "reached": reached,
            "solved": bool(data.get("solved")) if reached else False,
            "satisfaction": data.get("satisfaction", "") if reached else "",
            "comment": data.get("comment", ""),
        }


class CloseUnreachableForm(forms.Form):
    reason = forms.CharField(
        label="办结理由",
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": "如：三次电话均无人接听，上门两次家中无人，经村委会核实已外出务工"}
        ),
        error_messages={"required": "请写明办结理由。"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
