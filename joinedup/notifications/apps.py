from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "joinedup.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from joinedup.core.registry import NavEntry, register_nav
        from joinedup.notifications.selectors import unread_count

        # Last in the menu, for everyone signed in, with the unread count beside it.
        register_nav(
            NavEntry(
                key="notifications",
                label="Notifications",
                url_name="notifications:list",
                order=1000,
                shown=lambda user: True,
                badge=unread_count,
                badge_label="unread",
            )
        )
