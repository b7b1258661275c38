"""The roles of domain.md, as Django groups. The group names are identifiers; labels are shown."""

from django.db import models


class Role(models.TextChoices):
    RECEPTION = "reception", "前台接待"
    LEADER = "leader", "领导"
    HANDLER = "handler", "承办人"
    LIAISON = "liaison", "村联络员"
    ADMIN = "admin", "管理员"
    # 县民情中心: every township read-only, may supervise (督办) any case.
    COUNTY = "county", "县级"
