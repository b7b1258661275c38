"""Forms of the case pipeline. None has ``status``: every change of state goes through workflow.py."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Field, Layout, Submit
from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone
from django.utils.html import format_html

from households.idcard import parse_id_number
from households.models import Household, Township, Village
from households.phones import normalize_phone
from minqing.access import leaders_of, working_people_of
from minqing.roles import Role
from minqing.widgets import FastSelect, FastSelectMultiple, PeopleChoiceField, PersonChoiceField
from petitions import identity
from petitions.models import Attachment, Category, Channel, Department, Petition, Publication, Reply
from petitions.numbers import normalize_tracking_number
from petitions.uploads import MAX_FILES, validate_upload
from petitions.workflow import MAX_EXTENSION_WORKING_DAYS, MAX_REPRESENTATIVES


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several images or PDFs, each checked by content and size (petitions/uploads.py)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*,application/pdf"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if self.required and not files:
            raise ValidationError(self.error_messages["required"], code="required")
        if len(files) > MAX_FILES:
            raise ValidationError(f"一次最多上传{MAX_FILES}个附件。")
        errors = []
        for upload in files:
            try:
                validate_upload(upload)
            except ValidationError as e:
                errors.extend(e.messages)
        if errors:
            raise ValidationError(errors)
        return files


def kind_order() -> Case:
    """The kinds in the domain's order (咨询, 意见建议, 投诉, 求助, 矛盾纠纷, 检举控告): the order ``Category.Kind``
    declares them in. Their codes sort otherwise (accusation first), so every category select, filter and the
    admin's list order by this."""
    whens = [When(kind=kind, then=Value(n)) for n, kind in enumerate(Category.Kind.values)]
    return Case(*whens, default=Value(len(whens)), output_field=IntegerField())


def categories_in_order(queryset=None):
    """Categories by kind in the domain's order, then the admin's sort order and the subject."""
    queryset = Category.objects.all() if queryset is None else queryset
    return queryset.order_by(kind_order(), "sort_order", "subject")


def category_choices():
    """Categories grouped by kind (咨询 / 意见建议 / …, in the domain's order) for a <select> with optgroups."""
    groups: dict[str, list] = {}
    for category in categories_in_order(Category.objects.filter(is_active=True)):
        groups.setdefault(category.get_kind_display(), []).append((category.pk, category.subject))
    return [("", "请选择诉求分类")] + list(groups.items())


class IntakeForm(forms.Form):
    """前台登记: one page, keyboard-first. The household is found by typing (htmx) and prefills the petitioner."""

    DISPOSITION_SUBMIT = "submit"
    DISPOSITION_VILLAGE = "village"
    DISPOSITION_ANSWER = "answer"
    DISPOSITION_REGISTER = "register"
    DISPOSITIONS = [
        (DISPOSITION_SUBMIT, "登记并提交领导批示"),
        (DISPOSITION_VILLAGE, "先由村处理（村两委分析后在村化解，或上报乡镇）"),
        (DISPOSITION_ANSWER, "当场答复（咨询等可当场解答的事项）"),
        (DISPOSITION_REGISTER, "仅登记，稍后处理"),
    ]

    household = forms.ModelChoiceField(queryset=Household.objects.none(), required=False, widget=forms.HiddenInput)
    petitioner_name = forms.CharField(label="诉求人姓名", max_length=50)
    petitioner_phone = forms.CharField(label="联系电话", max_length=30, required=False)
    petitioner_id_number = forms.CharField(label="身份证号", max_length=30, required=False)
    # Only for a user of several townships registering a case of no village (the village names its township).
    township = forms.ModelChoiceField(label="受理乡镇", queryset=Township.objects.none(), required=False)
    village = forms.ModelChoiceField(
        label="所属村",
        queryset=Village.objects.none(),
        required=False,
        empty_label="（非本乡或不涉及具体村）",
        widget=FastSelect,
    )
    channel = forms.ChoiceField(label="来源渠道", choices=Channel.choices, initial=Channel.VISIT)
    received_at = forms.DateTimeField(
        label="受理时间",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="不填则为当前时间。",
    )
    # 接访领导: pre-filled with the day's 带班领导 (duty.rota); only the township's leaders may be chosen.
    received_by_leader = forms.ModelChoiceField(
        label="接访领导",
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label="（无领导接访）",
        help_text="默认为今日带班领导。",
    )
    category = forms.TypedChoiceField(label="诉求分类", coerce=int)
    summary = forms.CharField(label="诉求摘要", max_length=200, help_text="一句话概括诉求。")
    content = forms.CharField(label="诉求内容", widget=forms.Textarea(attrs={"rows": 5}))
    head_count = forms.IntegerField(label="来访人数", min_value=1, max_value=999, initial=1)
    is_urgent = forms.BooleanField(label="紧急", required=False)
    is_skip_level = forms.BooleanField(label="越级访", required=False)
    attachments = MultipleFileField(label="附件（图片或PDF）")
    disposition = forms.ChoiceField(
        label="处理方式", choices=DISPOSITIONS, initial=DISPOSITION_SUBMIT, widget=forms.RadioSelect
    )
    # 当场答复: required only for that disposition (clean), and shown only then (intake.js)
    reply_facts = forms.CharField(label="答复：查明情况", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    reply_decision = forms.ChoiceField(label="答复结论", choices=[("", "—")] + Reply.Decision.choices, required=False)
    reply_basis = forms.CharField(label="政策依据", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    reply_delivery = forms.ChoiceField(
        label="送达方式", choices=Reply.Delivery.choices, initial=Reply.Delivery.IN_PERSON, required=False
    )
    # 重复访: what the clerk decided about the likely repeats shown ("" = not asked yet).
    repeat_choice = forms.CharField(required=False, widget=forms.HiddenInput)
    # An accusation's text naming its petitioner: shown only after the warning, to keep the text as it is.
    keep_identity_in_text = forms.BooleanField(label="确认保留上述文字（承办单位和村里会看到这段内容）", required=False)
    identity_warning = False

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope = scope
        self.fields["household"].queryset = Household.objects.visible_to(scope)
        self.fields["village"].queryset = Village.objects.visible_to(scope)
        townships = Township.objects.filter(pk__in=scope.township_ids)
        self.fields["township"].queryset = townships
        self.several_townships = len(scope.township_ids) > 1
        self.fields["category"].choices = category_choices()
        if not scope.is_reception:  # only the front desk answers on the spot
            self.fields["disposition"].choices = [c for c in self.DISPOSITIONS if c[0] != self.DISPOSITION_ANSWER]
        if not scope.is_center:  # a liaison registers only for their own villages, first for the village's analysis
            self.fields["village"].required = True
            self.fields["village"].empty_label = "请选择村"
            self.fields["disposition"].initial = self.DISPOSITION_VILLAGE
        self.representatives = RepresentativeFormSet(data=self.data or None, prefix="rep")
        self._leaders(scope)

    def _leaders(self, scope) -> None:
        """接访领导: the leaders of the scope's townships, the center's only (a liaison registers in the village, where
        no leader receives); pre-filled with today's 带班领导 of the user's township."""
        if not scope.is_center:
            del self.fields["received_by_leader"]
            return
        from duty import rota

        field = self.fields["received_by_leader"]
        field.queryset = (
            get_user_model()
            .objects.filter(groups__name=Role.LEADER, townships__in=scope.township_ids, is_active=True)
            .distinct()
            .order_by("first_name", "username")
        )
        field.label_from_instance = lambda u: u.get_full_name() or u.get_username()
        if not self.is_bound and "received_by_leader" not in self.initial and len(scope.township_ids) == 1:
            on_duty = rota.leader_on_duty(next(iter(scope.township_ids)), timezone.localdate())
            if on_duty is not None:
                self.initial["received_by_leader"] = on_duty.pk

    @property
    def may_answer(self) -> bool:
        """Whether 当场答复 is offered (the front desk only): the answer's fields are shown only then."""
        return any(value == self.DISPOSITION_ANSWER for value, _ in self.fields["disposition"].choices)

    def clean_petitioner_phone(self):
        value = self.cleaned_data["petitioner_phone"]
        return normalize_phone(value) if value.strip() else ""

    def clean_petitioner_id_number(self):
        value = self.cleaned_data["petitioner_id_number"]
        return parse_id_number(value).number if value.strip() else ""

    def clean_category(self):
        try:
            return Category.objects.get(pk=self.cleaned_data["category"], is_active=True)
        except Category.DoesNotExist:
            raise ValidationError("请选择诉求分类。") from None

    def clean_received_at(self):
        value = self.cleaned_data["received_at"]
        if value and value > timezone.now():
            raise ValidationError("受理时间不能晚于现在。")
        return value

    def clean(self):
        data = super().clean()
        household, village = data.get("household"), data.get("village")
        if household and village and household.village_id != village.pk:
            self.add_error("village", "所选村与该户所在村不一致。")
        if household and not village:
            data["village"] = household.village
        leader = data.get("received_by_leader")
        township = (data.get("village") and data["village"].township) or data.get("township")
        if leader is not None and township is not None and not leader.townships.filter(pk=township.pk).exists():
            self.add_error("received_by_leader", f"接访领导须为{township.name}的领导。")
        if data.get("disposition") == self.DISPOSITION_VILLAGE and not data.get("village"):
            self.add_error("village", "先由村处理的诉求须选择所属村。")
        if data.get("disposition") == self.DISPOSITION_ANSWER:
            if not (data.get("reply_facts") or "").strip():
                self.add_error("reply_facts", "当场答复须填写查明情况。")
            if not data.get("reply_decision"):
                self.add_error("reply_decision", "请选择答复结论。")
            if not data.get("reply_delivery"):
                self.add_error("reply_delivery", "请选择送达方式。")
        if not self.representatives.is_valid():
            raise ValidationError("集体访代表信息有误，请检查。")
        data["representatives"] = [
            f.cleaned_data for f in self.representatives.forms if f.cleaned_data and f.cleaned_data.get("name")
        ]
        if data["representatives"] and (data.get("head_count") or 1) < 5:
            self.add_error("head_count", "登记集体访代表时，来访人数应为5人及以上。")
        self._warn_identity_in_accusation(data)
        return data

    def _warn_identity_in_accusation(self, data) -> None:
        """An accusation hides its petitioner from the departments and villages (petitions.identity), but not
        its summary and content: a name or phone written there would give the accuser away."""
        category = data.get("category")
        if not category or not category.is_accusation or data.get("keep_identity_in_text"):
            return
        people = [{"name": data.get("petitioner_name"), "phone": data.get("petitioner_phone")}]
        people += data["representatives"]
        found = identity.mentioned_in(
            f"{data.get('summary', '')}\n{data.get('content', '')}",
            names=[p.get("name") or "" for p in people],
            phones=[p.get("phone") or "" for p in people if p.get("phone")],
        )
        if found:
            self.identity_warning = True
            self.add_error(
                "content",
                f"检举控告的摘要或内容中出现了诉求人的姓名或电话（{found}）。检举人身份须保密，"
                "承办单位和村里看得到这段文字：请删去后再登记；确需保留，请勾选下方“确认保留”。",
            )

    def is_valid(self):
        valid = super().is_valid()
        return valid and self.representatives.is_valid()


class RepresentativeForm(forms.Form):
    name = forms.CharField(label="代表姓名", max_length=50, required=False)
    phone = forms.CharField(label="电话", max_length=30, required=False)
    id_number = forms.CharField(label="身份证号", max_length=30, required=False)

    def clean_phone(self):
        value = self.cleaned_data["phone"]
        return normalize_phone(value) if value.strip() else ""

    def clean_id_number(self):
        value = self.cleaned_data["id_number"]
        return parse_id_number(value).number if value.strip() else ""


RepresentativeFormSet = forms.formset_factory(
    RepresentativeForm, extra=MAX_REPRESENTATIVES, max_num=MAX_REPRESENTATIVES, validate_max=True
)


# --- Action forms: one per workflow action, its fields the service's keyword arguments ---------


class ActionForm(forms.Form):
    submit_label = "确定"

    def __init__(self, *args, petition: Petition, scope, label: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.petition, self.scope = petition, scope
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.add_input(Submit("submit", label or self.submit_label))

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)


class NoteForm(ActionForm):
    note = forms.CharField(label="说明", widget=forms.Textarea(attrs={"rows": 3}), required=False)


class RequiredNoteForm(ActionForm):
    note = forms.CharField(label="意见", widget=forms.Textarea(attrs={"rows": 3}))


class ProgressForm(ActionForm):
    note = forms.CharField(label="办理进展", widget=forms.Textarea(attrs={"rows": 4}))
    kind = forms.ChoiceField(label="附件类型", choices=Attachment.Kind.choices, initial=Attachment.Kind.MATERIAL)
    attachments = MultipleFileField(label="附件（如调解协议）")


class ReasonForm(ActionForm):
    reason = forms.CharField(label="理由", widget=forms.Textarea(attrs={"rows": 3}))


class SettleInVillageForm(ActionForm):
    """在村化解: the village committee's analysis, what was done, by whom and when, and the answer given."""

    analysis = forms.CharField(
        label="村两委分析意见", widget=forms.Textarea(attrs={"rows": 3}), help_text="村两委对诉求的分析研究意见。"
    )
    measures = forms.CharField(
        label="化解措施", widget=forms.Textarea(attrs={"rows": 3}), help_text="做了什么，结果如何。"
    )
    settled_by = forms.CharField(
        label="化解人", max_length=100, help_text="参与化解的村干部等，如：村主任王明、调解员李华。"
    )
    settled_on = forms.DateField(label="化解日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    decision = forms.ChoiceField(
        label="答复结论", choices=Reply.Decision.choices, initial=Reply.Decision.SUPPORT, widget=forms.RadioSelect
    )
    delivery = forms.ChoiceField(label="送达方式", choices=Reply.Delivery.choices, initial=Reply.Delivery.IN_PERSON)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["settled_on"].initial = timezone.localdate()


class SendUpForm(ActionForm):
    analysis = forms.CharField(
        label="村两委分析意见",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="写明村里了解的情况、已做的工作和不能在村化解的原因，随诉求报乡镇领导批示。",
    )


class NotAcceptForm(ReasonForm):
    directed_to = forms.CharField(
        label="告知其通过何种途径解决", max_length=100, required=False, help_text="如：向人民法院起诉、申请劳动仲裁。"
    )


class RouteForm(ActionForm):
    instruction = forms.CharField(label="领导批示", widget=forms.Textarea(attrs={"rows": 3}))
    # A county has hundreds of departments: lists built in Python (minqing.widgets), several chosen with Ctrl.
    lead_department = forms.ModelChoiceField(label="牵头单位", queryset=Department.objects.all(), widget=FastSelect)
    assisting_departments = forms.ModelMultipleChoiceField(
        label="协办单位",
        queryset=Department.objects.all(),
        required=False,
        widget=FastSelectMultiple(attrs={"size": 6}),
        help_text="可多选（按住 Ctrl 点选）。",
    )
    reply_by = forms.DateField(
        label="答复期限",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="不填则按诉求分类的时限自动计算（工作日）。",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        township = Department.objects.filter(township_id=self.petition.township_id)
        self.fields["lead_department"].queryset = township
        self.fields["assisting_departments"].queryset = township
        default = self.petition.category.default_department_in(self.petition.township_id)
        if default and not self.is_bound:
            self.initial.setdefault("lead_department", default.pk)

    def clean_reply_by(self):
        value = self.cleaned_data["reply_by"]
        if value and value < timezone.localdate():
            raise ValidationError("答复期限不能早于今天。")
        return value


class HandUpForm(ActionForm):
    """移交县直单位: the county-level unit, the leader's instruction and, if the leader wishes, a date."""

    instruction = forms.CharField(label="领导批示", widget=forms.Textarea(attrs={"rows": 3}))
    lead_department = forms.ModelChoiceField(
        label="县直单位", queryset=Department.objects.filter(kind=Department.Kind.COUNTY), widget=FastSelect
    )
    reply_by = RouteForm.base_fields["reply_by"]

    def clean_reply_by(self):
        return RouteForm.clean_reply_by(self)


class ExtensionRequestForm(ActionForm):
    reason = forms.CharField(label="延期理由", widget=forms.Textarea(attrs={"rows": 3}))
    days = forms.IntegerField(label="延长工作日", min_value=1, max_value=MAX_EXTENSION_WORKING_DAYS)
    statutory_days = forms.IntegerField(
        label="同时延长法定期限（日）",
        min_value=0,
        max_value=30,
        initial=0,
        required=False,
        help_text="《信访工作条例》：法定期限可延长一次，不超过30日，并告知信访人延期理由。",
    )

    def clean_statutory_days(self):
        return self.cleaned_data["statutory_days"] or 0


class DecideExtensionForm(NoteForm):
    def __init__(self, *args, approve: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.approve = approve

    def service_kwargs(self):
        return {**self.cleaned_data, "approve": self.approve}


class ReplyForm(ActionForm):
    facts = forms.CharField(label="查明事实", widget=forms.Textarea(attrs={"rows": 4}))
    decision = forms.ChoiceField(label="答复结论", choices=Reply.Decision.choices, widget=forms.RadioSelect)
    basis = forms.CharField(label="政策依据", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    content = forms.CharField(label="答复意见", widget=forms.Textarea(attrs={"rows": 4}), required=False)
    delivery = forms.ChoiceField(label="送达方式", choices=Reply.Delivery.choices)
    attachments = MultipleFileField(label="答复意见书等附件")


class AnswerAtDeskForm(ReplyForm):
    pass


class MergeForm(ActionForm):
    into = forms.CharField(label="并入的诉求编号", max_length=30, help_text="如 MQ202611-0042")
    note = forms.CharField(label="说明", widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def clean_into(self):
        number = normalize_tracking_number(self.cleaned_data["into"])
        target = Petition.objects.visible_to(self.scope).filter(tracking_number=number).first() if number else None
        if target is None:
            raise ValidationError("找不到该编号的诉求。")
        if target.pk == self.petition.pk:
            raise ValidationError("不能并入本件诉求自身。")
        return target


class CloseWithReasonForm(ReasonForm):
    reason = forms.CharField(
        label="未经满意回访办结的理由",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="如：三次联系信访人均未联系上。该情况将计入统计。",
    )


# --- 领导包案 -------------------------------------------------------------------------------------------


class AssignOwnerForm(ActionForm):
    """包案: the owning leader (the acting leader by default), the plan, the working team and the target date. The
    lists hold only who may be chosen (minqing.access: the township's leaders, its working people)."""

    owner = PersonChoiceField(label="包案领导", queryset=get_user_model().objects.none())
    plan = forms.CharField(
        label="包案方案",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="一个问题、一名领导、一套方案、一个班子、一抓到底：写明化解思路、步骤和责任分工。",
    )
    team = PeopleChoiceField(
        label="工作专班",
        queryset=get_user_model().objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="点选参与化解的干部（可多选）。",
    )
    due = forms.DateField(label="目标日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        township = self.petition.township_id
        self.fields["owner"].queryset = leaders_of(township)
        self.fields["team"].queryset = working_people_of(township)
        picked = {"team": Field("team", wrapper_class="people-picker")}  # tap-to-pick chips (minqing.css)
        self.helper.layout = Layout(*(picked.get(name, name) for name in self.fields))
        if self.scope.may_own_case(township) and not self.is_bound:
            self.initial.setdefault("owner", self.scope.user_id)

    def clean_due(self):
        value = self.cleaned_data["due"]
        if value < timezone.localdate():
            raise ValidationError("目标日期不能早于今天。")
        return value


class TransferOwnerForm(AssignOwnerForm):
    """移交包案: another leader takes the case over; the plan, team and date carry over unless changed."""

    reason = forms.CharField(label="移交理由", widget=forms.Textarea(attrs={"rows": 2}))

    field_order = ["owner", "reason", "plan", "team", "due"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        p = self.petition
        self.fields["owner"].label = "移交给"
        self.fields["owner"].queryset = leaders_of(p.township_id).exclude(pk=p.owner_id)
        if not self.is_bound:
            self.initial.update(owner=None, plan=p.owner_plan, due=p.owner_due, team=[m.pk for m in p.owner_team.all()])


# --- The public board (公示栏) -------------------------------------------------------------------------


class PublishForm(ActionForm):
    """公示. The summary and result are prefilled from the reply (or the text published before) for staff to
    rewrite for the public; the service refuses the petitioner's own words, names, phones and sensitive tags."""

    public_summary = forms.CharField(
        label="公示摘要",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="面向群众写明反映的问题和处理情况，如：反映村道塌方影响通行，经现场核实……",
    )
    decision = forms.ChoiceField(label="答复结论", choices=Reply.Decision.choices, widget=forms.RadioSelect)
    result = forms.CharField(label="办理结果", widget=forms.Textarea(attrs={"rows": 3}))
    consent = forms.BooleanField(label="诉求人已另行签署书面同意，公示其全名", required=False)
    consent_note = forms.CharField(
        label="书面同意书说明",
        max_length=200,
        required=False,
        help_text="勾选上项时必填，如：同意书已签字，存档于信访档案第12卷。",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        petition = self.petition
        if not self.is_bound:
            before = Publication.objects.filter(petition=petition).first()
            reply = petition.replies.order_by("-created_at", "-pk").first()
            if before is not None:
                self.initial.update(
                    public_summary=before.public_summary,
                    decision=before.decision,
                    result=before.result,
                    consent=before.name_consent,
                    consent_note=before.consent_note,
                )
            elif reply is not None:
                self.initial.update(
                    public_summary=reply.facts, decision=reply.decision, result=reply.content or reply.facts
                )
        refusal = identity.may_consent(petition)
        if refusal:
            self.fields["consent"].disabled = True
            self.fields["consent"].help_text = refusal
            self.fields["consent_note"].disabled = True
        warning = format_html(
            '<div class="alert alert-warning" id="publish-warning"><strong>请改写后再公示。</strong>'
            "以下内容由答复意见预填，仅供参考。公示栏面向群众：不得照录诉求人原话，不得出现姓名、电话、身份证号、"
            "低保等家庭或人员类别，不得涉及未成年人信息。公示时诉求人显示为“{}”。</div>",
            identity.for_public(petition, consent=False),
        )
        self.helper.layout = Layout(HTML(warning), "public_summary", "decision", "result", "consent", "consent_note")


class UnpublishForm(ReasonForm):
    reason = forms.CharField(
        label="撤下理由", widget=forms.Textarea(attrs={"rows": 3}), help_text="记入办理记录，不对外公开。"
    )
