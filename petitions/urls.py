from django.urls import path

from petitions import answer_views, views

app_name = "petitions"

urlpatterns = [
    path("", views.PetitionListView.as_view(), name="index"),
    path("queue/<slug:queue>/", views.PetitionListView.as_view(), name="queue"),
    path("new/", views.intake, name="intake"),
    path("new/households/", views.household_lookup, name="household_lookup"),
    path("new/repeats/", views.repeat_check, name="repeat_check"),
    path("answers/", answer_views.answer_list, name="answers"),
    path("answers/new/", answer_views.answer_edit, name="answer_new"),
    path("answers/<int:pk>/", answer_views.answer_edit, name="answer_edit"),
    path("<int:pk>/", views.petition_detail, name="detail"),
    path("<int:pk>/receipt/", views.receipt, name="receipt"),
    path("<int:pk>/act/<slug:action>/", views.petition_act, name="act"),
    path("<int:pk>/attachments/<int:attachment_pk>/", views.attachment_download, name="attachment"),
]
