from django.apps import AppConfig


class LinkageConfig(AppConfig):
    name = "joinedup.linkage"
    label = "linkage"
    verbose_name = "Joining the dots"

    def ready(self) -> None:
        from joinedup.children.sections import register_child_section
        from joinedup.linkage.sections import history_section

        register_child_section(history_section)
