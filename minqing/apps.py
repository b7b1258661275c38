from django.apps import AppConfig


class MinqingConfig(AppConfig):
    name = "minqing"
    verbose_name = "民情信息中心"

    def ready(self):
        from minqing import checks  # noqa: F401 — registers the system checks
