from django.apps import AppConfig


class LinkageConfig(AppConfig):
    default = True
    name = "joinedup.linkage"
    label = "linkage"
    verbose_name = "Joining the dots"

    def ready(self) -> None:
        from joinedup.children.sections import register_child_section
        from joinedup.children.services import register_record_created_hook
        from joinedup.linkage.sections import history_section
        from joinedup.linkage.services import intake_hook

        register_child_section(history_section)

        from joinedup.children.matching import register_possible_matches
        from joinedup.children.reassign import register_split_destinations
        from joinedup.linkage.access import possible_matches_for_new_record
        from joinedup.linkage.selectors import split_destinations_of

        # A child a split emptied says where its records went.
        register_split_destinations(split_destinations_of)

        # The record pages ask how many possible matches a new record has.
        register_possible_matches(possible_matches_for_new_record)
        # Every new agency record (page, API, referral and bulk import) is matched as it is created.
        register_record_created_hook(intake_hook)

        # Training and batch runs are background jobs (joinedup/jobs runs them; linkage/jobs.py says what they do).
        from joinedup.linkage.jobs import register as register_jobs

        register_jobs()

        # Menu items (drawn by the shell; each shown only to roles that may use the page).
        from joinedup.core.registry import NavEntry, register_nav
        from joinedup.partnership.access import user_can
        from joinedup.partnership.roles import Perm

        register_nav(
            NavEntry(
                key="possible_matches",
                label="Possible matches",
                url_name="linkage:queue",
                order=60,
                shown=lambda user: user_can(user, Perm.REVIEW_MATCHES),
            )
        )
        register_nav(
            NavEntry(
                key="join_checks",
                label="Joins to check",
                url_name="linkage:checks",
                order=61,
                shown=lambda user: user_can(user, Perm.REVIEW_MATCHES),
            )
        )
        from joinedup.core.registry import HomePanel, register_home_panel
        from joinedup.linkage.panels import possible_matches_panel

        # A reviewer sees on home what waits in the queue, counted as the queue counts it.
        register_home_panel(
            HomePanel(
                key="possible_matches",
                template="linkage/partials/home_panel.html",
                order=30,
                context=possible_matches_panel,
            )
        )
        register_nav(
            NavEntry(
                key="linkage_models",
                label="Linkage models",
                url_name="linkage:models",
                order=960,
                shown=lambda user: user_can(user, Perm.ADMIN_PARTNERSHIP),
            )
        )


class LinkFilesConfig(AppConfig):
    """The linkage app as `manage.py link_files` needs it when it reads no stored model
    (settings.py installs only this then): its commands, without the models, hooks and
    menus of a running Joined Up. Loading every app costs a data officer's run half a
    second and 50 MB before it reads a line."""

    name = "joinedup.linkage"
    label = "linkage"
    verbose_name = "Joining the dots (link_files)"

    def import_models(self) -> None:
        self.models = self.apps.all_models[self.label]
