"""The rota grid (one page, one form: a select per person a post holds per day), the swap form and the mailbox
opening form. Errors in Chinese beside the cell or field they are about."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from duty import rota
from duty.models import Post
from duty.services import Cells, month_days
from minqing.filters import as_id

WEEKDAY_CN = "一二三四五六日"


def person(user) -> str:
    return user.get_full_name() or user.get_username()


class RotaGrid:
    """A month × the active posts. ``data`` (a POST) is read as ``c-<day>-<post id>`` → the chosen people, one
    value per select; ``cells`` gives the values to show otherwise (saved, copied or filled)."""

    def __init__(self, *, township, year: int, month: int, posts: list[Post], people, data=None, cells=None):
        self.township = township
        self.days = month_days(year, month)
        self.posts = posts
        self.people = list(people)
        self.by_pk = {u.pk: u for u in self.people}
        self.candidates = {post.pk: rota.candidates(post, self.people) for post in posts}
        self.errors: dict[tuple[dt.date, int], str] = {}
        self.non_field_errors: list[str] = []
        self.bound = data is not None
        # Only the active posts' cells (a post switched off keeps its past entries, which the grid leaves alone).
        post_ids = {post.pk for post in posts}
        parsed = self._parse(data) if data is not None else dict(cells or {})
        self.cells: Cells = {key: ids for key, ids in parsed.items() if key[1] in post_ids}

    @staticmethod
    def name(day: dt.date, post_id: int) -> str:
        return f"c-{day.day}-{post_id}"

    def _parse(self, data) -> Cells:
        cells: Cells = {}
        self._bad: set[tuple[dt.date, int]] = set()
        for day in self.days:
            for post in self.posts:
                values = [v for v in data.getlist(self.name(day, post.pk)) if v.strip()]
                ids = [as_id(v) for v in values]
                if None in ids:
                    self._bad.add((day, post.pk))
                cells[(day, post.pk)] = [i for i in ids if i is not None]
        return cells

    def is_valid(self) -> bool:
        """Every cell: known people who may hold the post, each once, no more than the post's capacity, none absent
        that day. Nothing is saved unless every cell passes."""
        self.errors = {}
        chosen = {pk for ids in self.cells.values() for pk in ids}
        away = rota.absences(chosen, self.days[0], self.days[-1])
        for (day, post_id), ids in self.cells.items():
            post = next(p for p in self.posts if p.pk == post_id)
            allowed = {u.pk for u in self.candidates[post_id]}
            if (day, post_id) in getattr(self, "_bad", ()):
                self.errors[(day, post_id)] = "请从列表中选择人员。"
            elif len(ids) > post.capacity:
                self.errors[(day, post_id)] = f"{post.name}每天只能安排{post.capacity}人，这里选了{len(ids)}人。"
            elif len(set(ids)) != len(ids):
                self.errors[(day, post_id)] = "同一人在同一岗位上只能安排一次。"
            elif any(pk not in allowed for pk in ids):
                pk = next(pk for pk in ids if pk not in allowed)
                who = person(self.by_pk[pk]) if pk in self.by_pk else "所选人员"
                need = f"本乡镇{post.get_role_display()}" if post.role else "本乡镇工作人员"
                self.errors[(day, post_id)] = f"{who}不能担任{post.name}（须为{need}）。"
            else:
                for pk in ids:
                    absence = rota.absence_on(away, pk, day)
                    if absence is not None:
                        self.errors[(day, post_id)] = f"{person(self.by_pk[pk])}当天{absence.reason}，不能排班。"
                        break
        return not self.errors and not self.non_field_errors

    def rows(self) -> list[dict]:
        """What the template draws: per day, per post, the selects (their chosen person) and the cell's error."""
        today = timezone.localdate()
        options = self.options()
        out = []
        for day in self.days:
            cells = []
            for post in self.posts:
                ids = self.cells.get((day, post.pk), [])
                width = max(post.capacity, len(ids))
                cells.append(
                    {
                        "name": self.name(day, post.pk),
                        "post": post,
                        "options": options[post.pk],
                        "selected": ids + [None] * (width - len(ids)),
                        "people": [self.by_pk[pk] for pk in ids if pk in self.by_pk],
                        "error": self.errors.get((day, post.pk), ""),
                    }
                )
            out.append(
                {
                    "day": day,
                    "weekday": f"周{WEEKDAY_CN[day.weekday()]}",
                    "weekend": day.weekday() >= 5,
                    "today": day == today,
                    "cells": cells,
                }
            )
        return out

    def options(self) -> dict[int, list[tuple[int, str]]]:
        return {post.pk: [(u.pk, person(u)) for u in self.candidates[post.pk]] for post in self.posts}


class SwapForm(forms.Form):
    date = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}))
    post = forms.ModelChoiceField(label="岗位", queryset=Post.objects.filter(is_active=True), empty_label="请选择岗位")
    from_user = forms.ModelChoiceField(label="原值班人", queryset=None, empty_label="请选择")
    to_user = forms.ModelChoiceField(label="替班人", queryset=None, empty_label="请选择")
    reason = forms.CharField(label="换班原因", max_length=200)

    def __init__(self, *args, township, **kwargs):
        super().__init__(*args, **kwargs)
        people = rota.township_people(township)
        for name in ("from_user", "to_user"):
            self.fields[name].queryset = people
            self.fields[name].label_from_instance = person


class MailboxOpeningForm(forms.Form):
    date = forms.DateField(label="开箱日期", widget=forms.DateInput(attrs={"type": "date"}))
    opened_by = forms.ModelChoiceField(label="开箱人", queryset=None, empty_label="请选择")
    witness = forms.ModelChoiceField(label="见证人", queryset=None, empty_label="请选择")
    letter_count = forms.IntegerField(label="信件数", min_value=0, max_value=999, initial=0)
    note = forms.CharField(label="备注", max_length=200, required=False)

    def __init__(self, *args, township, **kwargs):
        super().__init__(*args, **kwargs)
        people = rota.township_people(township)
        for name in ("opened_by", "witness"):
            self.fields[name].queryset = people
            self.fields[name].label_from_instance = person
