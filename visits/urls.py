from django.urls import path

from visits import views

app_name = "visits"

urlpatterns = [
    path("", views.VisitListView.as_view(), name="index"),
    path("new/", views.visit_new, name="new"),
    path("sync/", views.visit_sync, name="sync"),
    path("households/search/", views.household_search, name="household_search"),
    path("<int:pk>/", views.visit_detail, name="detail"),
    path("<int:pk>/edit/", views.visit_edit, name="edit"),
    path("<int:pk>/open-case/", views.visit_open_case, name="open_case"),
    path("contacts/", views.ContactListView.as_view(), name="contacts"),
    path("contacts/coverage/", views.coverage, name="coverage"),
    path("contacts/cards/", views.contact_cards, name="cards"),
    path("deputies/", views.deputies, name="deputies"),
    path("revisits/", views.RevisitQueueView.as_view(), name="revisits"),
    path("revisits/<int:petition_pk>/new/", views.revisit_new, name="revisit_new"),
    path("revisits/<int:petition_pk>/close/", views.revisit_close, name="revisit_close"),
]
