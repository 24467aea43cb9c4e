from django.urls import path

from joinedup.imports import views

app_name = "imports"

urlpatterns = [
    path("", views.import_new, name="new"),
    path("<uuid:import_uuid>/", views.import_detail, name="detail"),
    path("<uuid:import_uuid>/problems.csv", views.import_problems, name="problems"),
]
