from django.urls import path

from joinedup.jobs import views

app_name = "jobs"

urlpatterns = [
    path("", views.job_list, name="list"),
    path("<uuid:job_uuid>/", views.job_detail, name="detail"),
    path("linkage/train/", views.start_linkage_train, name="start_linkage_train"),
    path("linkage/run/", views.start_linkage_run, name="start_linkage_run"),
]
