"""Ground truth for the generated demo partnership.

Which agency records describe the same invented child. Used only to measure
matching quality (benchmarks and tests); never shown in the UI.
"""

from __future__ import annotations

from django.db import models

from joinedup.children.models import AgencyRecord


class TruthLink(models.Model):
    record = models.OneToOneField(AgencyRecord, on_delete=models.CASCADE, related_name="+")
    person_key = models.BigIntegerField(db_index=True)
    # Children of the same invented family (siblings and twins): hard negatives.
    family_key = models.BigIntegerField(null=True, blank=True, db_index=True)
    corruptions = models.CharField(max_length=200, blank=True)
    # The invented child's heritage group (demo/heritage.py), for recall by group: blank on
    # rows written before the generator recorded one.
    heritage = models.CharField(max_length=40, blank=True)

    def __str__(self) -> str:
        return f"record {self.record_id} is person {self.person_key}"
