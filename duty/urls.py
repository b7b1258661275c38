from django.urls import path

from duty import views

app_name = "duty"

urlpatterns = [
    path("", views.rota_month, name="index"),
    path("print/", views.rota_print, name="print"),
    path("swap/", views.swap, name="swap"),
    path("mailbox/", views.mailboxes, name="mailboxes"),
    path("mailbox/<int:pk>/open/", views.mailbox_open, name="mailbox_open"),
    path("mailbox/openings/<int:pk>/", views.opening_detail, name="opening"),
]
