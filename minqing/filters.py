"""What the list pages' filters share: reading an id from the query string, the village a list is narrowed to."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import QuerySet


def as_id(value) -> int | None:
    """``value`` (a string from a form or the query string) as a row id, or None: not a number, absurdly long."""
    value = str(value or "")
    # isascii(): "²".isdigit() is true, but int("²") fails.
    return int(value) if value.isascii() and value.isdigit() and len(value) < 12 else None


def filters_active(data) -> bool:
    """Whether the query string sets any filter (the page number is none): on a phone a list's filters stay
    folded behind its 筛选 button (templates/_filters.html) unless one is set."""
    return any(value for name, value in (data or {}).items() if name != "page")


def chosen_id(data, name: str) -> int | None:
    """The id given for ``name`` in the query string, or None (absent, not a number, absurdly long)."""
    return as_id((data or {}).get(name))


def chosen_village(data, request) -> int | None:
    """The village a list's dependent choices (groups, cadres, people) follow: the one chosen, or the
    user's only village (a liaison of one village). Visibility is the caller's queryset's business."""
    village = chosen_id(data, "village")
    if village is None and request is not None and len(request.scope.village_ids) == 1:
        (village,) = request.scope.village_ids
    return village


def follow_village(filterset, name: str, village: int | None, in_village: Callable[[QuerySet, int], QuerySet]) -> None:
    """Narrow the choices of filter ``name`` to the chosen village (``in_village(queryset, village)``).
    Without a village they hold only what the query string names — a link may name a person alone — and the
    list says to choose a village first. Choosing a village reloads the page (``data-autosubmit``)."""
    fields = filterset.form.fields
    fields["village"].widget.attrs["data-autosubmit"] = ""
    field = fields[name]
    if village is None:
        field.queryset = field.queryset.filter(pk=chosen_id(filterset.data, name) or 0)
        field.empty_label = "先选村"
    else:
        field.queryset = in_village(field.queryset, village)
