"""The public pages, mounted at /public/ (no login): the county's, and each township's under its code."""

from django.urls import path, register_converter

from petitions import public_views

app_name = "public"


class TownshipCode:
    """A township's code in a URL (/public/DX/): capital letters only, so it never takes a page's name."""

    regex = "[A-Z]{1,6}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(TownshipCode, "township")

urlpatterns = [
    path("", public_views.board, name="board"),
    path("notices.json", public_views.notices_json, name="notices_json"),
    path("notices/<str:number>/", public_views.notice, name="notice"),
    path("feed/", public_views.NoticeFeed(), name="feed"),
    path("lookup/", public_views.lookup, name="lookup"),
    path("directory/", public_views.directory, name="directory"),
    path("process/", public_views.process, name="process"),
    path("<township:code>/", public_views.board, name="board_township"),
    path("<township:code>/notices.json", public_views.notices_json, name="notices_json_township"),
    path("<township:code>/feed/", public_views.NoticeFeed(), name="feed_township"),
    path("<township:code>/lookup/", public_views.lookup, name="lookup_township"),
    path("<township:code>/directory/", public_views.directory, name="directory_township"),
    path("<township:code>/process/", public_views.process, name="process_township"),
]
