from django.apps import AppConfig


class ChildrenConfig(AppConfig):
    name = "joinedup.children"
    label = "children"

    def ready(self) -> None:
        # Importing the app's access rules registers "holds a record" as a way a child is in an
        # agency's work (partnership.access.register_in_work_rule).
        from joinedup.children import access  # noqa: F401

        # Menu items (drawn by the shell; each shown only to roles that may use the page).
        from joinedup.core.registry import NavEntry, register_nav
        from joinedup.partnership.access import user_can
        from joinedup.partnership.roles import Perm

        register_nav(
            NavEntry(
                key="find_child",
                label="Find a child",
                url_name="children:search",
                order=10,
                shown=lambda user: user_can(user, Perm.SEARCH_CHILDREN),
            )
        )
        register_nav(
            NavEntry(
                key="add_record",
                label="Add a record",
                url_name="children:record_create",
                order=20,
                shown=lambda user: user_can(user, Perm.CREATE_AGENCY_RECORD),
            )
        )
        register_nav(
            NavEntry(
                key="pseudonymised",
                label="Pseudonymised data",
                url_name="children:pseudonymised_list",
                order=80,
                shown=lambda user: user_can(user, Perm.VIEW_PSEUDONYMISED),
            )
        )

        from joinedup.children.panels import recent_children_panel
        from joinedup.core.registry import HomePanel, register_home_panel

        register_home_panel(
            HomePanel(
                key="recent_children",
                template="children/partials/home_panel.html",
                order=10,
                context=recent_children_panel,
            )
        )
