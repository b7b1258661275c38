"""Small pure filters for the case pages. The one place where status and deadline become colours."""

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.html import format_html

from petitions.choices import Satisfaction, Status
from petitions.identity import petitioner_fields

register = template.Library()

DEADLINE_BADGES = {
    "overdue": ("badge-overdue", "已超期"),
    "due_soon": ("badge-due-soon", "即将到期"),
    "ok": ("text-bg-light border", "期限内"),
}


# The two badges every case row shows, built in Python (as inclusion tags they were two template renders a row).
@register.simple_tag
def status_badge(status: str) -> str:
    label = Status(status).label if status in Status.values else status
    colour = Status.colour(status)
    return format_html(
        '<span class="badge text-bg-{}{}">{}</span>', colour, " border" if colour == "light" else "", label
    )


@register.simple_tag
def deadline_badge(state: str) -> str:
    css, label = DEADLINE_BADGES.get(state or "", ("", ""))
    return format_html('<span class="badge {}">{}</span>', css, label) if label else ""


@register.filter
def row_class(state: str) -> str:
    return {"overdue": "row-overdue", "due_soon": "row-due-soon"}.get(state or "", "")


@register.simple_tag(takes_context=True)
def petitioner(context, petition):
    """The petitioner as the reader may see them (an accusation hides them from departments)."""
    return petitioner_fields(context["request"].scope, petition, representatives=False)


@register.filter
def action_link(petition, action: str) -> str:
    """The page where ``action`` is taken on ``petition`` (the revisit lives in the visits app)."""
    from petitions.views import action_url

    return action_url(petition, action)


def _local_date(value) -> dt.date:
    return timezone.localdate(value) if isinstance(value, dt.datetime) else value


@register.filter
def days_since(value) -> int | str:
    """Whole days from ``value`` (a date or an aware time) to today, local dates: 0 on the day itself."""
    if not value:
        return ""
    return (timezone.localdate() - _local_date(value)).days


@register.filter
def days_left(value) -> int | str:
    """Whole days from today to ``value`` (a deadline date): 0 on the day itself, negative once it has passed."""
    if not value:
        return ""
    return (_local_date(value) - timezone.localdate()).days


@register.filter
def satisfaction_label(value: str) -> str:
    return Satisfaction(value).label if value in Satisfaction.values else value


@register.simple_tag
def calendar_warning() -> str:
    """The holiday arrangement not entered for this year, or for next year from 1 November (one query at most)."""
    from petitions.deadlines import calendar_warning

    return calendar_warning()


@register.simple_tag
def provisional_years(petition) -> str:
    """“2031年”, “2031年、2032年”: the years not yet entered that the case's deadlines reach into; empty when none."""
    from petitions.deadlines import provisional_years

    return "、".join(f"{year}年" for year in provisional_years(petition))
