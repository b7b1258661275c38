from django.urls import path

from meetings import views

app_name = "meetings"

urlpatterns = [
    path("", views.meeting_calendar, name="index"),
    path("new/", views.meeting_new, name="new"),
    path("<int:pk>/", views.meeting_detail, name="detail"),
    path("<int:pk>/print/", views.meeting_print, name="print"),
    path("<int:pk>/edit/", views.meeting_edit, name="edit"),
    path("<int:pk>/held/", views.meeting_hold, name="hold"),
    path("<int:pk>/approve/", views.meeting_approve, name="approve"),
    path("<int:pk>/agenda/refresh/", views.agenda_refresh, name="refresh"),
    path("<int:pk>/items/add/", views.item_add, name="add_item"),
    path("<int:pk>/items/<int:item_pk>/decide/", views.item_decide, name="decide"),
    path("<int:pk>/items/<int:item_pk>/remove/", views.item_remove, name="remove_item"),
    path("<int:pk>/items/<int:item_pk>/reload/", views.item_reload, name="reload_item"),
    path("<int:pk>/decisions/<int:decision_pk>/complete/", views.decision_complete, name="complete"),
]
