from django.urls import path

from joinedup.children import views

app_name = "children"

urlpatterns = [
    path("", views.search, name="search"),
    path("records/new/", views.record_create, name="record_create"),
    path("records/<uuid:record_uuid>/edit/", views.record_edit, name="record_edit"),
    path("<uuid:child_uuid>/", views.child_detail, name="detail"),
]
