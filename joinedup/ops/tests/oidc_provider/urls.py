from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.urls import include, path

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("openid/", include("oidc_provider.urls", namespace="oidc_provider")),
    # Browsers ask; an answer keeps the tests' console-error check about Joined Up's pages.
    path("favicon.ico", lambda request: HttpResponse(status=204)),
]
