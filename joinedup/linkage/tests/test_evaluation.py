"""A new model is compared with the one in use on pairs whose truth is known, before it is used."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from joinedup.audit.models import AuditEvent
from joinedup.conftest import make_record
from joinedup.linkage.models import CandidatePair, PairStatus
from joinedup.linkage.services import linkage_model_activate, linkage_model_save

D = dt.date


def _decided_pairs(world: Any) -> None:
    """Twenty-four pairs a reviewer decided: the same child at two agencies, and twins."""
    reviewer = world.users["reviewer"] if "reviewer" in world.users else None
    for i in range(12):
        born = D(2010, 1 + i % 12, 3 + i)
        a = make_record(world, given_names=f"Kieran{chr(97 + i)}", family_name="Oduya", date_of_birth=born)
        b = make_record(
            world, agency="police", given_names=f"Kieran{chr(97 + i)}", family_name="Oduya", date_of_birth=born
        )
        twin = make_record(
            world, agency="police", given_names=f"Amara{chr(97 + i)}", family_name="Oduya", date_of_birth=born
        )
        for other, status in ((b, PairStatus.SAME), (twin, PairStatus.NOT_SAME)):
            x, y = sorted((a.pk, other.pk))
            CandidatePair.objects.filter(record_a_id=x, record_b_id=y).delete()
            CandidatePair.objects.create(
                record_a_id=x, record_b_id=y, probability=0.8, match_weight=2, waterfall=[], status=status,
                decided_by=reviewer or world.users["dpo"],
            )  # fmt: skip


def _worse(trained: dict[str, Any]) -> dict[str, Any]:
    """The same model believing two records are almost never one child: it joins nothing."""
    model = copy.deepcopy(trained)
    model["probability_two_random_records_match"] = 1e-15
    return model


@pytest.mark.django_db
def test_a_worse_model_is_put_in_use_only_with_a_reason(world: Any, trained: dict[str, Any]) -> None:
    _decided_pairs(world)
    good = linkage_model_activate(actor=None, model=linkage_model_save(actor=None, parameters=trained, summary={}))
    worse = linkage_model_save(actor=None, parameters=_worse(trained), summary={})
    comparison = worse.training_summary["comparison"]
    (reviewed,) = [s for s in comparison["sources"] if s["name"].startswith("Pairs people decided")]
    assert reviewed["pairs"] == 24 and reviewed["same"] == 12
    assert reviewed["new"]["recall"] < reviewed["active"]["recall"]
    # It joined nothing: it has no precision (it once read 1.0000, as if it were perfect).
    assert reviewed["new"]["joined"] == 0 and reviewed["new"]["precision"] is None
    assert reviewed["new"]["recall"] == 0.0 and reviewed["new"]["f1"] == 0.0
    assert comparison["worse"] and comparison["active_version"] == good.version
    with pytest.raises(ValidationError, match="did worse than model v1"):
        linkage_model_activate(actor=None, model=worse)
    worse.refresh_from_db()
    assert not worse.is_active
    linkage_model_activate(actor=None, model=worse, worse_reason="Trained on this year's school census too")
    event = AuditEvent.objects.filter(event="linkage_model.activated").latest("pk")
    assert event.detail["worse_reason"] == "Trained on this year's school census too"


@pytest.mark.django_db
def test_a_model_as_good_as_the_one_in_use_needs_no_reason(world: Any, trained: dict[str, Any]) -> None:
    _decided_pairs(world)
    linkage_model_activate(actor=None, model=linkage_model_save(actor=None, parameters=trained, summary={}))
    again = linkage_model_save(actor=None, parameters=trained, summary={})
    assert not again.training_summary["comparison"]["worse"]
    assert linkage_model_activate(actor=None, model=again).is_active


@pytest.mark.django_db
def test_the_model_page_shows_the_comparison_and_asks_for_a_reason(world: Any, trained: dict[str, Any]) -> None:
    from django.test import Client
    from django.urls import reverse

    _decided_pairs(world)
    linkage_model_activate(actor=None, model=linkage_model_save(actor=None, parameters=trained, summary={}))
    worse = linkage_model_save(actor=None, parameters=_worse(trained), summary={})
    admin = Client()
    admin.force_login(world.users["partnership_admin"])
    page = admin.get(reverse("linkage:model", args=[worse.uuid])).content.decode()
    assert 'id="comparison-table"' in page and "Pairs people decided in review" in page
    assert "did worse than model v1" in page and 'name="worse_reason"' in page
    table = page[page.index('id="comparison-table"') :].split("</table>")[0]
    row = table[table.index("Pairs people decided in review") :].split("</tr>")[0]
    assert "None joined" in row and "1.0000" not in row
    url = reverse("linkage:model_activate", args=[worse.uuid])
    refused = admin.post(url, {"upper_threshold": "0.7", "lower_threshold": "0.5"})
    assert refused.status_code == 200 and "govuk-error-summary" in refused.content.decode()
    assert 'href="#id_worse_reason"' in refused.content.decode()
    worse.refresh_from_db()
    assert not worse.is_active
    done = admin.post(url, {"upper_threshold": "0.7", "lower_threshold": "0.5", "worse_reason": "New census year"})
    assert done.status_code == 302
    worse.refresh_from_db()
    assert worse.is_active
