"""Forms of the meetings pages. They parse input; the rules are the services' (meetings/services.py)."""

from __future__ import annotations

import datetime as dt

from crispy_forms.helper import FormHelper
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from households.models import Township, Village
from meetings.models import DecisionAction, Level, Meeting, MeetingKind
from meetings.services import decision_actions
from minqing.access import Scope
from minqing.widgets import FastSelect, FastSelectMultiple, PeopleChoiceField, PersonChoiceField
from petitions.models import Department, Reply

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")  # a date input reads ISO dates only
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def people_for(scope: Scope, township_ids=None):
    """Who may chair, record or attend: the active users working in the scope's townships (center staff, liaisons
    of their villages, staff of their departments), every active user for the county and a superuser."""
    users = get_user_model().objects.filter(is_active=True)
    if not scope.sees_every_township:
        ids = scope.township_ids if township_ids is None else township_ids
        users = users.filter(
            Q(townships__in=ids) | Q(liaison_villages__township__in=ids) | Q(departments__township__in=ids)
        )
    return users.distinct().order_by("first_name", "username")


class _Helper:
    def _helper(self):
        helper = FormHelper()
        helper.form_tag = False
        helper.disable_csrf = True
        return helper


class MeetingForm(_Helper, forms.Form):
    """The details of a meeting (编辑会议), and the planning form's tail."""

    date = forms.DateField(label="会议日期", widget=DATE)
    start_time = forms.TimeField(label="开始时间", required=False, widget=TIME)
    place = forms.CharField(label="地点", max_length=100, required=False, help_text="如：村委会会议室、张某家院坝。")
    chair = PersonChoiceField(
        label="主持人", queryset=get_user_model().objects.none(), required=False, widget=FastSelect
    )
    secretary = PersonChoiceField(
        label="记录人", queryset=get_user_model().objects.none(), required=False, widget=FastSelect
    )
    attendees = PeopleChoiceField(
        label="参会人员",
        queryset=get_user_model().objects.none(),
        required=False,
        widget=FastSelectMultiple(attrs={"size": 6}),
        help_text="可多选（按住 Ctrl 点选）。",
    )
    other_attendees = forms.CharField(
        label="其他参会人员",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="不在系统中的参会人员，如村民代表、党员代表，用顿号分隔。",
    )

    def __init__(self, *args, scope: Scope, **kwargs):
        super().__init__(*args, **kwargs)
        people = people_for(scope)
        for name in ("chair", "secretary", "attendees"):
            self.fields[name].queryset = people
        self.helper = self._helper()


class MeetingEditForm(MeetingForm):
    summary = forms.CharField(
        label="会议综述", required=False, widget=forms.Textarea(attrs={"rows": 4}), help_text="纪要开头的总体情况。"
    )

    def __init__(self, *args, meeting: Meeting, scope: Scope, **kwargs):
        super().__init__(*args, scope=scope, **kwargs)
        if meeting.township_id and not scope.sees_every_township:
            people = people_for(scope, township_ids=[meeting.township_id])
            for name in ("chair", "secretary", "attendees"):
                self.fields[name].queryset = people


class MeetingPlanForm(MeetingForm):
    """安排会议: the kind, the body for its level, and the details."""

    kind = forms.ModelChoiceField(label="会议类型", queryset=MeetingKind.objects.none())
    village = forms.ModelChoiceField(
        label="村（村级会议）", queryset=Village.objects.none(), required=False, widget=FastSelect
    )
    department = forms.ModelChoiceField(
        label="站所（办级会议）", queryset=Department.objects.none(), required=False, widget=FastSelect
    )
    township = forms.ModelChoiceField(label="乡镇（乡镇级会议）", queryset=Township.objects.none(), required=False)

    field_order = ["kind", "village", "department", "township", "date", "start_time", "place"]

    def __init__(self, *args, scope: Scope, **kwargs):
        super().__init__(*args, scope=scope, **kwargs)
        villages, departments, townships = Village.objects.none(), Department.objects.none(), Township.objects.none()
        offices = Department.objects.filter(kind__in=[Department.Kind.OFFICE, Department.Kind.COUNTY])
        if scope.is_superuser:
            villages, departments, townships = Village.objects.all(), offices, Township.objects.all()
        else:
            if scope.is_leader:
                villages = villages | Village.objects.filter(township_id__in=scope.township_ids)
                departments = departments | offices.filter(township_id__in=scope.township_ids)
                townships = Township.objects.filter(pk__in=scope.township_ids)
            if scope.is_liaison:
                villages = villages | Village.objects.filter(pk__in=scope.village_ids)
            if scope.is_handler:
                villages = villages | Village.objects.filter(committee__in=scope.department_ids)
                departments = departments | offices.filter(pk__in=scope.department_ids)
        self.fields["village"].queryset = villages.select_related("township").order_by("township", "sort_order")
        self.fields["department"].queryset = departments.order_by("township", "sort_order", "name")
        self.fields["township"].queryset = townships
        levels = set()
        if self.fields["village"].queryset.exists():
            levels.add(Level.VILLAGE)
        if self.fields["department"].queryset.exists():
            levels.add(Level.OFFICE)
        if townships.exists():
            levels.add(Level.TOWNSHIP)
        if scope.is_county or scope.is_superuser:
            levels.add(Level.COUNTY)
        self.fields["kind"].queryset = MeetingKind.objects.filter(is_active=True, level__in=levels)
        if len(townships) == 1 and not self.is_bound:
            self.initial.setdefault("township", townships[0].pk)


class AddCaseForm(_Helper, forms.Form):
    number = forms.CharField(label="诉求编号", max_length=30, help_text="如 MQ202611-0042")


class AddTopicForm(_Helper, forms.Form):
    title = forms.CharField(label="议题", max_length=200)
    detail = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))


def owner_departments(meeting: Meeting) -> list[Department]:
    """Who may be made responsible: the departments of the meeting's township and the county-level units (the
    county's meetings: every department)."""
    departments = Department.objects.select_related("township")
    if meeting.township_id is not None:
        departments = departments.filter(Q(township_id=meeting.township_id) | Q(kind=Department.Kind.COUNTY))
    return list(departments.order_by("kind", "township__sort_order", "sort_order", "name"))


class DecisionForm(_Helper, forms.Form):
    """记录决定 on one agenda item: what is done (the actions ``by`` may take on its case now), the measure, who is
    responsible, by when; the village's analysis for 在村化解 and 上报乡镇."""

    action = forms.ChoiceField(
        label="决定事项",
        widget=forms.RadioSelect,
        help_text="研究决定：明确方案、责任和期限，诉求状态不变；限期落实：没有关联诉求的事项，完成后销号。",
    )
    analysis = forms.CharField(
        label="村两委分析意见",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="在村化解、上报乡镇时必填。",
    )
    # Required, owner included, by the service (meetings.services.decision_record: one home for the rule, its
    # messages shown on these fields), so a form missing several shows every error at once.
    measure = forms.CharField(label="方案（措施）", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    owner_department = forms.TypedChoiceField(
        label="责任单位", required=False, coerce=int, empty_value=None, widget=FastSelect
    )
    owner_name = forms.CharField(
        label="责任人", max_length=100, required=False, help_text="责任单位和责任人至少填一项。"
    )
    due_on = forms.DateField(label="完成期限", required=False, widget=DATE)
    reply_decision = forms.ChoiceField(
        label="答复结论（在村化解）", choices=Reply.Decision.choices, initial=Reply.Decision.SUPPORT, required=False
    )

    def __init__(self, *args, item, scope: Scope, departments: list[Department] | None = None, **kwargs):
        kwargs.setdefault("prefix", f"item-{item.pk}")
        super().__init__(*args, **kwargs)
        self.item = item
        meeting = item.meeting
        actions = decision_actions(item, scope)
        self.fields["action"].choices = [(a, DecisionAction(a).label) for a in actions]
        if len(actions) == 1:
            self.fields["action"].initial = actions[0]
        # The meeting page has a form per item: it reads the departments once and passes them to each.
        self.departments = {d.pk: d for d in (departments if departments is not None else owner_departments(meeting))}
        self.fields["owner_department"].choices = [("", "—")] + [(pk, str(d)) for pk, d in self.departments.items()]
        if meeting.level != Level.VILLAGE:
            del self.fields["analysis"]
            del self.fields["reply_decision"]
        elif meeting.department_id and not self.is_bound:
            self.initial.setdefault("owner_department", meeting.department_id)
        if not self.is_bound:
            self.initial.setdefault("due_on", max(meeting.date, timezone.localdate()) + dt.timedelta(days=7))
        self.helper = self._helper()

    def clean_owner_department(self):
        pk = self.cleaned_data["owner_department"]
        return self.departments[pk] if pk is not None else None

    @property
    def may_decide(self) -> bool:
        return bool(self.fields["action"].choices)

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data.setdefault("analysis", "")
        data["reply_decision"] = data.get("reply_decision") or Reply.Decision.SUPPORT
        return data


class CompleteForm(_Helper, forms.Form):
    completed_on = forms.DateField(label="完成日期", widget=DATE)
    note = forms.CharField(label="完成情况", required=False, max_length=500)
