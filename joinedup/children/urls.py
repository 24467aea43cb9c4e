from django.urls import path

from joinedup.children import views

app_name = "children"

urlpatterns = [
    path("", views.search, name="search"),
    path("records/new/", views.record_create, name="record_create"),
    path("records/<uuid:record_uuid>/edit/", views.record_edit, name="record_edit"),
    path("records/<uuid:record_uuid>/intelligence/new/", views.intelligence_add, name="intelligence_add"),
    path("pseudonymised/", views.pseudonymised_list, name="pseudonymised_list"),
    path("pseudonymised/<str:pseudonym>/", views.pseudonymised_detail, name="pseudonymised_detail"),
    path("<uuid:child_uuid>/", views.child_detail, name="detail"),
    path("<uuid:child_uuid>/emergency-access/", views.break_glass, name="break_glass"),
]
