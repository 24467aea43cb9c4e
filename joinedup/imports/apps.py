from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "joinedup.imports"
    label = "imports"
    verbose_name = "Importing agency records"

    def ready(self) -> None:
        # Files over IN_REQUEST_ROWS rows are imported by the worker (jobs/registry.py).
        from joinedup.imports.jobs import register as register_jobs

        register_jobs()

        from joinedup.core.registry import NavEntry, register_nav
        from joinedup.partnership.access import user_can
        from joinedup.partnership.roles import Perm

        register_nav(
            NavEntry(
                key="import_records",
                label="Import records",
                url_name="imports:new",
                order=25,
                shown=lambda user: user_can(user, Perm.IMPORT_AGENCY_RECORDS),
            )
        )
