from django.urls import path

from lists import views

app_name = "lists"

urlpatterns = [
    path("", views.items, name="index"),
    path("items/", views.items, name="items"),
    path("items/new/", views.item_new, name="item_new"),
    path("items/<int:pk>/", views.item_detail, name="item_detail"),
    path("items/<int:pk>/tick/", views.item_tick, name="item_tick"),
    path("items/<int:pk>/assign/", views.item_assign, name="item_assign"),
    path("items/<int:pk>/close/", views.item_close, name="item_close"),
    path("items/<int:pk>/case/", views.item_case, name="item_case"),
    path("supervision/", views.ledger, name="ledger"),
    path("supervision/new/", views.ledger_new, name="ledger_new"),
    path("supervision/<int:pk>/", views.ledger_detail, name="ledger_detail"),
    path("supervision/<int:pk>/strike/", views.ledger_strike, name="ledger_strike"),
    path("supervision/<int:pk>/adjust/", views.ledger_adjust, name="ledger_adjust"),
    path("supervision/requests/<int:pk>/answer/", views.ledger_answer, name="ledger_answer"),
    path("sweeps/", views.sweeps, name="sweeps"),
    path("sweeps/new/", views.sweep_new, name="sweep_new"),
    path("sweeps/<int:pk>/", views.sweep_detail, name="sweep_detail"),
    path("sweeps/<int:pk>/close/", views.sweep_close, name="sweep_close"),
    path("watch/", views.watch, name="watch"),
    path("watch/new/", views.sign_new, name="sign_new"),
    path("watch/<int:pk>/", views.sign_detail, name="sign_detail"),
    path("watch/<int:pk>/review/", views.sign_review, name="sign_review"),
    path("watch/<int:pk>/close/", views.sign_close, name="sign_close"),
    path("watch/<int:pk>/case/", views.sign_case, name="sign_case"),
    path("bulletins/", views.bulletins, name="bulletins"),
    path("bulletins/<int:pk>/", views.bulletin_detail, name="bulletin_detail"),
    path("bulletins/<int:pk>/issue/", views.bulletin_issue, name="bulletin_issue"),
    path("bulletins/<int:pk>/xlsx/", views.bulletin_xlsx, name="bulletin_xlsx"),
]
