from django.apps import AppConfig


class ParticipationConfig(AppConfig):
    name = "joinedup.participation"
    label = "participation"
    verbose_name = "Youth participation"

    def ready(self) -> None:
        from joinedup.children.sections import register_child_section
        from joinedup.participation.sections import voices_section

        register_child_section(voices_section)

        # Menu items (drawn by the shell; each shown only to roles that may use the page).
        from joinedup.core.registry import NavEntry, register_nav
        from joinedup.partnership.access import user_can
        from joinedup.partnership.roles import Perm

        register_nav(
            NavEntry(
                key="participation",
                label="Participation",
                url_name="participation:directory",
                order=100,
                shown=lambda user: (
                    user_can(user, Perm.MANAGE_PARTICIPATION) or user_can(user, Perm.VIEW_PARTICIPATION_COVERAGE)
                ),
            )
        )

        from joinedup.children.reassign import register_child_follower
        from joinedup.participation.models import Contribution

        # A young person's words follow them through joins and splits of records.
        register_child_follower(Contribution)
