from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from minqing import views

urlpatterns = [
    path("", include("dashboards.urls")),
    # Login, logout and password change; no self-service reset by email: the admin resets passwords.
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password_change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password_change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("households/", include("households.urls")),
    path("petitions/", include("petitions.urls")),
    path("visits/", include("visits.urls")),
    path("meetings/", include("meetings.urls")),
    path("duty/", include("duty.urls")),
    path("lists/", include("lists.urls")),
    path("inbox/", include("notifications.urls")),
    path("public/", include("petitions.public_urls")),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("admin/", admin.site.urls),
]

handler400 = "minqing.views.error_400"
handler403 = "minqing.views.error_403"
handler404 = "minqing.views.error_404"
handler500 = "minqing.views.error_500"

admin.site.site_header = "民情信息中心 管理"
admin.site.site_title = "民情信息中心"
admin.site.index_title = "系统配置"
