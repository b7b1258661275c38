"""公开反馈 pages for the township's leaders (issue 21): the list, writing one, changing one. The rules live in
``petitions/answers.py``; these pages only read the form and show what it says."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from households.models import Township, Village
from minqing.widgets import FastSelect
from petitions import answers
from petitions.models import Category, Petition, PublicAnswer


class PublicAnswerForm(forms.Form):
    township = forms.ModelChoiceField(label="乡镇", queryset=Township.objects.none(), empty_label=None)
    village = forms.ModelChoiceField(
        label="村", queryset=Village.objects.none(), required=False, empty_label="（不限于一个村）", widget=FastSelect
    )
    category = forms.ModelChoiceField(
        label="诉求事项", queryset=Category.objects.none(), required=False, empty_label="（不限）"
    )
    title = forms.CharField(label="标题", max_length=60, help_text="如：关于大井村饮水问题的统一答复。")
    body = forms.CharField(
        label="反馈内容",
        widget=forms.Textarea(attrs={"rows": 7}),
        help_text="面向公众：问题是什么、查明的情况、怎么解决、什么时候解决。不写诉求人的姓名、电话。",
    )
    cases = forms.CharField(
        label="答复的诉求（受理编号）",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "每行一个，如 MQDX202611-0042"}),
        help_text="只能关联本乡镇的诉求；这些诉求的公示和进度查询都会显示本反馈。",
    )
    is_published = forms.BooleanField(label="公开", required=False, initial=True)

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        townships = Township.objects.filter(pk__in=scope.township_ids)
        self.fields["township"].queryset = townships
        # A leader of one township (the usual case) writes for it without choosing.
        self.only_township = townships.first() if len(townships) == 1 else None
        if self.only_township is not None:
            self.fields["township"].widget = forms.HiddenInput()
            self.fields["township"].required = False
            self.fields["township"].initial = self.only_township.pk
        self.fields["village"].queryset = Village.objects.filter(township__in=townships)
        self.fields["category"].queryset = Category.objects.filter(is_active=True).exclude(
            kind=Category.Kind.ACCUSATION
        )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.add_input(Submit("", "保存", css_class="btn-primary"))
        self.linked: list[Petition] = []

    def clean(self):
        data = super().clean()
        township = data["township"] = data.get("township") or self.only_township
        numbers, bad = answers.parse_numbers(data.get("cases", ""))
        problems = [f"“{piece}”不是受理编号。" for piece in bad]
        if township is not None:
            self.linked, wrong = answers.linkable_cases(township, numbers)
            problems += wrong
            village = data.get("village")
            if village is not None and village.township_id != township.pk:
                self.add_error("village", "请选择本乡镇的村。")
        for problem in problems:
            self.add_error("cases", problem)
        return data


def _initial(answer: PublicAnswer) -> dict:
    return {
        "township": answer.township_id,
        "village": answer.village_id,
        "category": answer.category_id,
        "title": answer.title,
        "body": answer.body,
        "cases": "\n".join(answer.petitions.order_by("received_at").values_list("tracking_number", flat=True)),
        "is_published": answer.is_published,
    }


def _allowed(request) -> None:
    if not request.scope.may_write_public_answers:
        raise PermissionDenied("只有乡镇领导可以撰写公开反馈。")


@login_required
@require_GET
def answer_list(request):
    _allowed(request)
    items = answers.answers_visible_to(request.scope).prefetch_related("petitions")
    return render(request, "petitions/answer_list.html", {"answers": items})


@login_required
@require_http_methods(["GET", "POST"])
def answer_edit(request, pk: int | None = None):
    """Write a 公开反馈 (``pk`` None) or change one of the leader's townships (another's: 404)."""
    _allowed(request)
    answer = get_object_or_404(answers.answers_visible_to(request.scope), pk=pk) if pk else None
    if request.method == "POST":
        form = PublicAnswerForm(request.POST, scope=request.scope)
        if form.is_valid():
            data = form.cleaned_data
            try:
                answer = answers.answer_save(
                    scope=request.scope,
                    by=request.user,
                    answer=answer,
                    township=data["township"],
                    village=data["village"],
                    category=data["category"],
                    title=data["title"],
                    body=data["body"],
                    cases=form.linked,
                    is_published=data["is_published"],
                )
            except ValidationError as error:
                for field, messages_ in error.message_dict.items():
                    for message in messages_:
                        form.add_error(field if field in form.fields else None, message)
            else:
                messages.success(request, f"公开反馈已保存，关联诉求 {len(form.linked)} 件。")
                return redirect("petitions:answers")
    else:
        initial = _initial(answer) if answer else {"cases": request.GET.get("cases", "")}
        form = PublicAnswerForm(initial=initial, scope=request.scope)
    suggestions = []
    if answer and answer.village_id and answer.category_id:
        suggestions = (
            Petition.objects.filter(township=answer.township, village=answer.village, category=answer.category)
            .exclude(public_answers=answer)
            .order_by("-received_at")[:20]
        )
    return render(request, "petitions/answer_form.html", {"form": form, "answer": answer, "suggestions": suggestions})
