from django.apps import AppConfig


class PartnershipConfig(AppConfig):
    name = "joinedup.partnership"
    label = "partnership"
