from django.urls import path

from households import views

app_name = "households"

urlpatterns = [
    path("", views.HouseholdListView.as_view(), name="index"),
    path("new/", views.household_create, name="create"),
    path("<int:pk>/", views.household_detail, name="detail"),
    path("<int:pk>/edit/", views.household_edit, name="edit"),
    path("contacts/", views.contacts, name="contacts"),
    path("contacts/assign/", views.assign_contact, name="assign_contact"),
    path("export/", views.export, name="export"),
    path("import/", views.import_upload, name="import"),
    path("import/template/", views.import_template, name="import_template"),
    path("import/<int:pk>/", views.import_job, name="import_job"),
    path("import/<int:pk>/status/", views.import_status, name="import_status"),
]
