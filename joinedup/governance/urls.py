from django.urls import path

from joinedup.governance import views

app_name = "governance"

urlpatterns = [
    path("", views.index, name="index"),
    path("agreements/", views.agreement_list, name="agreements"),
    path("agreements/new/", views.agreement_create, name="agreement_create"),
    path("agreements/<uuid:agreement_uuid>/edit/", views.agreement_edit, name="agreement_edit"),
    path("agreements/<uuid:agreement_uuid>/review/", views.agreement_review, name="agreement_review"),
    path("emergency-access/", views.break_glass_list, name="break_glass"),
    path("emergency-access/<uuid:grant_uuid>/", views.break_glass_review, name="break_glass_review"),
    path("disclosures/", views.disclosure_list, name="disclosures"),
    path("joins-outside-work/", views.joins_outside_work, name="joins_outside_work"),
    path("audit/", views.audit_list, name="audit"),
    path("subject-access/", views.subject_access, name="subject_access"),
    path("subject-access/<uuid:child_uuid>/", views.subject_access_review, name="subject_access_review"),
    path("subject-access/<uuid:child_uuid>/letter/", views.subject_access_letter, name="subject_access_letter"),
    path("subject-access/<uuid:child_uuid>.json", views.subject_access_json, name="subject_access_json"),
    path("subject-access/<uuid:child_uuid>.pdf", views.subject_access_pdf, name="subject_access_pdf"),
    path("subject-access/<uuid:child_uuid>/pack/", views.subject_access_pack, name="subject_access_pack"),
    path("retention/", views.retention_list, name="retention"),
    path("retention/<uuid:record_uuid>/", views.retention_decide, name="retention_decide"),
]
