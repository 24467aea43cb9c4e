from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "joinedup.ops"
    label = "ops"
    verbose_name = "Running the service"
