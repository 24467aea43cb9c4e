from django.urls import path

from joinedup.jobs import views

app_name = "jobs"

urlpatterns = [
    path("", views.job_list, name="list"),
    path("<uuid:job_uuid>/", views.job_detail, name="detail"),
    path("<uuid:job_uuid>/file/", views.job_file, name="file"),
    path("start/<slug:kind>/", views.job_start, name="start"),
]
