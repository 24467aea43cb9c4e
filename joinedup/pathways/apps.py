from django.apps import AppConfig


class PathwaysConfig(AppConfig):
    name = "joinedup.pathways"
    label = "pathways"

    def ready(self) -> None:
        from joinedup.children.links import register_link_source
        from joinedup.partnership.access import register_in_work_rule
        from joinedup.partnership.roles import Perm
        from joinedup.pathways.rules import (
            cases_at_panel,
            cases_in_work,
            named_together,
            referrals_in_work,
            referrals_to_screen,
        )

        # A child is in an agency's work when it leads an open case on them, has been
        # offered one, or referred them and the referral is still open.
        register_in_work_rule(cases_in_work)
        register_in_work_rule(referrals_in_work)
        # And in a screener's while their referral waits in the queue, and in the MACE
        # coordinator's while their case is at the panel.
        register_in_work_rule(referrals_to_screen, perm=Perm.SCREEN_REFERRALS)
        register_in_work_rule(cases_at_panel, perm=Perm.RUN_PANELS)
        # Children on the same open case's meetings are linked for safe cohorts.
        register_link_source(named_together)

        from joinedup.children.sections import register_child_section
        from joinedup.pathways.sections import processes_section

        register_child_section(processes_section)

        # Menu items (drawn by the shell; each shown only to roles that may use the page).
        from joinedup.core.registry import NavEntry, register_nav
        from joinedup.partnership.access import user_can
        from joinedup.partnership.roles import Perm

        register_nav(
            NavEntry(
                key="screening",
                label="Screening",
                url_name="pathways:screening",
                order=40,
                shown=lambda user: user_can(user, Perm.SCREEN_REFERRALS),
            )
        )
        register_nav(
            NavEntry(
                key="tasks",
                label="Tasks",
                url_name="pathways:tasks",
                order=50,
                shown=lambda user: user_can(user, Perm.WORK_CASES),
            )
        )
        register_nav(
            NavEntry(
                key="pathways",
                label="Pathways",
                url_name="pathways:definitions",
                order=70,
                shown=lambda user: user_can(user, Perm.VIEW_PATHWAYS),
            )
        )
        register_nav(
            NavEntry(
                key="mace",
                label="MACE",
                url_name="pathways:mace",
                order=55,
                shown=lambda user: user_can(user, Perm.RUN_PANELS),
            )
        )

        from joinedup.children.reassign import register_child_dependent, register_child_follower
        from joinedup.pathways.models import Case

        # A case follows its child through joins and splits of records, and a split that sends
        # the referral that opened it to another child sends the case with it.
        register_child_follower(Case)
        register_child_dependent(Case, parent="referral")

        from joinedup.linkage.priority import register_open_process
        from joinedup.pathways.rules import children_with_open_cases

        # A possible match touching a child on an open case is reviewed first.
        register_open_process(children_with_open_cases, label="an open pathway case")
