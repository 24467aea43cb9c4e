from django.apps import AppConfig


class ChronologyConfig(AppConfig):
    """The child seen whole: at a glance, and a multi-agency chronology."""

    name = "joinedup.chronology"
    label = "chronology"
    verbose_name = "The child seen whole"

    def ready(self) -> None:
        # The MACE meeting pack is made by the worker (jobs/registry.py), started from the MACE list.
        from joinedup.chronology.packs import register as register_jobs

        register_jobs()

        from joinedup.children.sections import register_child_section
        from joinedup.chronology.sections import chronology_section, glance_section

        register_child_section(glance_section, top=True)
        register_child_section(chronology_section)

        from joinedup.children.reassign import register_child_follower
        from joinedup.chronology.models import RecordCheckRequest, SignificantEvent

        # An agency's events and check requests follow the child through joins and splits.
        register_child_follower(SignificantEvent)
        register_child_follower(RecordCheckRequest)

        from joinedup.chronology.services import record_check_for_a_join
        from joinedup.linkage.asks import register_record_check_asker

        # A reviewer confirming a join whose records disagree asks the holder to check, as here.
        register_record_check_asker(record_check_for_a_join)
