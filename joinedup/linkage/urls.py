from django.urls import path

from joinedup.linkage import views

app_name = "linkage"

urlpatterns = [
    path("review/", views.queue, name="queue"),
    path("review/decide/", views.queue_decide, name="queue_decide"),
    path("review/<uuid:pair_uuid>/", views.pair_review, name="pair"),
    path("records/<uuid:record_uuid>/matches/", views.record_matches, name="record_matches"),
    path("models/", views.models, name="models"),
    path("models/<uuid:model_uuid>/", views.model_detail, name="model"),
    path("models/<uuid:model_uuid>/activate/", views.model_activate, name="model_activate"),
    path("joins/<uuid:join_uuid>/split/", views.split, name="split"),
]
