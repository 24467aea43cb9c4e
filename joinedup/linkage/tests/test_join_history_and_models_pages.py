"""What a walk-through of the join history, the split page, the models page and a training job's
page found, each held by a test: counts of records joined, "Split" for a join and "Split again"
only for records split before, a finished job that says it finished, training from the page."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from joinedup.conftest import make_record, same_child
from joinedup.jobs import services as job_services
from joinedup.linkage.jobs import LINKAGE_TRAIN
from joinedup.linkage.models import ChildJoin
from joinedup.linkage.sections import records_joined
from joinedup.linkage.services import child_merge, child_unmerge

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _history(world: Any, child: Any) -> str:
    page = _client(world.users["screener"]).get(reverse("children:detail", args=[child.uuid])).content.decode()
    return page[page.index('id="join-history"') : page.index("</table>", page.index('id="join-history"'))]


def _row(history: str, join: ChildJoin) -> str:
    at = history.index(f"/linkage/joins/{join.uuid}/split/") if f"{join.uuid}" in history else None
    assert at is not None, "the join's row has no split link"
    return history[history.rindex("<tr", 0, at) : history.index("</tr>", at)]


# --- 10. how many records a join brought together ---------------------------------------------


def test_the_history_counts_the_records_a_join_brought_together_not_only_those_moved(world: Any) -> None:
    held = same_child(make_record(world), make_record(world, agency="police"))  # two records already
    newcomer = make_record(world, agency="health")
    join = child_merge(actor=None, children=[held, newcomer.child], reason="Matched")
    assert join is not None and join.target_id == held.pk and len(join.moves) == 1
    row = _row(_history(world, held), join)
    assert "Joined: 3 records, 1 moved in from another child" in row


def test_records_joined_works_back_through_splits_and_later_joins(world: Any) -> None:
    a, b, c = make_record(world), make_record(world, agency="police"), make_record(world, agency="health")
    first = child_merge(actor=None, children=[a.child, b.child], reason="Matched")
    assert first is not None
    second = child_merge(actor=None, children=[a.child, c.child], reason="Matched")
    assert second is not None
    split = child_unmerge(actor=world.users["screener"], join=second, reason="Not the same child")
    child = first.target
    joins = list(ChildJoin.objects.filter(target=child))
    now = {r.pk for r in child.records.all()}
    assert now == {a.pk, b.pk}
    counts = records_joined(joins, held_now=now)
    assert counts == {first.pk: 2, second.pk: 3}
    assert split.pk not in counts  # a split's count is what it sent away, from its moves


# --- 11. "Split" for a join; "Split again" only for records split before ---------------------


def test_a_join_never_split_offers_split_and_a_rejoin_offers_split_again(world: Any) -> None:
    a, b = make_record(world), make_record(world, agency="police")
    once = child_merge(actor=None, children=[a.child, b.child], reason="Matched")
    assert once is not None
    history = _history(world, once.target)
    row = _row(history, once)
    assert ">Split<span" in row and "Split again" not in row
    split_page = _client(world.users["screener"]).get(reverse("linkage:split", args=[once.uuid])).content.decode()
    assert "Split this join" in split_page and "Split these records again" not in split_page

    child_unmerge(actor=world.users["screener"], join=once, reason="Different dates of birth")
    b.refresh_from_db()
    again = child_merge(actor=None, children=[once.target, b.child], reason="Reviewed: same child after all")
    assert again is not None
    row = _row(_history(world, once.target), again)
    assert "Split again" in row
    split_page = _client(world.users["screener"]).get(reverse("linkage:split", args=[again.uuid])).content.decode()
    assert "Split these records again" in split_page


# --- 7. a finished training job says it finished, with its result -----------------------------


def test_a_finished_training_job_says_it_finished_with_its_result(world: Any) -> None:
    admin = world.users["partnership_admin"]
    job = job_services.job_start(actor=admin, kind=LINKAGE_TRAIN)
    # As the worker leaves it (jobs/tasks.py): the handler's last report, then success.
    job_services.job_begin(job=job)
    job_services.job_progress(job=job, message="Training on 60 agency records (Splink, unsupervised)", step=1)
    job_services.job_succeed(job=job, result="Model v2 trained on 60 agency records.", result_url="/linkage/models/")
    page = _client(admin).get(reverse("jobs:detail", args=[job.uuid])).content.decode()
    progress = page[page.index('id="job-progress"') :].split("</dd>")[0]
    assert "Finished" in progress and "Step 2 of 2 done" in progress
    assert "Training on" not in progress
    assert "Model v2 trained on 60 agency records." in page
    assert "updates itself while the job runs" not in page
    partial = _client(admin).get(reverse("jobs:detail", args=[job.uuid]), headers={"HX-Request": "true"})
    assert "hx-get" not in partial.content.decode() and "This job has ended" in partial.content.decode()


def test_a_running_job_still_says_which_step_it_is_on(world: Any) -> None:
    admin = world.users["partnership_admin"]
    job = job_services.job_start(actor=admin, kind=LINKAGE_TRAIN)
    job_services.job_begin(job=job)
    job_services.job_progress(job=job, message="Training on 60 agency records (Splink, unsupervised)", step=1)
    page = _client(admin).get(reverse("jobs:detail", args=[job.uuid])).content.decode()
    assert "Step 1 of 2: Training on 60 agency records" in page and "updates itself" in page


# --- 8. the models page says training is done from the page ------------------------------------


def test_the_models_page_tells_an_admin_to_train_from_the_page(world: Any) -> None:
    page = _client(world.users["partnership_admin"]).get(reverse("linkage:models")).content.decode()
    assert "Train a new model" in page
    about = page[page.index('id="how-trained"') :].split("</p>")[0]
    assert "manage.py linkage_train" not in page and "Train a new one with" in about


def test_the_models_page_tells_a_reviewer_an_admin_trains_models(world: Any) -> None:
    page = _client(world.users["screener"]).get(reverse("linkage:models")).content.decode()
    assert "Train a new model</button>" not in page
    assert "A partnership admin trains new models from this page." in page
    assert "manage.py linkage_train" not in page


def test_the_models_page_writes_its_figures_as_the_run_result_does(world: Any, trained: dict[str, Any]) -> None:
    """The job's result said "5,750 pairs scored" and the runs table "5750" for the same run."""
    from django.utils import timezone

    from joinedup.linkage.models import LinkageRun
    from joinedup.linkage.services import linkage_model_save

    model = linkage_model_save(
        actor=world.users["partnership_admin"],
        parameters=trained,
        summary={"records": 4979},
    )
    run = LinkageRun.objects.create(
        model=model,
        finished_at=timezone.now(),
        figures={"pairs_scored": 5750, "children_joined": 1416, "to_review": 45, "kept_apart": 1200},
    )
    page = _client(world.users["partnership_admin"]).get(reverse("linkage:models")).content.decode()
    runs = page[page.index('id="runs"') :]
    assert "5,750" in runs and "1,416" in runs and "1,200" in runs and "5750" not in runs
    assert run.summary().startswith("5,750 pairs scored")
    models = page[page.index('id="models"') : page.index('id="runs"')]
    assert "4,979" in models
    detail = _client(world.users["partnership_admin"]).get(reverse("linkage:model", args=[model.uuid]))
    assert "4,979" in detail.content.decode()


def test_a_runs_summary_says_one_child_joined_not_one_children() -> None:
    from joinedup.linkage.models import LinkageRun

    run = LinkageRun(figures={"pairs_scored": 1, "children_joined": 1, "to_review": 2, "kept_apart_by_rule": 1})
    assert run.summary().startswith("1 pair scored, 1 child joined, 2 sent for review, 1 kept apart (1 by a rule")
