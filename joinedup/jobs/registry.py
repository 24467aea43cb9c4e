"""The kinds of background job, each registered by the app that owns the work.

jobs sits just above partnership in the import order, so any app with long
work imports this module and registers its kinds from its
``AppConfig.ready()`` (as menu entries are registered in core/registry.py);
the jobs app runs them without importing any of them. A new kind of job
therefore touches no other app: linkage registers training and runs
(linkage/jobs.py), imports register large record imports.

A kind says:

- ``kind``: the value stored on the Job row (a short, stable slug: rows keep
  it after the code changes, so never rename one that has run);
- ``label``: what the job is called on its page and in the list;
- ``steps``: how many steps its progress bar counts;
- ``handler(job, report)``: the work. It reads what it needs from
  ``job.params`` and ``job.started_by``, calls ``report(message, step)`` as
  it goes (step None keeps the count), writes only through services, and
  returns ``(result in words, link to what it made or "")``. A ``JobError``
  says what the person who started it can fix; any other exception is shown
  as "unexpected" without its text, which may hold record values;
- ``perm``: the permission (partnership/roles.py) needed to start it, and to
  see jobs of this kind others started;
- ``scope``: whose jobs of this kind someone holding ``perm`` sees:
  ``"partnership"`` (training and runs concern the whole partnership),
  ``"agency"`` (an import's result is about one agency's own records) or
  ``"starter"`` (nobody else's: a meeting pack holds what its starter may see,
  which a colleague with the same role may not);
- ``start_form`` and ``start_label``: for kinds started from a button on a
  page (``jobs:start``), the form that turns the POST into ``params`` and the
  button's text. Kinds started by their own page (an import, whose upload
  must be checked first) leave these empty and call
  ``jobs.services.job_start`` from that page's view.

A handler that makes a file for its starter (a PDF pack, an export) keeps
it with ``jobs.services.job_file_save``, naming the audit event each download
writes; the job's page then offers it to whoever may see the job and holds
``perm``, until ``JOBS_FILE_RETENTION_DAYS`` have passed (models.JobFile).

Measure refreshes (the insight app's measures, when they exist) will be one
kind per refresh, registered from the insight app's ready() with
``scope="partnership"`` and the permission that may read the dashboard;
their handler recomputes the stored figures through insight's services and
returns "Measures refreshed to <date>" with a link to the dashboard. None is
registered yet: there are no measures to refresh.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from django import forms
from django.core.exceptions import ValidationError

if TYPE_CHECKING:
    from joinedup.jobs.models import Job

Report = Callable[[str, int | None], None]
Handler = Callable[["Job", Report], tuple[str, str]]
Scope = Literal["partnership", "agency", "starter"]


class JobError(Exception):
    """A failure the person who started the job can act on; its message is shown as it is."""


@dataclass(frozen=True)
class JobKind:
    kind: str
    label: str
    steps: int
    handler: Handler
    perm: str
    scope: Scope = "partnership"
    owner: str = ""
    start_form: type[forms.Form] | None = None
    start_label: str = ""

    def params_from(self, data: Any) -> tuple[dict[str, Any] | None, forms.Form | None]:
        """The job's params from a start POST, or None and the bound form with its errors."""
        if self.start_form is None:
            return {}, None
        form = self.start_form(data)
        if not form.is_valid():
            return None, form
        return {key: value for key, value in form.cleaned_data.items() if value is not None}, form


_KINDS: dict[str, JobKind] = {}


def register_job_kind(
    *,
    kind: str,
    label: str,
    steps: int,
    handler: Handler,
    perm: str,
    scope: Scope = "partnership",
    owner: str = "",
    start_form: type[forms.Form] | None = None,
    start_label: str = "",
) -> JobKind:
    """Register (or, when apps are readied again, replace) one kind of job."""
    if len(kind) > 40 or not kind.replace("_", "").isalnum():
        raise ValueError(f"A job kind is a slug of at most 40 letters, digits and _: {kind!r}")
    if scope not in ("partnership", "agency", "starter"):
        raise ValueError(f"A job kind's scope is 'partnership', 'agency' or 'starter', not {scope!r}")
    entry = JobKind(kind, label, steps, handler, perm, scope, owner, start_form, start_label)
    _KINDS[kind] = entry
    return entry


def job_kind(kind: str) -> JobKind | None:
    return _KINDS.get(kind)


def job_kinds(owner: str | None = None) -> list[JobKind]:
    """Every registered kind (of one owning app, if given), in the order they were registered."""
    return [entry for entry in _KINDS.values() if owner is None or entry.owner == owner]


def validate_job_kind(value: str) -> None:
    """Job.kind's validator: only registered kinds are stored."""
    if value not in _KINDS:
        raise ValidationError(f"Unknown kind of job {value!r}.", code="invalid_choice")
