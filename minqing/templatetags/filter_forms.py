"""``{% filter_form form helper %}``: a list's filter form, drawn in Python from its crispy layout.

The filter forms keep their crispy ``FormHelper`` layouts (rows, columns, fields, one submit button) and their
HTML is the HTML crispy's Bootstrap 5 templates give; only the drawing is plain string work. Crispy renders every
field through a chain of template includes: a case list's fourteen filters cost about 20 ms of each request, more
than its 25 rows. Another kind of layout object is refused (TypeError): add it here.
"""

from __future__ import annotations

from crispy_forms.layout import Column, Field, Layout, Row, Submit
from django import forms, template
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag
def filter_form(form, helper):
    """The ``<form>`` of ``helper`` (GET, its ``form_class``) with ``form``'s fields as its layout places them."""
    parts = [f'<form class="{escape(helper.form_class)}" method="{escape(helper.form_method)}">']
    for error in form.non_field_errors():
        parts.append(f'<div class="alert alert-danger">{escape(error)}</div>')
    layout = helper.layout or Layout(*form.fields)
    parts.extend(_item(item, form, helper) for item in layout.fields)
    parts.append("</form>")
    return mark_safe("".join(parts))


def _item(item, form, helper) -> str:
    if isinstance(item, str):
        return _field(form[item], helper, {})
    if type(item) is Field:  # not its subclasses (PrependedText and the like), which draw more
        return "".join(_field(form[name], helper, item.attrs) for name in item.fields)
    if isinstance(item, Row):
        inner = "".join(_item(i, form, helper) for i in item.fields)
        return f'<div class="row {escape(item.css_class or "")}">{inner}</div>'
    if isinstance(item, Column):
        inner = "".join(_item(i, form, helper) for i in item.fields)
        css = item.css_class or ""
        return f'<div class="{escape(css if "col" in css else f"col-md {css}")}">{inner}</div>'
    if isinstance(item, Submit):
        return format_html(
            '<input type="submit" name="{}" value="{}" class="{}" id="{}">',
            item.name,
            item.value,
            item.field_classes,
            item.id,
        )
    raise TypeError(f"filter_form draws rows, columns, fields and a submit button, not {type(item).__name__}")


def _classes(widget, invalid: bool) -> str:
    kind = widget.__class__.__name__.lower()
    if isinstance(widget, forms.CheckboxInput):
        base = "form-check-input"
    elif isinstance(widget, forms.Select):
        base = "form-select"
    else:
        base = "form-control"
    return f"{kind} {base}" + (" is-invalid" if invalid else "")


def _field(bound, helper, extra: dict) -> str:
    widget = bound.field.widget
    if widget.is_hidden:
        return str(bound)
    invalid = bool(bound.errors) and helper.form_show_errors
    attrs = {**extra, "class": " ".join(filter(None, [widget.attrs.get("class", ""), _classes(widget, invalid)]))}
    if invalid:
        attrs |= {"aria-invalid": "true", "aria-describedby": f"{bound.auto_id}_error"}
    control = bound.as_widget(attrs=attrs)
    errors = ""
    if invalid:
        spans = "".join(
            format_html('<span id="error_{}_{}"><strong>{}</strong></span>', n, bound.auto_id, e)
            for n, e in enumerate(bound.errors, 1)
        )
        errors = f'<div id="{bound.auto_id}_error" class="invalid-feedback">{spans}</div>'
    help_text = (
        format_html('<div id="{}_helptext" class="form-text">{}</div>', bound.auto_id, bound.help_text)
        if bound.help_text
        else ""
    )
    if isinstance(widget, forms.CheckboxInput):
        label = format_html('<label for="{}" class="form-check-label">{}</label>', bound.id_for_label, bound.label)
        return (
            f'<div class="mb-3"><div id="div_{bound.auto_id}" class="form-check">{control}{label}{errors}'
            f"{help_text}</div></div>"
        )
    label = (
        format_html('<label for="{}" class="form-label">{}</label>', bound.id_for_label, bound.label)
        if helper.form_show_labels and bound.label
        else ""
    )
    return f'<div id="div_{bound.auto_id}" class="mb-3">{label}{control}{errors}{help_text}</div>'
