from django.urls import path

from joinedup.referrals import views

app_name = "referrals"

urlpatterns = [
    path("new/", views.step, name="new"),
    path("<uuid:referral_uuid>/step/<str:step_name>/", views.step, name="step"),
    path("<uuid:referral_uuid>/check/", views.check, name="check"),
    path("import/", views.bulk_import, name="import"),
    path("import/<uuid:import_uuid>/", views.import_detail, name="import_detail"),
    path("<uuid:referral_uuid>/", views.detail, name="detail"),
]
