from django.apps import AppConfig


class MinqingConfig(AppConfig):
    name = "minqing"
    verbose_name = "民情信息中心"
