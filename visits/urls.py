from django.urls import path

from visits import report_views, views

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
    path("contacts/quotas/", report_views.quotas, name="quotas"),
    path("deputies/", views.deputies, name="deputies"),
    path("deputies/<int:pk>/book/", report_views.deputy_book, name="deputy_book"),
    path("reports/", report_views.report_board, name="reports"),
    path("reports/compilation/", report_views.compilation, name="compilation"),
    path("reports/<int:pk>/", report_views.report_edit, name="report_edit"),
    path("cadres/", report_views.cadres, name="cadres"),
    path("revisits/", views.RevisitQueueView.as_view(), name="revisits"),
    path("revisits/<int:petition_pk>/new/", views.revisit_new, name="revisit_new"),
    path("revisits/<int:petition_pk>/close/", views.revisit_close, name="revisit_close"),
]
