from django.urls import path

from joinedup.chronology import views

app_name = "chronology"

urlpatterns = [
    path("mace-pack/new/", views.mace_pack_new, name="mace_pack_new"),
    path("<uuid:child_uuid>/chronology/", views.chronology, name="chronology"),
    path("<uuid:child_uuid>/chronology.pdf", views.chronology_pdf, name="chronology_pdf"),
    path("<uuid:child_uuid>/chronology/events/new/", views.event_add, name="event_add"),
    path("<uuid:child_uuid>/checks/", views.check_ask, name="check_ask"),
    path("<uuid:child_uuid>/checks/<uuid:request_uuid>/checked/", views.check_answer, name="check_answer"),
]
