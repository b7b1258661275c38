from django import forms

from minqing.widgets import FastSelect, FastSelectMultiple


class Form(forms.Form):
    plain = forms.ChoiceField(choices=[("", "全部"), ("a", "甲 & 乙"), ("b", '"引号"')], required=False)
    grouped = forms.ChoiceField(choices=[("", "全部"), ("组<1>", [("x", "X"), ("y", "Y")])], required=False)


def test_fast_select_renders_the_same_html_as_djangos_select():
    for name in ("plain", "grouped"):
        for data in ({}, {"plain": "a", "grouped": "y"}, {"plain": "b"}):
            form = Form(data or None)
            field = form[name]
            django_html = field.as_widget(attrs={"class": "form-select", "data-autosubmit": "", "disabled": True})
            field.field.widget = FastSelect(choices=field.field.choices)
            fast_html = field.as_widget(attrs={"class": "form-select", "data-autosubmit": "", "disabled": True})
            assert _normal(fast_html) == _normal(django_html), (name, data)


def _normal(html: str) -> str:
    """Django's template puts newlines and indentation between options; the browser ignores them."""
    return "".join(line.strip() for line in html.splitlines())


class Several(forms.Form):
    people = forms.MultipleChoiceField(choices=[("1", "甲"), ("2", "乙"), ("3", "丙<丁>")], required=False)


def test_fast_select_multiple_renders_the_same_html_as_djangos():
    for data in ({}, {"people": ["1", "3"]}):
        form = Several(data or None)
        field = form["people"]
        django_html = field.as_widget(attrs={"size": 6})
        field.field.widget = FastSelectMultiple(choices=field.field.choices)
        assert _normal(field.as_widget(attrs={"size": 6})) == _normal(django_html), data
