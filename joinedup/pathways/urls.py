from django.urls import path

from joinedup.pathways import views

app_name = "pathways"

urlpatterns = [
    path("", views.definitions, name="definitions"),
    path("definitions/<str:key>/", views.definition_detail, name="definition"),
    path("alignment/", views.align, name="align"),
    path("parallel/", views.parallel, name="parallel"),
    path("screening/", views.screening_queue, name="screening"),
    path("screening/<uuid:referral_uuid>/", views.screen, name="screen"),
    path("cases/<uuid:case_uuid>/", views.case_detail, name="case"),
    path("handovers/<uuid:handover_uuid>/", views.handover_decide, name="handover"),
    path("tasks/", views.tasks, name="tasks"),
]
