from django.urls import path

from joinedup.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("read-all/", views.notification_all_read, name="all_read"),
    path("<uuid:notification_uuid>/open/", views.notification_open, name="open"),
]
