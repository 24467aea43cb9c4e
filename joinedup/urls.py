"""Root URLs: each app's pages under its own prefix."""

from django.urls import include, path

from joinedup.core import views as core_views
from joinedup.partnership.admin import admin_site

urlpatterns = [
    path("", core_views.home, name="home"),
    path("sign-in/", core_views.SignInView.as_view(), name="login"),
    path("sign-out/", core_views.SignOutView.as_view(), name="logout"),
    path("children/", include("joinedup.children.urls")),
    path("admin/", admin_site.urls),
]

handler403 = "joinedup.core.views.error_403"
handler404 = "joinedup.core.views.error_404"
handler500 = "joinedup.core.views.error_500"
