"""Confidentiality of accusations (domain.md, privacy): the one rule, and the masked petitioner for display.

For an accusation (检举控告) only the center (leaders, reception, admins) sees who the petitioner is; the
handling departments and village liaisons do not — not on the page, not in lists, not in exports.
Templates and exports take the petitioner only from ``petitioner_fields``.
"""

from __future__ import annotations

from minqing.access import Scope

HIDDEN = "（检举人信息保密）"


def can_see_identity(scope: Scope, petition) -> bool:
    """Whether ``scope`` may see the petitioner (name, phone, ID number, household, representatives)."""
    if scope.is_center:
        return True
    return not petition.category.is_accusation


def petitioner_fields(scope: Scope, petition, *, representatives: bool = True) -> dict:
    """The petitioner as ``scope`` may see them: the real values, or masked ones for a confidential case.

    Keys: name, phone, id_number, household (a Household or None), representatives (a list of dicts
    with name/phone/id_number), hidden (bool). Reads ``petition.representatives.all()`` (prefetch it) unless
    ``representatives=False`` (lists).
    """
    if can_see_identity(scope, petition):
        return {
            "name": petition.petitioner_name,
            "phone": petition.petitioner_phone,
            "id_number": petition.petitioner_id_number,
            "household": petition.household,
            "representatives": [
                {"name": r.name, "phone": r.phone, "id_number": r.id_number} for r in petition.representatives.all()
            ]
            if representatives
            else [],
            "hidden": False,
        }
    return {"name": HIDDEN, "phone": "", "id_number": "", "household": None, "representatives": [], "hidden": True}
