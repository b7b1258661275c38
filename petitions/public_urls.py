"""The public pages, mounted at /public/ (no login)."""

from django.urls import path

from petitions import public_views

app_name = "public"

urlpatterns = [
    path("", public_views.board, name="board"),
    path("notices.json", public_views.notices_json, name="notices_json"),
    path("notices/<str:number>/", public_views.notice, name="notice"),
    path("feed/", public_views.NoticeFeed(), name="feed"),
    path("lookup/", public_views.lookup, name="lookup"),
]
