from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """The in-app inbox, email and SMS. Its own app because petitions, visits and dashboards all send
    notifications and dependencies point one way: it sits below them and imports none of them."""

    name = "notifications"
    verbose_name = "消息通知"
