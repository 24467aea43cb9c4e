from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "joinedup.referrals"
    label = "referrals"

    def ready(self) -> None:
        from joinedup.children.reassign import register_child_follower
        from joinedup.referrals.models import Referral

        # A referral follows its child through joins and splits of records.
        register_child_follower(Referral)
