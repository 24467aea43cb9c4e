from django.urls import path

from joinedup.linkage import views

app_name = "linkage"

urlpatterns = [
    path("review/", views.queue, name="queue"),
    path("review/decide/", views.queue_decide, name="queue_decide"),
    path("review/<uuid:pair_uuid>/", views.pair_review, name="pair"),
    path("review/<uuid:pair_uuid>/reopen/", views.pair_reopen, name="pair_reopen"),
    path("records/<uuid:record_uuid>/matches/", views.record_matches, name="record_matches"),
    path("models/", views.models, name="models"),
    path("models/<uuid:model_uuid>/", views.model_detail, name="model"),
    path("models/<uuid:model_uuid>/activate/", views.model_activate, name="model_activate"),
    path("joins/<uuid:join_uuid>/split/", views.split, name="split"),
    path("joins/<uuid:join_uuid>/split/part/", views.split_part, name="split_part"),
    path("checks/", views.checks, name="checks"),
    path("checks/<uuid:check_uuid>/", views.check, name="check"),
]
