from django.apps import AppConfig


class LinkageConfig(AppConfig):
    name = "joinedup.linkage"
    label = "linkage"
    verbose_name = "Joining the dots"

    def ready(self) -> None:
        from joinedup.children.sections import register_child_section
        from joinedup.children.services import register_record_created_hook
        from joinedup.linkage.sections import history_section
        from joinedup.linkage.services import intake_hook

        register_child_section(history_section)
        # Every new agency record (page, API, referral and bulk import) is matched as it is created.
        register_record_created_hook(intake_hook)
