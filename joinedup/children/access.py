"""Who may reach the children app's objects, built on the policy core in partnership/access.py."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db.models import Max, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from joinedup.children.models import (
    FIELD_CATEGORIES,
    AgencyRecord,
    BreakGlassGrant,
    Child,
    HandlingCode,
    IntelligenceItem,
)
from joinedup.core.lookups import ids_in
from joinedup.partnership.access import (
    _NOT_FOUND,
    ALL_CATEGORIES,
    Grant,
    child_ids_in_work,
    child_in,
    children_in_work,
    children_in_work_among,
    membership_for,
    partner_grants,
    register_in_work_rule,
    require,
)
from joinedup.partnership.models import Agency, Membership
from joinedup.partnership.roles import DataCategory, Perm, Purpose, role_can, role_may_act_for


def _holds_a_record(agency: Agency) -> QuerySet[AgencyRecord, Any]:

    return AgencyRecord.objects.filter(agency=agency, erased_at__isnull=True).values("child_id")


register_in_work_rule(_holds_a_record)


def _break_glass_children(user: Any) -> QuerySet[BreakGlassGrant, Any]:

    return BreakGlassGrant.objects.filter(
        user=user, starts_at__lte=timezone.now(), expires_at__gt=timezone.now()
    ).values("child_id")


def break_glass_open_until(*, user: Any) -> dict[int, dt.datetime]:
    """The user's own emergency access still open: for each child, when the latest grant ends."""
    now = timezone.now()
    return dict(
        BreakGlassGrant.objects.filter(user=user, starts_at__lte=now, expires_at__gt=now)
        .values("child_id")
        .annotate(until=Max("expires_at"))
        .values_list("child_id", "until")
    )


def active_break_glass(*, user: Any, child: Child) -> BreakGlassGrant | None:
    """The user's unexpired break-glass grant on this child, if any."""

    now = timezone.now()
    return (
        BreakGlassGrant.objects.filter(user=user, child=child, starts_at__lte=now, expires_at__gt=now)
        .order_by("-expires_at")
        .first()
    )


def agency_records_visible_to(user: Any) -> QuerySet[AgencyRecord]:
    """Agency records the user may read in full as the holder: their own agency's."""

    membership = membership_for(user)
    if membership is None:
        return AgencyRecord.objects.none()
    if not role_can(membership.role, Perm.VIEW_CHILD):
        return AgencyRecord.objects.none()
    return AgencyRecord.objects.filter(agency_id=membership.agency_id, erased_at__isnull=True)


def children_visible_to(user: Any) -> QuerySet[Child]:
    """Children the user may open: those in their work, and those they broke glass for."""

    membership = membership_for(user)
    if membership is None:
        return Child.objects.none()
    if not role_can(membership.role, Perm.VIEW_CHILD):
        return Child.objects.none()
    return Child.objects.filter(children_in_work(membership) | child_in(_break_glass_children(user)))


def children_visible_among(user: Any, ids: list[int]) -> QuerySet[Child]:
    """children_visible_to among a known handful of children (`children_in_work_among`)."""
    membership = membership_for(user)
    if membership is None or not role_can(membership.role, Perm.VIEW_CHILD):
        return Child.objects.none()
    glass = _break_glass_children(user).filter(ids_in("child_id", ids))
    # `pk IN ids` outermost as well: under the OR alone PostgreSQL cannot see that every row
    # comes from `ids`, and reads the whole table (60 ms at a million children) for a handful.
    return Child.objects.filter(ids_in("pk", ids), children_in_work_among(membership, ids) | Q(pk__in=glass))


def child_ids_visible_to(user: Any, field: str) -> Q:
    """children_visible_to as a filter on a child id `field` of many rows (child_ids_in_work:
    each rule read once, for a query over thousands of rows)."""
    membership = membership_for(user)
    if membership is None or not role_can(membership.role, Perm.VIEW_CHILD):
        return Q(**{f"{field}__in": []})
    return child_ids_in_work(membership, field) | Q(**{f"{field}__in": _break_glass_children(user)})


@dataclass
class SharedRecord:
    """A partner agency's record as this user may see it: only the categories granted."""

    record: AgencyRecord
    grant: Grant
    fields: dict[str, Any] = field(default_factory=dict)
    intelligence: list[IntelligenceItem] = field(default_factory=list)

    @property
    def categories_shown(self) -> list[str]:

        shown = {FIELD_CATEGORIES[name] for name in self.fields}
        if self.intelligence:
            shown.add(DataCategory.POLICE_INTELLIGENCE)
        return sorted(shown)


@dataclass
class ChildAccess:
    """Everything one user may see of one child for one purpose, with its basis."""

    child: Child
    purpose: str
    membership: Membership
    own_records: list[AgencyRecord]
    shared: list[SharedRecord]
    know_of: list[tuple[AgencyRecord, Grant]]
    break_glass: BreakGlassGrant | None
    # The agreements' grants to the user's agency for `purpose`, by partner agency id, as the
    # policy found them opening the child: what else is read of the child asks these, once.
    grants: dict[int, Grant] = field(default_factory=dict)
    # Reads of the opened child that several parts of one page share (the chronology's sources),
    # keyed by who reads them. A ChildAccess lives for one request, so nothing here goes stale.
    reads: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def all_records(self) -> list[AgencyRecord]:
        return [*self.own_records, *(s.record for s in self.shared)]


def read_once(access: Any, key: Any, load: Callable[[], list[Any]]) -> list[Any]:
    """`load()` the first time a part of one request asks for `key` of the opened child (`access`,
    a ChildAccess, which lives for one request), and the same rows for every later part."""
    if key not in access.reads:
        access.reads[key] = load()
    rows: list[Any] = access.reads[key]
    return rows


def _shared_view(record: AgencyRecord, grant: Grant) -> SharedRecord:

    fields = {name: getattr(record, name) for name, category in FIELD_CATEGORIES.items() if grant.covers(category)}
    intelligence: list[IntelligenceItem] = []
    if grant.covers(DataCategory.POLICE_INTELLIGENCE):
        for item in record.intelligence.all():
            # Handling code C needs an agreement that accepts conditions (or break-glass).
            if item.handling_code == HandlingCode.P or grant.accepts_conditional_intelligence:
                intelligence.append(item)
    return SharedRecord(record=record, grant=grant, fields=fields, intelligence=intelligence)


def child_access(*, user: Any, child_uuid: UUID | str, purpose: str) -> ChildAccess:
    """Open a child for `purpose`: own records, shared records and know-of entries; 404 otherwise."""

    membership = _acting_membership(user, purpose)
    try:
        child = _held_child(membership, child_uuid) or children_visible_to(user).get(uuid=child_uuid)
    except _NOT_FOUND as exc:
        raise Http404 from exc
    return _open_child(user=user, membership=membership, child=child, purpose=purpose)


def _held_child(membership: Membership, child_uuid: UUID | str) -> Child | None:
    """The child, if the member's agency holds a live record of them and their role may view
    children: the policy's first rule (`_holds_a_record`) alone decides, so a child page, most of
    which are of children the agency holds, is opened without building every in-work rule.
    None otherwise (not held, or not found): the caller then asks the whole policy."""
    if not role_can(membership.role, Perm.VIEW_CHILD):
        return None
    held = _holds_a_record(membership.agency).values("child_id")
    return Child.objects.filter(uuid=child_uuid, pk__in=held).first()


def child_access_of_visible(
    *, user: Any, child: Child, purpose: str, grants: dict[int, Grant] | None = None
) -> ChildAccess:
    """`child_access` for a child the caller has just read through `children_visible_to(user)`
    in this same request (a list of the user's children): the same checks of the user and the
    purpose, without asking the database again whether the child is visible. `grants`, when
    given, must be `partner_grants` of the user's membership for `purpose`, read in this request
    (a list opening several children reads the agreements once)."""
    membership = _acting_membership(user, purpose)
    return _open_child(user=user, membership=membership, child=child, purpose=purpose, grants=grants)


def _acting_membership(user: Any, purpose: str) -> Membership:
    """The user's membership, if they may act for `purpose`; 404 otherwise."""
    membership = membership_for(user)
    if membership is None:
        raise Http404
    if purpose not in Purpose.values:
        raise Http404
    if not role_may_act_for(membership.role, purpose):
        raise Http404
    return membership


def _open_child(
    *, user: Any, membership: Membership, child: Child, purpose: str, grants: dict[int, Grant] | None = None
) -> ChildAccess:
    """What `membership` may see of a child it may open, for `purpose`."""
    glass = active_break_glass(user=user, child=child)
    if grants is None:
        grants = partner_grants(membership=membership, purpose=purpose)
    records = (
        AgencyRecord.objects.filter(child=child, erased_at__isnull=True)
        .select_related("agency", "area", "district", "created_by", "updated_by")
        .prefetch_related("intelligence", "agency__areas")
        .order_by("-updated_at")
    )
    own, shared, know_of = [], [], []
    for record in records:
        if record.agency_id == membership.agency_id:
            own.append(record)
            continue
        if glass is not None:
            shared.append(
                _shared_view(
                    record,
                    Grant(
                        level="content",
                        categories=ALL_CATEGORIES,
                        break_glass=glass,
                        accepts_conditional_intelligence=True,
                    ),
                )
            )
            continue
        grant = grants.get(record.agency_id)
        if grant is None:
            continue
        if grant.level == "content":
            shared.append(_shared_view(record, grant))
        else:
            know_of.append((record, grant))
    return ChildAccess(
        child=child,
        purpose=purpose,
        membership=membership,
        own_records=own,
        shared=shared,
        know_of=know_of,
        break_glass=glass,
        grants=grants,
    )


def child_get_for_user(*, user: Any, child_uuid: UUID | str, purpose: str) -> Child:
    """The child, if the user may open it for `purpose`; 404 otherwise."""
    return child_access(user=user, child_uuid=child_uuid, purpose=purpose).child


def child_get_for_break_glass(*, user: Any, child_uuid: UUID | str) -> Child:
    """A child in the user's partnership they may break glass for; 403 without the permission."""

    membership = require(user, Perm.BREAK_GLASS)
    try:
        return (
            Child.objects.filter(records__agency__partnership_id=membership.agency.partnership_id)
            .distinct()
            .get(uuid=child_uuid)
        )
    except _NOT_FOUND as exc:
        raise Http404 from exc


def child_get_for_subject_access(*, user: Any, child_uuid: UUID | str) -> Child:
    """Any child in the DPO's partnership, for a subject access request; 404 if none, 403 if not a DPO."""

    membership = require(user, Perm.SUBJECT_ACCESS)
    try:
        return (
            Child.objects.filter(records__agency__partnership_id=membership.agency.partnership_id)
            .distinct()
            .get(uuid=child_uuid)
        )
    except _NOT_FOUND as exc:
        raise Http404 from exc


@dataclass
class SearchScope:
    """What a search may reach beyond the user's own records: partners' records, for knowing-of.

    Only existence is shared this way, whatever an agreement's level: content
    needs the child to be in the user's work.
    """

    membership: Membership | None
    grants: dict[int, Grant]

    @property
    def partner_records(self) -> QuerySet[AgencyRecord]:

        if not self.grants:
            return AgencyRecord.objects.none()
        return AgencyRecord.objects.filter(agency_id__in=list(self.grants), erased_at__isnull=True)

    def know_of(self, records: Iterable[AgencyRecord]) -> list[tuple[AgencyRecord, Grant]]:
        """Of `records`, those the user's agency may know of, with the grant that allows it."""
        own = self.membership.agency_id if self.membership else None
        return [(r, self.grants[r.agency_id]) for r in records if r.agency_id in self.grants and r.agency_id != own]


def search_scope(*, user: Any, purpose: str) -> SearchScope:
    """The partner records a user's search may reveal the existence of, for `purpose`."""
    membership = membership_for(user)
    if membership is None or not role_can(membership.role, Perm.SEARCH_CHILDREN):
        return SearchScope(membership=None, grants={})
    return SearchScope(membership=membership, grants=partner_grants(membership=membership, purpose=purpose))


def agency_record_get_for_user(*, user: Any, record_uuid: UUID | str) -> AgencyRecord:
    """An agency record the user's own agency holds; 404 otherwise."""
    try:
        return agency_records_visible_to(user).select_related("child", "agency").get(uuid=record_uuid)
    except _NOT_FOUND as exc:
        raise Http404 from exc


def agency_record_get_for_change(*, user: Any, record_uuid: UUID | str) -> AgencyRecord:
    """An agency record the user may change: 404 if unseen, 403 if seen but not editable."""
    record = agency_record_get_for_user(user=user, record_uuid=record_uuid)
    membership = require(user, Perm.EDIT_AGENCY_RECORD)
    # Only the holding agency changes its own record.
    if record.agency_id != membership.agency_id:
        raise PermissionDenied("Only the agency that holds this record can change it.")
    return record


def agency_for_new_record(user: Any) -> Agency:
    """The agency a new record will belong to: the user's own; 403 if the role may not create."""
    return require(user, Perm.CREATE_AGENCY_RECORD).agency


def pseudonymised_children(user: Any) -> QuerySet[Child]:
    """Children of the analyst's partnership, for pseudonymised views only; 403 for other roles."""

    membership = require(user, Perm.VIEW_PSEUDONYMISED)
    return Child.objects.filter(
        records__agency__partnership_id=membership.agency.partnership_id, records__erased_at__isnull=True
    ).distinct()
