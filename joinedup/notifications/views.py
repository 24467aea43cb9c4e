"""Each user's notifications: the list, opening one (which marks it read), marking all read."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from joinedup.notifications import services
from joinedup.notifications.selectors import notification_get_for_user, notifications_for


@require_GET
@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(notifications_for(request.user), 50).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page, "page_title": "Notifications"})


# Opening marks the notification read, a change of state, so it is a POST: a GET link would be
# marked read by anything that fetches links ahead of the user.
@require_POST
@login_required
def notification_open(request: HttpRequest, notification_uuid: str) -> HttpResponse:
    notification = notification_get_for_user(user=request.user, notification_uuid=notification_uuid)
    services.notification_read(user=request.user, notification=notification)
    # The app builds every url with reverse(), but it is stored text: checked again, so a
    # notification can never be made into a redirect to another site.
    if notification.url and url_has_allowed_host_and_scheme(notification.url, allowed_hosts={request.get_host()}):
        return redirect(notification.url)
    return redirect("notifications:list")


@require_POST
@login_required
def notification_all_read(request: HttpRequest) -> HttpResponse:
    count = services.notifications_all_read(user=request.user)
    messages.success(request, f"{count} notification{'s' if count != 1 else ''} marked as read.")
    return redirect("notifications:list")
