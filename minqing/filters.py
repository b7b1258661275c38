"""What the list pages' filters share: reading an id from the query string, the village a list is narrowed to."""

from __future__ import annotations


def chosen_id(data, name: str) -> int | None:
    """The id given for ``name`` in the query string, or None (absent, not a number, absurdly long)."""
    value = str((data or {}).get(name) or "")
    # isascii(): "²".isdigit() is true, but int("²") fails.
    return int(value) if value.isascii() and value.isdigit() and len(value) < 12 else None


def chosen_village(data, request) -> int | None:
    """The village a list's dependent choices (groups, cadres, people) follow: the one chosen, or the
    user's only village (a liaison of one village). Visibility is the caller's queryset's business."""
    village = chosen_id(data, "village")
    if village is None and request is not None and len(request.scope.village_ids) == 1:
        (village,) = request.scope.village_ids
    return village
