from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Field, Layout, Row, Submit
from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q

from households.cleaning import clean_code, clean_name
from households.excel import cadre_label
from households.idcard import parse_id_number
from households.models import Group, Household, Person, Tag, Township, Village
from households.phones import normalize_phone
from minqing.access import CENTER_ROLES
from minqing.xlsx import WorkbookRefused, check_archive

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


def tag_choices(kind: str, instance=None):
    """The tags of ``kind``, plus any other tag ``instance`` already carries (an imported ledger may put
    留守老人 under 户类别), so editing never drops one."""
    condition = Q(kind=kind)
    if instance is not None and instance.pk:
        condition |= Q(pk__in=instance.tags.values("pk"))
    return Tag.objects.filter(condition).order_by("sort_order", "name")


class TagChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, tag):
        return f"{tag.name}（敏感）" if tag.sensitive else tag.name


class CadreChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return cadre_label(user)


def _normalised_phone(value: str) -> str:
    return normalize_phone(value) if value else ""


def _normalised_id(value: str):
    return parse_id_number(value).number if value else None


class HouseholdForm(forms.ModelForm):
    tags = TagChoiceField(
        label="户类别", queryset=Tag.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Household
        fields = ["village", "group", "household_no", "head_name", "head_id_number", "phone", "address", "size"]
        fields += ["tags", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}
        help_texts = {
            "head_id_number": "18位，末位可为X；可不填。",
            "phone": "手机号或带区号的座机号，如 0851-12345678。",
        }

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        villages = Village.objects.visible_to(scope)
        self.fields["village"].queryset = villages
        self.fields["group"].queryset = Group.objects.filter(village__in=villages).select_related("village")
        self.fields["tags"].queryset = tag_choices(Tag.Kind.HOUSEHOLD, self.instance)
        self.fields["size"].min_value = 1
        self.fields["size"].widget.attrs["min"] = 1
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(Column("village", css_class="col-sm-4"), Column("group", css_class="col-sm-4"),
                Column("household_no", css_class="col-sm-4")),
            Row(Column("head_name", css_class="col-sm-4"), Column("head_id_number", css_class="col-sm-4"),
                Column("phone", css_class="col-sm-4")),
            Row(Column("address", css_class="col-sm-8"), Column("size", css_class="col-sm-4")),
            Field("tags", css_class="d-flex flex-wrap gap-3"),
            "notes",
        )  # fmt: skip

    def clean_household_no(self):
        return clean_code(self.cleaned_data["household_no"])

    def clean_head_name(self):
        return clean_name(self.cleaned_data["head_name"])

    def clean_head_id_number(self):
        return _normalised_id(self.cleaned_data["head_id_number"])

    def clean_phone(self):
        return _normalised_phone(self.cleaned_data["phone"])

    def clean(self):
        data = super().clean()
        village, group, number = data.get("village"), data.get("group"), data.get("household_no")
        if village and group and group.village_id != village.pk:
            self.add_error("group", f"{group.name}不属于{village.name}。")
        if village and number:
            taken = Household.objects.filter(village=village, household_no=number).exclude(pk=self.instance.pk)
            if taken.exists():
                self.add_error("household_no", f"{village.name}已有{number}号户。")
        return data


class PersonForm(forms.ModelForm):
    tags = TagChoiceField(
        label="人员类别", queryset=Tag.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Person
        fields = ["name", "relation", "id_number", "phone", "tags"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tags"].queryset = tag_choices(Tag.Kind.PERSON, self.instance)

    def clean_name(self):
        return clean_name(self.cleaned_data["name"])

    def clean_id_number(self):
        value = self.cleaned_data["id_number"]
        if not value:
            self.instance.sex, self.instance.birth_date = "", None
            return None
        info = parse_id_number(value)
        # Sex and birth date are read from the ID number, never typed.
        self.instance.sex, self.instance.birth_date = info.sex, info.birth_date
        return info.number

    def clean_phone(self):
        return _normalised_phone(self.cleaned_data["phone"])


MemberFormSet = forms.inlineformset_factory(Household, Person, form=PersonForm, extra=1, can_delete=True)


def member_helper() -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    helper.layout = Layout(
        Row(Column("name", css_class="col-sm-3"), Column("relation", css_class="col-sm-3"),
            Column("id_number", css_class="col-sm-3"), Column("phone", css_class="col-sm-3")),
        Field("tags", css_class="d-flex flex-wrap gap-3"),
        Field("DELETE"),
        "id",
    )  # fmt: skip
    return helper


def cadre_choices(village_id: int | None = None, townships=None):
    """Who may keep contact households — those ``household_assign_contact`` accepts: the center's staff of the
    village's township (of ``townships``, ids, when no village is given; None: every township) and the village
    liaisons (of ``village_id`` when given). Handlers see no ledger, so they are not offered; a county's lists
    would otherwise hold a thousand names."""
    liaisons = Q(liaison_villages=village_id) if village_id else Q(liaison_villages__isnull=False)
    center = Q(groups__name__in=CENTER_ROLES)
    if village_id:
        center &= Q(townships__villages=village_id)
    elif townships is not None:
        center &= Q(townships__in=townships)
        liaisons &= Q(liaison_villages__township__in=townships)
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | center | liaisons)
        .distinct()
        .order_by("first_name")
    )


class ContactAssignForm(forms.Form):
    """Set (or clear) the contact cadre of the ticked households."""

    households = forms.ModelMultipleChoiceField(queryset=Household.objects.none(), label="户")
    cadre = CadreChoiceField(queryset=cadre_choices(), required=False, label="联系干部", empty_label="（取消联系干部）")

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["households"].queryset = Household.objects.visible_to(scope)
        self.fields["households"].error_messages["required"] = "请先勾选要调整的户。"
        self.fields["cadre"].queryset = cadre_choices(townships=scope.counted_townships)


class ImportUploadForm(forms.Form):
    township = forms.ModelChoiceField(
        label="导入到乡镇", queryset=Township.objects.none(), empty_label=None, required=False
    )
    file = forms.FileField(label="台账文件（.xlsx）", help_text="第一张表为户，可另有一张“家庭成员”表。")

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        townships = Township.objects.filter(scope.townships_q("pk"))
        self.fields["township"].queryset = townships
        if len(townships) == 1:  # the usual case: the leader's own township, nothing to choose
            self.fields["township"].initial = townships[0].pk
            self.fields["township"].widget = forms.HiddenInput()
        self.fields["file"].widget.attrs["accept"] = ".xlsx"
        self.helper = FormHelper()
        self.helper.attrs = {"enctype": "multipart/form-data"}
        self.helper.add_input(Submit("upload", "上传并预览"))

    def clean_township(self):
        """The township chosen, or the reader's only one (the field is hidden then)."""
        township = self.cleaned_data.get("township")
        choices = self.fields["township"].queryset
        if township is None and len(choices) == 1:
            return choices[0]
        if township is None:
            raise ValidationError("请选择导入到哪个乡镇。")
        return township

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise ValidationError("请上传 .xlsx 格式的 Excel 文件（旧的 .xls 请先另存为 .xlsx）。")
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError("文件超过 20 MB。")
        try:
            check_archive(upload)  # the zip's directory only: a zip bomb is refused before anything reads it
        except WorkbookRefused as exc:
            raise ValidationError(str(exc)) from None
        return upload


class ImportConfirmForm(forms.Form):
    """Confirm a checked import; with conflicts of head, say whether to replace those heads."""

    replace_conflicts = forms.BooleanField(
        label="替换这些户的户主", required=False, widget=forms.CheckboxInput(attrs={"class": "form-check-input"})
    )

    def __init__(self, *args, conflicts: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        if conflicts:
            self.fields["replace_conflicts"].label = f"替换这 {conflicts} 户的户主（变更记入各户的台账记录）"
        else:
            self.fields["replace_conflicts"].widget = forms.HiddenInput()
