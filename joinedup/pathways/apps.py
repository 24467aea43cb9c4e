from django.apps import AppConfig


class PathwaysConfig(AppConfig):
    name = "joinedup.pathways"
    label = "pathways"
