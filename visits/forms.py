"""The visit form (built for a 360-px phone) and its household picker."""

from __future__ import annotations

import uuid

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Field, Layout
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Case, IntegerField, Max, Q, Value, When
from django.utils import timezone

from households.models import Household, Village
from minqing.access import Scope, leaders_of, working_people_of
from minqing.filters import as_id
from minqing.roles import Role
from minqing.widgets import PeopleChoiceField, PersonChoiceField
from petitions.models import Satisfaction
from visits.models import ContactReport, Revisit, SpecialReport, Visit, VisitParticipant
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


def staff_users():
    """Everyone who may have gone on a visit (the visit list's filter): active users with a role."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=Role.values)
        .distinct()
        .order_by("first_name", "username")
    )


def visit_people(scope: Scope):
    """Who may go on a visit the scope records (minqing.access.working_people_of its townships), the liaisons of the
    scope's own villages first."""
    mine = Q(liaison_villages__in=scope.village_ids) if scope.village_ids else Q(pk__in=[])
    return (
        working_people_of(scope.township_ids)
        .annotate(mine=Max(Case(When(mine, then=Value(1)), default=Value(0), output_field=IntegerField())))
        .order_by("-mine", "first_name", "username")
    )


class PeoplePicker(forms.CheckboxSelectMultiple):
    """Tap-to-pick people on a phone: each name a toggle chip (the layout wraps it in .people-picker, visits.css)."""


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
    # The people who went, by role (VisitParticipant.Role). Nobody chosen: the recorder went.
    lead = PersonChoiceField(
        label="带队领导",
        queryset=get_user_model().objects.none(),
        required=False,
        widget=forms.RadioSelect,
        empty_label="无",
    )
    duty_cadres = PeopleChoiceField(
        label="值班干部", queryset=get_user_model().objects.none(), required=False, widget=PeoplePicker
    )
    village_cadres = PeopleChoiceField(
        label="村干部", queryset=get_user_model().objects.none(), required=False, widget=PeoplePicker
    )
    others = PeopleChoiceField(
        label="其他人员", queryset=get_user_model().objects.none(), required=False, widget=PeoplePicker
    )
    # 需要跟进的事项: each line becomes an item of the checklist (lists.Item), owned by the recorder.
    follow_ups = forms.CharField(
        label="需要跟进的事项",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "每行一项，例如：协调修复组道路灯"}),
        help_text="每行一项，登记后进入“我的清单”，完成后销号。",
    )
    follow_up_due = forms.DateField(
        label="跟进事项完成时限",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="不填则为走访日期后7天。",
        error_messages={"invalid": "请填写正确的日期。"},
    )
    # The browser's idempotency key; not a model field of the form, so no uniqueness check here.
    client_key = forms.UUIDField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = Visit
        fields = [
            "kind", "households", "village", "visited_at", "heard", "done_on_spot", "sweep", "head_count",
        ]  # fmt: skip
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
            "head_count": {"invalid": "人次须为正整数。", "min_value": "人次须为正整数。"},
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
        people = visit_people(scope)
        self.fields["lead"].queryset = leaders_of(scope.township_ids)
        for name in ("duty_cadres", "village_cadres", "others"):
            self.fields[name].queryset = people
        self.fields["village_cadres"].queryset = people.filter(groups__name=Role.LIAISON)
        from lists.models import Sweep

        self.fields["sweep"].queryset = Sweep.objects.filter(
            scope.townships_q("township"), status=Sweep.Status.OPEN
        ).order_by("-starts_on")
        self.fields["sweep"].empty_label = "不属于排查"
        self.fields["sweep"].required = False
        self.fields["head_count"].required = False
        self.fields["head_count"].help_text = "见到的群众人数（人次），不填按走访人员人数计；座谈会按实到人数填。"
        self.fields["visited_at"].widget.attrs["max"] = timezone.localtime().strftime("%Y-%m-%dT23:59")
        if not self.instance.pk and not self.is_bound:
            self.initial["head_count"] = None  # empty: as many as went
            self.initial.setdefault("visited_at", timezone.localtime().replace(second=0, microsecond=0))
            team = self._my_role(scope, user)
            if self.initial.get("kind") == Visit.Kind.NIGHT_VISIT:
                team = self._tonights_team(scope) or team
            self.initial.update(self._team_initial(team))
            self.initial.setdefault("client_key", uuid.uuid4())
            if len(scope.village_ids) == 1 and not scope.is_center:
                self.initial.setdefault("village", next(iter(scope.village_ids)))
        if self.instance.pk:
            del self.fields["client_key"]
            if not self.is_bound:
                team = [(m.user_id, m.role) for m in self.instance.team.all()]
                self.initial.update(self._team_initial(team))
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field("kind", wrapper_class="visit-kinds"),
            "households",
            "village",
            "visited_at",
            "heard",
            "done_on_spot",
            "follow_ups",
            "follow_up_due",
            "sweep",
            "head_count",
            HTML(
                '<h2 class="h6 mt-3">走访人员 <small class="text-muted">夜访“1+2+N”：1名带队领导、2名以上值班干部、'
                "N名村干部；不选则为本人</small></h2>"
            ),
            *(Field(f, wrapper_class="people-picker") for f in ("lead", "duty_cadres", "village_cadres", "others")),
            *(["client_key"] if "client_key" in self.fields else []),
        )

    @staticmethod
    def _my_role(scope: Scope, user) -> list[tuple]:
        """The recorder on a new visit, in the role they most likely went in."""
        if scope.is_leader:
            return [(user.pk, VisitParticipant.Role.LEAD)]
        if scope.is_liaison:
            return [(user.pk, VisitParticipant.Role.VILLAGE)]
        return [(user.pk, VisitParticipant.Role.DUTY)]

    @staticmethod
    def _tonights_team(scope: Scope) -> list[tuple]:
        """A night visit starts from tonight's rota (duty.rota): the day's 带班领导 leads, the 夜访值班 cadres go."""
        if len(scope.township_ids) != 1:
            return []
        from duty import rota
        from duty.models import Post

        township, today, R = next(iter(scope.township_ids)), timezone.localdate(), VisitParticipant.Role
        lead = rota.leader_on_duty(township, today)
        team = [(lead.pk, R.LEAD)] if lead else []
        return team + [(u.pk, R.DUTY) for u in rota.on_duty(township, today, Post.NIGHT) if lead is None or u != lead]

    @staticmethod
    def _team_initial(team: list[tuple]) -> dict:
        R = VisitParticipant.Role
        by_role = {role: [pk for pk, r in team if r == role] for role in R.values}
        return {
            "lead": next(iter(by_role[R.LEAD]), None),
            "duty_cadres": by_role[R.DUTY],
            "village_cadres": by_role[R.VILLAGE],
            "others": by_role[R.OTHER] + by_role[R.LEAD][1:],
        }

    def team(self) -> list[tuple]:
        """The people chosen, as (user, role) pairs."""
        data, R = self.cleaned_data, VisitParticipant.Role
        team = [(data["lead"], R.LEAD)] if data.get("lead") else []
        team += [(u, R.DUTY) for u in data.get("duty_cadres") or []]
        team += [(u, R.VILLAGE) for u in data.get("village_cadres") or []]
        team += [(u, R.OTHER) for u in data.get("others") or []]
        return team

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            seen: dict[int, str] = {}
            for user, role in self.team():
                if user.pk in seen:
                    name = user.get_full_name() or user.get_username()
                    field = {"duty": "duty_cadres", "village": "village_cadres", "other": "others"}[role]
                    self.add_error(field, f"{name}已选为{seen[user.pk]}，同一人只能担任一个角色。")
                seen.setdefault(user.pk, VisitParticipant.Role(role).label)
        due, visited = cleaned.get("follow_up_due"), cleaned.get("visited_at")
        if due and visited and due < timezone.localtime(visited).date():
            self.add_error("follow_up_due", "完成时限不能早于发现日期（走访日期）。")
        problems = visit_problems(
            scope=self.scope,
            kind=cleaned.get("kind"),
            village=cleaned.get("village"),
            households=cleaned.get("households") or [],
            visited_at=cleaned.get("visited_at"),
            head_count=cleaned.get("head_count"),
            people=len(self.team()) if not self.errors else 0,
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
            "participants": self.team(),
            "heard": data["heard"],
            "done_on_spot": data["done_on_spot"],
            "follow_ups": (data.get("follow_ups") or "").splitlines(),
            "follow_up_due": data.get("follow_up_due"),
            "sweep": data.get("sweep"),
            "head_count": data.get("head_count"),
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


# --- The monthly report (民情联系卡月报) ---------------------------------------------------------------------------


class ContactReportForm(forms.ModelForm):
    """The cadre's own words on the report; after the 3rd a change needs a reason (更正说明)."""

    late_reason = forms.CharField(
        label="更正说明",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="已过3日报送期限的月报已锁定，更正须说明理由，并留存记录。",
    )

    class Meta:
        model = ContactReport
        fields = ["summary", "settled_note", "suggestions"]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 4, "placeholder": "本月联系户反映的主要情况"}),
            "settled_note": forms.Textarea(attrs={"rows": 3, "placeholder": "当场解答、调解、办理的情况"}),
            "suggestions": forms.Textarea(attrs={"rows": 3, "placeholder": "对乡镇工作的意见建议"}),
        }

    def __init__(self, *args, locked: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not locked:
            del self.fields["late_reason"]
        self.helper = FormHelper()
        self.helper.form_tag = False


class SpecialReportForm(forms.ModelForm):
    class Meta:
        model = SpecialReport
        fields = ["title", "content", "proposal"]
        widgets = {
            "content": forms.Textarea(attrs={"rows": 3, "placeholder": "超出本人职权、需要乡镇研究解决的情况"}),
            "proposal": forms.Textarea(attrs={"rows": 2, "placeholder": "处理建议（可不填）"}),
        }
        error_messages = {
            "title": {"required": "请填写专题报告标题。"},
            "content": {"required": "请填写专题报告的情况。"},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="special", **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
