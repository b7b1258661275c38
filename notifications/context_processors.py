from notifications.models import Notification


def unread_count(request):
    """The unread badge in the navigation: one COUNT query, only for signed-in pages."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": Notification.objects.for_user(user).unread().count()}
