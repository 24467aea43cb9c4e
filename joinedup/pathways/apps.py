from django.apps import AppConfig


class PathwaysConfig(AppConfig):
    name = "joinedup.pathways"
    label = "pathways"

    def ready(self) -> None:
        from joinedup.children.links import register_link_source
        from joinedup.partnership.access import register_in_work_rule
        from joinedup.pathways.rules import cases_in_work, named_together, referrals_in_work

        # A child is in an agency's work when it leads an open case on them, has been
        # offered one, or referred them and the referral is still open.
        register_in_work_rule(cases_in_work)
        register_in_work_rule(referrals_in_work)
        # Children on the same open case's meetings are linked for safe cohorts.
        register_link_source(named_together)

        from joinedup.children.sections import register_child_section
        from joinedup.pathways.sections import processes_section

        register_child_section(processes_section)

        from joinedup.children.reassign import register_child_follower
        from joinedup.pathways.models import Case

        # A case follows its child through joins and splits of records.
        register_child_follower(Case)
