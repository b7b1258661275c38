"""Small pure filters of the meetings pages."""

from django import template

register = template.Library()

WEEKDAYS = "一二三四五六日"


@register.filter
def weekday_cn(value) -> str:
    """A date's weekday as 周一 … 周日."""
    return f"周{WEEKDAYS[value.weekday()]}" if value else ""


@register.filter
def person(user) -> str:
    """A user's name as the pages show it ("" for nobody)."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()
