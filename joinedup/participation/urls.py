from django.urls import path

from joinedup.participation import views

app_name = "participation"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("opportunities/new/", views.opportunity_edit, name="opportunity_create"),
    path("opportunities/<uuid:opportunity_uuid>/edit/", views.opportunity_edit, name="opportunity_edit"),
    path("opportunities/<uuid:opportunity_uuid>/reviewed/", views.opportunity_reviewed, name="opportunity_reviewed"),
    path("coverage/", views.coverage, name="coverage"),
    path("cohorts/", views.cohort_list, name="cohorts"),
    path("cohorts/<uuid:cohort_uuid>/", views.cohort_detail, name="cohort"),
    path("cohorts/<uuid:cohort_uuid>/check/", views.cohort_check, name="cohort_check"),
    path("cohorts/<uuid:cohort_uuid>/decision/", views.cohort_decide, name="cohort_decide"),
    path("cohorts/<uuid:cohort_uuid>/separate/", views.cohort_separate, name="cohort_separate"),
    path("cohorts/<uuid:cohort_uuid>/confirm/", views.cohort_confirm, name="cohort_confirm"),
    path("put-forward/<uuid:child_uuid>/", views.put_forward, name="put_forward"),
    path("children/<uuid:child_uuid>/words/", views.child_words, name="child_words"),
    path("voices/", views.voices, name="voices"),
    path("voices/<uuid:contribution_uuid>/feedback/", views.feedback, name="feedback"),
    path("voices/<uuid:contribution_uuid>/withdraw/", views.withdraw, name="withdraw"),
    path("influence/", views.insight, name="insight"),
]
