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
    path("cases/<uuid:case_uuid>/meetings/", views.case_meeting, name="case_meeting"),
    path("cases/<uuid:case_uuid>/events/", views.case_event, name="case_event"),
    path("cases/<uuid:case_uuid>/move/", views.case_move, name="case_move"),
    path("cases/<uuid:case_uuid>/key-people/", views.case_key_people, name="case_key_people"),
    path("cases/<uuid:case_uuid>/handover/", views.case_handover, name="case_handover"),
    path("cases/<uuid:case_uuid>/tasks/take/", views.task_take, name="task_take"),
    path("handovers/<uuid:handover_uuid>/", views.handover_decide, name="handover"),
    path("tasks/", views.tasks, name="tasks"),
    path("mace/", views.mace, name="mace"),
]
