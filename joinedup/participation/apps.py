from django.apps import AppConfig


class ParticipationConfig(AppConfig):
    name = "joinedup.participation"
    label = "participation"
    verbose_name = "Youth participation"

    def ready(self) -> None:
        from joinedup.children.sections import register_child_section
        from joinedup.participation.sections import voices_section

        register_child_section(voices_section)

        from joinedup.children.reassign import register_child_follower
        from joinedup.participation.models import Contribution

        # A young person's words follow them through joins and splits of records.
        register_child_follower(Contribution)
