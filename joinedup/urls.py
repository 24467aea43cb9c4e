"""Root URLs: each app's pages under its own prefix."""

from django.urls import include, path

from joinedup.api import api
from joinedup.participation import public as participation_public
from joinedup.partnership.admin import admin_site
from joinedup.shell import views as shell_views

urlpatterns = [
    path("", shell_views.home, name="home"),
    path("sign-in/", shell_views.SignInView.as_view(), name="login"),
    path("sign-out/", shell_views.SignOutView.as_view(), name="logout"),
    path("account/api-tokens/", shell_views.tokens, name="tokens"),
    path("account/api-tokens/<uuid:token_uuid>/revoke/", shell_views.token_revoke, name="token_revoke"),
    path("children/records/import/", include("joinedup.imports.urls")),
    path("children/", include("joinedup.children.urls")),
    path("children/", include("joinedup.chronology.urls")),
    path("governance/", include("joinedup.governance.urls")),
    path("referrals/", include("joinedup.referrals.urls")),
    path("linkage/", include("joinedup.linkage.urls")),
    path("notifications/", include("joinedup.notifications.urls")),
    path("pathways/", include("joinedup.pathways.urls")),
    path("participation/", include("joinedup.participation.urls")),
    path("young-people/", participation_public.public, name="public_opportunities"),
    path("young-people/<uuid:partnership_uuid>/", participation_public.public_for, name="public_opportunities_for"),
    path("admin/", admin_site.urls),
    path("api/", api.urls),
    # The health probe and the OIDC round trip (joinedup/ops), and background jobs.
    path("", include("joinedup.ops.urls")),
    path("jobs/", include("joinedup.jobs.urls")),
]

handler403 = "joinedup.shell.views.error_403"
handler404 = "joinedup.shell.views.error_404"
handler500 = "joinedup.shell.views.error_500"
