"""The project shell's pages: home, sign-in and sign-out, the user's API tokens, error pages."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from joinedup.audit.services import audit_record
from joinedup.core.forms import TokenForm
from joinedup.core.forms_auth import SignInForm
from joinedup.core.models import ApiToken
from joinedup.core.registry import home_panels
from joinedup.partnership.access import membership_for, require
from joinedup.partnership.roles import Perm
from joinedup.shell.services import api_token_create, api_token_revoke


class SignInView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True
    extra_context = {"page_title": "Sign in"}

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        audit_record(actor=form.get_user(), event="user.signed_in")
        return response


class SignOutView(auth_views.LogoutView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            audit_record(actor=request.user, event="user.signed_out")
        return super().post(request, *args, **kwargs)


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Every sign-in lands here, so each panel is drawn on its own: the panels
    come from the apps (core.registry), each deciding whether it applies."""
    panels = []
    for panel in home_panels():
        context = panel.context(request)
        if context is not None:
            panels.append({"key": panel.key, "template": panel.template, "context": context})
    context = {"membership": membership_for(request.user), "panels": panels, "page_title": "Home"}
    return render(request, "shell/home.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    """The user's own API tokens: create one (shown once) and list them; revoking has its own view."""
    require(request.user, Perm.USE_API)
    form = TokenForm(request.POST if request.method == "POST" else None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            _, created = api_token_create(
                actor=request.user,
                name=form.cleaned_data["name"],
                expires_in_days=form.cleaned_data["expires_in_days"],
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            form = TokenForm()
    context = {
        "form": form,
        "created": created,
        "tokens": ApiToken.objects.filter(user=request.user),
        "now": timezone.now(),
        "page_title": "API tokens",
    }
    return render(request, "shell/tokens.html", context)


@require_POST
@login_required
def token_revoke(request: HttpRequest, token_uuid: str) -> HttpResponse:
    require(request.user, Perm.USE_API)
    # A foreign token is "not found", as for any object not yours.
    token = ApiToken.objects.filter(user=request.user, uuid=token_uuid).first()
    if token is None:
        raise Http404
    api_token_revoke(actor=request.user, token=token)
    messages.success(request, f"Token {token.name} revoked.")
    return redirect("tokens")


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", {"page_title": "You cannot do this"}, status=403)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", {"page_title": "Page not found"}, status=404)


def error_500(request: HttpRequest) -> HttpResponse:
    # No context processors: the database may be what failed.
    return HttpResponse(loader.get_template("500.html").render({"page_title": "Sorry, there is a problem"}), status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403_csrf.html", {"page_title": "Your session has expired"}, status=403)
