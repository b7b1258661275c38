from axes import apps as axes_apps
from django.apps import AppConfig


class MinqingConfig(AppConfig):
    default = True  # "minqing" in INSTALLED_APPS means this one, not AxesConfig below
    name = "minqing"
    verbose_name = "民情信息中心"

    def ready(self):
        from minqing import checks  # noqa: F401 — registers the system checks


class AxesConfig(axes_apps.AppConfig):
    """django-axes (login throttling, minqing/login_throttle.py) under a Chinese name in the admin. Its models'
    and fields' names are translated in locale/zh_Hans (the package ships no Chinese)."""

    verbose_name = "登录保护"
