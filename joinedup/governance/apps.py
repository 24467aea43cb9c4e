from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "joinedup.governance"
    label = "governance"
    verbose_name = "Information governance"

    def ready(self) -> None:
        # The subject access pack is made by the worker (jobs/registry.py).
        from joinedup.governance.jobs import register as register_jobs

        register_jobs()

        # Menu items (drawn by the shell; each shown only to roles that may use the page).
        from joinedup.core.registry import NavEntry, register_nav
        from joinedup.partnership.access import user_can
        from joinedup.partnership.roles import Perm

        register_nav(
            NavEntry(
                key="governance",
                label="Governance",
                url_name="governance:index",
                order=90,
                shown=lambda user: user_can(user, Perm.VIEW_AUDIT),
            )
        )
        register_nav(
            NavEntry(
                key="agreements",
                label="Agreements",
                url_name="governance:agreements",
                order=95,
                shown=lambda user: not user_can(user, Perm.VIEW_AUDIT) and user_can(user, Perm.SEARCH_CHILDREN),
            )
        )
