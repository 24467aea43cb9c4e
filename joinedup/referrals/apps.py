from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "joinedup.referrals"
    label = "referrals"

    def ready(self) -> None:
        # Files over IN_REQUEST_ROWS rows are imported by the worker (jobs/registry.py).
        from joinedup.referrals.jobs import register as register_jobs

        register_jobs()

        # Menu items (drawn by the shell; each shown only to roles that may use the page).
        from joinedup.core.registry import NavEntry, register_nav
        from joinedup.partnership.access import user_can
        from joinedup.partnership.roles import Perm

        register_nav(
            NavEntry(
                key="raise_concern",
                label="Raise a concern",
                url_name="referrals:new",
                order=30,
                shown=lambda user: user_can(user, Perm.RAISE_REFERRAL),
            )
        )

        from joinedup.core.registry import HomePanel, register_home_panel
        from joinedup.referrals.panels import draft_referrals_panel

        # Drafts wait on home, as the referral form says they will.
        register_home_panel(
            HomePanel(
                key="draft_referrals",
                template="referrals/partials/drafts.html",
                order=20,
                context=draft_referrals_panel,
            )
        )

        from joinedup.children.reassign import register_child_follower
        from joinedup.referrals.models import Referral

        # A referral follows its child through joins and splits of records.
        register_child_follower(Referral)

        from joinedup.linkage.priority import register_open_process
        from joinedup.referrals.selectors import children_with_open_referrals

        # A possible match touching a child whose referral waits for screening is reviewed first.
        register_open_process(children_with_open_referrals, label="an open referral")
