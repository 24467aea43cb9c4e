from django.apps import AppConfig


class ShellConfig(AppConfig):
    """The project shell: home page, header and navigation, filled from core.registry."""

    name = "joinedup.shell"
    label = "shell"

    def ready(self) -> None:
        from joinedup.core.registry import NavEntry, register_nav
        from joinedup.partnership.access import user_can
        from joinedup.partnership.roles import Perm

        register_nav(NavEntry(key="home", label="Home", url_name="home", order=0, shown=lambda user: True))
        register_nav(
            NavEntry(
                key="api_tokens",
                label="API tokens",
                url_name="tokens",
                order=950,
                shown=lambda user: user_can(user, Perm.USE_API),
            )
        )
        register_nav(
            NavEntry(
                key="admin",
                label="Admin",
                url_name="admin:index",
                order=990,
                shown=lambda user: user_can(user, Perm.ADMIN_PARTNERSHIP),
            )
        )
