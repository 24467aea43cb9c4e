"""Reads of children and agency records, always through the access policy.

Searches and child views are audited here, where they happen, so no caller
can forget to.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from joinedup.audit.models import AuditEvent
from joinedup.audit.services import audit_record
from joinedup.children.access import (
    ChildAccess,
    SharedRecord,
    agency_records_visible_to,
    child_access,
    child_access_of_visible,
    children_visible_among,
    children_visible_to,
    pseudonymised_children,
    search_scope,
)
from joinedup.children.models import FIELD_CATEGORIES, AgencyRecord, Channel, Child, Disclosure
from joinedup.children.reassign import split_destinations
from joinedup.children.services import disclosures_record, disclosures_record_many
from joinedup.core.lookups import ids_in
from joinedup.core.text import name_key
from joinedup.core.validators import format_nhs_number, normalise_nhs_number
from joinedup.partnership.access import Grant, membership_for, partner_grants, require
from joinedup.partnership.models import Agency, Area
from joinedup.partnership.roles import DataCategory, Perm, default_purpose, role_may_act_for

SEARCH_LIMIT = 50
# The know-of index answers "who else holds this child?", not a list to browse.
KNOWN_ELSEWHERE_LIMIT = 25

_DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d", "%d %m %Y", "%d.%m.%Y")


def parse_date(text: str) -> dt.date | None:
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            continue
    return None


@dataclass
class SearchTerms:
    names: list[str] = field(default_factory=list)
    nhs_number: str = ""
    date_of_birth: dt.date | None = None
    words: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.names or self.nhs_number or self.date_of_birth)


def parse_query(query: str, date_of_birth: dt.date | None = None) -> SearchTerms:
    """Split what a user typed into names, an NHS number, a date of birth and references."""
    terms = SearchTerms(date_of_birth=date_of_birth)
    text = query.strip()
    compact = re.sub(r"[\s-]", "", text)
    if len(compact) == 10 and compact.isdigit():
        # Ten digits that fail the check digit are treated as a reference instead.
        with contextlib.suppress(ValidationError):
            terms.nhs_number = normalise_nhs_number(compact)
            return terms
    for token in text.split():
        as_date = parse_date(token)
        if as_date is not None and terms.date_of_birth is None:
            terms.date_of_birth = as_date
            continue
        terms.words.append(token)
        key = name_key(token)
        if key:
            terms.names.append(key)
    return terms


def _areas_known(own: list[AgencyRecord], shared: list[SharedRecord]) -> list[str]:
    """The areas of residence the user may know: their own agency's records', and partners' where
    an agreement shares contact details. A know-of entry says who holds a record, not where the
    child lives, so it adds no area."""
    areas = {r.area.short_name for r in own if r.area is not None}
    areas |= {s.record.area.short_name for s in shared if "area" in s.fields and s.record.area is not None}
    return sorted(areas)


def reference_for(child: Child) -> str:
    """How a child is named to someone who may not see their name: a pseudonymous reference."""
    return f"Child reference {child.pseudonym}"


@dataclass
class ChildResult:
    child: Child
    records: list[AgencyRecord]
    know_of: list[tuple[AgencyRecord, Grant]] = field(default_factory=list)
    # Partners' records the user may see (break-glass, or a case or referral puts the child in
    # their work while their agency holds no record): what identifies the child, if shared.
    shared: list[SharedRecord] = field(default_factory=list)
    # When the user's open emergency access (break-glass) to this child ends, where it is open:
    # the card then says so, as the child page's banner does (set by the list that shows it).
    emergency_until: dt.datetime | None = None

    @property
    def know_of_agencies(self) -> list[str]:
        """The agencies the user may only know hold a record, each named once (an agency can hold
        several records of one child: a referral, a case, a contact)."""
        return list(dict.fromkeys(record.agency.name for record, _ in self.know_of))

    @property
    def primary(self) -> AgencyRecord | None:
        return self.records[0] if self.records else None

    @property
    def identity(self) -> dict[str, Any]:
        """The name, date of birth and NHS number as the user may see them (empty: none shared).

        The name is the first record's; a date of birth or NHS number that record lacks comes
        from the next record that holds one, as the child page's summary finds it (an NHS
        number is often on the health record alone)."""
        return self._identity()[0]

    @property
    def identity_sources(self) -> list[SharedRecord]:
        """The partners' records a card's identity is read from (recorded as disclosed)."""
        return self._identity()[1]

    def _identity(self) -> tuple[dict[str, Any], list[SharedRecord]]:
        if self.records:
            r = self.records[0]
            born = next((x.date_of_birth for x in self.records if x.date_of_birth), None)
            number = next((x.nhs_number for x in self.records if x.nhs_number), "")
            return {"name": r.full_name, "date_of_birth": born, "nhs_number": format_nhs_number(number)}, []
        named = next((s for s in self.shared if "given_names" in s.fields), None)
        if named is None:
            return {}, []
        f = named.fields
        out = {"name": f"{f['given_names']} {f['family_name']}", "date_of_birth": f.get("date_of_birth"),
               "nhs_number": f.get("nhs_number") or ""}  # fmt: skip
        used = [named]
        for key in ("date_of_birth", "nhs_number"):
            if not out[key]:
                other = next((s for s in self.shared if s.fields.get(key)), None)
                if other is not None:
                    out[key] = other.fields[key]
                    if other not in used:
                        used.append(other)
        out["nhs_number"] = format_nhs_number(str(out["nhs_number"] or ""))
        return out, used

    @property
    def name(self) -> str:
        return self.identity.get("name") or reference_for(self.child)

    @property
    def areas(self) -> list[str]:
        return _areas_known(self.records, self.shared)


@dataclass
class KnowOfResult:
    """A child outside the user's work whose records match: who holds them, never what they say."""

    child: Child
    holders: list[tuple[AgencyRecord, Grant]]


@dataclass
class SearchResults:
    children: list[ChildResult]
    known_elsewhere: list[KnowOfResult]

    def __len__(self) -> int:
        return len(self.children)


def _search_filter(terms: SearchTerms) -> Q:
    condition = Q()
    if terms.nhs_number:
        return Q(nhs_number=terms.nhs_number)
    if terms.date_of_birth:
        condition &= Q(date_of_birth=terms.date_of_birth)
    if terms.names:
        names = Q()
        for key in terms.names:
            names &= Q(given_key__startswith=key) | Q(family_key__startswith=key) | Q(other_keys__contains=key)
        # A single word may also be an agency's own reference for the child.
        if len(terms.words) == 1:
            names |= Q(local_id__iexact=terms.words[0])
        condition &= names
    return condition


def records_by_child(
    children: list[Child], *querysets: QuerySet[AgencyRecord, AgencyRecord]
) -> list[dict[int, list[AgencyRecord]]]:
    """For each queryset, each child's records in it, newest first: one query per queryset,
    asked by the children's ids as one array, with the agencies and areas the records name read
    once for all of them. A page of fifty children holds a few hundred records of a handful of
    agencies and areas: joined, each record would build its own copy of both."""
    ids = [child.pk for child in children]
    found = [list(rows.filter(ids_in("child_id", ids)).order_by("-updated_at", "-id")) for rows in querysets]
    agencies = Agency.objects.in_bulk({record.agency_id for rows in found for record in rows})
    areas = Area.objects.in_bulk({record.area_id for rows in found for record in rows if record.area_id})
    by_pk = {child.pk: child for child in children}
    grouped: list[dict[int, list[AgencyRecord]]] = []
    for rows in found:
        by_child: dict[int, list[AgencyRecord]] = {pk: [] for pk in ids}
        for record in rows:
            record.agency = agencies[record.agency_id]
            record.area = areas[record.area_id] if record.area_id else None
            record.child = by_pk[record.child_id]
            by_child[record.child_id].append(record)
        grouped.append(by_child)
    return grouped


def child_search(
    *, user: Any, query: str, date_of_birth: dt.date | None = None, purpose: str | None = None
) -> SearchResults:
    """Children the user may open whose records match, plus the know-of index; audited.

    For children in the user's work, partner agencies holding records are
    listed by name (know-of). For matching children outside it, only which
    agencies hold records is shown, where an agreement allows knowing-of.
    """
    membership = membership_for(user)
    purpose = purpose or (default_purpose(membership.role) if membership else None) or ""
    terms = parse_query(query, date_of_birth)
    results: list[ChildResult] = []
    elsewhere: list[KnowOfResult] = []
    if not terms.is_empty:
        condition = _search_filter(terms)
        own = agency_records_visible_to(user)
        matching_own = own.filter(condition).values("child_id")
        scope = search_scope(user=user, purpose=purpose)
        partner = scope.partner_records
        # Some matches by name, chosen on the narrow rows alone, then read whole: one query. In
        # no order: a common surname matches tens of thousands of records (45,000 Smiths at a
        # million children), and choosing the alphabetically first 200 read and sorted them all
        # (100 ms); unordered, the database stops at the 200th. Which 200 of so many is no more
        # use to a person either way: the page asks for a date of birth or more of the name.
        first_matches = partner.filter(condition).order_by().values("pk")
        # Ids only, in the records' order: most of a common name's matches are of children the
        # user will not open, and only the known-elsewhere list's handful are read whole below.
        partner_hits = list(partner.filter(pk__in=first_matches[: SEARCH_LIMIT * 4]).values_list("pk", "child_id"))
        # The candidates first, each list bounded, then the policy asked of them alone: asked of
        # every child at once ("in my work and matching"), it reads the whole of the agency's work.
        candidates = list(dict.fromkeys(matching_own.order_by().values_list("child_id", flat=True)[:SEARCH_LIMIT]))
        candidates += [child_id for _, child_id in partner_hits]
        children = list(
            children_visible_among(user, list(dict.fromkeys(candidates))).order_by("-updated_at")[:SEARCH_LIMIT]
        )
        own_records, partner_records = records_by_child(children, own, partner)
        visible_ids = {child.pk for child in children}
        shown: list[tuple[Child, list[tuple[AgencyRecord, list[str], Grant]]]] = []
        for child in children:
            know = scope.know_of(partner_records[child.pk])
            if own_records[child.pk]:
                results.append(ChildResult(child=child, records=own_records[child.pk], know_of=know))
                continue
            # In the user's work while their agency holds no record (a case handed over to it,
            # a referral it made, break-glass): found as the child page would show them.
            try:
                # `child` was read through children_visible_to above; the scope's grants are the
                # agreements' for this user and purpose, read in this request.
                access = child_access_of_visible(
                    user=user, child=child, purpose=purpose, grants=scope.grants if scope.membership else None
                )
            except Http404:
                if know:
                    elsewhere.append(KnowOfResult(child=child, holders=know))
                continue
            result, items = _partner_card(child, access)
            results.append(result)
            if items:
                shown.append((child, items))
        for shown_child, items in shown:
            disclosures_record(user=user, child=shown_child, items=items, purpose=purpose, channel=Channel.PAGE)
        # Children known elsewhere: the first of the matches' children the user may not open.
        outside = set(list(dict.fromkeys(c for _, c in partner_hits if c not in visible_ids))[:KNOWN_ELSEWHERE_LIMIT])
        partner_matches = list(
            partner.filter(pk__in=[pk for pk, child_id in partner_hits if child_id in outside])
            # Not the record's area (where the child lives): knowing of a record shows the
            # agencies' areas served, as the child page and the API do, never its content.
            .select_related("child")
            # Prefetched rather than joined: a handful of agencies hold the matches, and each is
            # then one object with its areas, not one per record.
            .prefetch_related("agency__areas")
        )
        by_child: dict[int, list[AgencyRecord]] = {}
        for record in partner_matches:
            by_child.setdefault(record.child_id, []).append(record)
        for records in list(by_child.values())[:KNOWN_ELSEWHERE_LIMIT]:
            know = scope.know_of(records)
            if know:
                elsewhere.append(KnowOfResult(child=records[0].child, holders=know))
        # Every holder shown, of every child known elsewhere, in one insert: a search's cost must
        # not grow with its results.
        disclosures_record_many(
            user=user,
            items=[(entry.child, record, ["know_of"], grant) for entry in elsewhere for record, grant in entry.holders],
            purpose=purpose,
            channel=Channel.PAGE,
        )
    audit_record(
        actor=user,
        event="children.searched",
        purpose=purpose,
        detail={
            "query": query,
            "date_of_birth": date_of_birth.isoformat() if date_of_birth else None,
            "results": len(results),
            "known_elsewhere": len(elsewhere),
        },
    )
    return SearchResults(children=results, known_elsewhere=elsewhere)


@dataclass
class ChildView:
    access: ChildAccess

    @property
    def child(self) -> Child:
        return self.access.child

    @property
    def records(self) -> list[AgencyRecord]:
        return self.access.own_records

    @property
    def primary(self) -> AgencyRecord | Any:
        if self.access.own_records:
            return self.access.own_records[0]
        for shared in self.access.shared:
            if "given_names" in shared.fields:
                return shared.record
        return None

    @property
    def areas(self) -> list[str]:
        return _areas_known(self.access.own_records, self.access.shared)


def child_view(*, user: Any, child_uuid: Any, purpose: str, channel: str = "page") -> ChildView:
    """Open a child for `purpose` (404 if not allowed); the view and every disclosure are audited."""
    with transaction.atomic():
        access = child_access(user=user, child_uuid=child_uuid, purpose=purpose)
        disclosures_record(
            user=user,
            child=access.child,
            items=[
                *((s.record, s.categories_shown, s.grant) for s in access.shared),
                *((r, ["know_of"], g) for r, g in access.know_of),
            ],
            purpose=purpose,
            channel=channel,
        )
        audit_record(
            actor=user,
            event="child.viewed",
            obj=access.child,
            child_uuid=access.child.uuid,
            purpose=purpose,
            detail={
                "channel": channel,
                "own_records": [str(r.uuid) for r in access.own_records],
                "shared_records": {str(s.record.uuid): s.categories_shown for s in access.shared},
                "know_of": [str(r.uuid) for r, _ in access.know_of],
                "break_glass": str(access.break_glass.uuid) if access.break_glass else None,
            },
        )
    return ChildView(access=access)


def _partner_card(child: Child, access: ChildAccess) -> tuple[ChildResult, list[tuple[AgencyRecord, list[str], Grant]]]:
    """A child the user's agency holds no record of, as a card shows them, and what the card
    discloses of partners' records: identity (and area) from the first that names the child,
    and the know-of list."""
    result = ChildResult(child=child, records=[], know_of=access.know_of, shared=[s for s in access.shared if s.fields])
    items = [(r, ["know_of"], g) for r, g in access.know_of]
    for i, source in enumerate(result.identity_sources):
        # The record that names the child, and any that gave the card a date of birth or NHS
        # number the first lacks (identity only).
        shown = sorted({FIELD_CATEGORIES[n] for n in source.fields}) if i == 0 else [str(DataCategory.IDENTITY)]
        items.append((source.record, shown, source.grant))
    # "Known in" names the areas of every shared record that gives one (its contact details).
    sources = {s.record.pk for s in result.identity_sources}
    for shared in result.shared:
        if shared.record.pk not in sources and "area" in shared.fields and shared.record.area is not None:
            items.append((shared.record, [str(DataCategory.CONTACT)], shared.grant))
    return result, items


def _not_yet_disclosed(
    *, user: Any, shown: list[tuple[Child, list[tuple[AgencyRecord, list[str], Grant]]]]
) -> list[tuple[Child, list[tuple[AgencyRecord, list[str], Grant]]]]:
    """Of what a list would disclose, what this user has not already been disclosed: under the
    same break-glass grant ever, or under the same agreement today, covering the same categories.
    One query however many children the list shows."""
    records = [record.pk for _, items in shown for record, _, _ in items]
    if not records:
        return shown
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    earlier: dict[tuple[int, int | None, int | None], set[str]] = {}
    # access: this user's own disclosure log, for the records the caller already opened
    for record_id, glass_id, agreement_id, occurred_at, categories in Disclosure.objects.filter(
        user=user, record_id__in=records
    ).values_list("record_id", "break_glass_id", "agreement_id", "occurred_at", "categories"):
        if glass_id is None and occurred_at < today:
            continue
        earlier.setdefault((record_id, glass_id, None if glass_id else agreement_id), set()).update(categories)
    remaining = []
    for child, items in shown:
        fresh = [
            (record, categories, grant)
            for record, categories, grant in items
            if not set(categories)
            <= earlier.get(
                (
                    record.pk,
                    getattr(grant.break_glass, "pk", None),
                    None if grant.break_glass else getattr(grant.agreement, "pk", None),
                ),
                set(),
            )
        ]
        if fresh:
            remaining.append((child, fresh))
    return remaining


def recent_children_for(*, user: Any, limit: int = 10) -> list[ChildResult]:
    """Children the user opened most recently that they may still see, each shown as the child
    page would: a child reached by break-glass, or by a case while the user's agency holds no
    record, shows what partners share (audited, with its disclosures) or a reference."""
    recent: list[Any] = []
    for child_uuid in (
        # access: the user's own view events; each child is re-checked by children_visible_to
        AuditEvent.objects.filter(actor=user, event="child.viewed")
        .order_by("-id")
        .values_list("child_uuid", flat=True)[:200]
    ):
        if child_uuid not in recent:
            recent.append(child_uuid)
        if len(recent) == limit:
            break
    found = list(children_visible_to(user).filter(uuid__in=recent))
    (visible_records,) = records_by_child(found, agency_records_visible_to(user))
    children = {c.uuid: c for c in found}
    membership = membership_for(user)
    purpose = (default_purpose(membership.role) if membership else None) or ""
    results: list[ChildResult] = []
    grants: dict[int, Grant] | None = None  # the agreements, read once for every child that needs them
    with transaction.atomic():
        shown: list[tuple[Any, list[tuple[AgencyRecord, list[str], Grant]]]] = []
        for u in recent:
            child = children.get(u)
            if child is None:
                continue
            if visible_records[child.pk]:
                results.append(ChildResult(child=child, records=visible_records[child.pk]))
                continue
            try:
                # `child` was read through children_visible_to above, in this request.
                if grants is None and membership is not None and role_may_act_for(membership.role, purpose):
                    grants = partner_grants(membership=membership, purpose=purpose)
                access = child_access_of_visible(user=user, child=child, purpose=purpose, grants=grants)
            except Http404:
                continue
            result, items = _partner_card(child, access)
            results.append(result)
            if items:
                shown.append((child, items))
        # The list is drawn on every visit home: what it shows was disclosed once already under
        # the same break-glass grant, or today under the same agreement, and is not logged again.
        for shown_child, items in _not_yet_disclosed(user=user, shown=shown):
            disclosures_record(user=user, child=shown_child, items=items, purpose=purpose, channel=Channel.PAGE)
        # The read itself is audited every time, as every read of partners' data is.
        if shown:
            audit_record(
                actor=user,
                event="children.recent_listed",
                purpose=purpose,
                detail={"partner_data_for": [str(c.uuid) for c, _ in shown]},
            )
    return results


# Records made, or matches confirmed, that would open a child outside the maker's work (the
# linkage app writes them): the data protection officer's list of possible access-seeking.
HELD_OUTSIDE_WORK_EVENT = "linkage.join_held_outside_work"
JOINED_OUTSIDE_WORK_EVENT = "linkage.joined_outside_work"
OUTSIDE_WORK_EVENTS = (HELD_OUTSIDE_WORK_EVENT, JOINED_OUTSIDE_WORK_EVENT)


def joins_outside_work_for(user: Any) -> Any:
    """For the DPO: every record whose match would have opened a child outside its maker's work
    (held for review), and every such match confirmed with a reason; newest first. 403 without
    the audit permission; only the user's partnership."""
    from joinedup.partnership.models import Agency

    membership = require(user, Perm.VIEW_AUDIT)
    agencies = Agency.objects.filter(partnership_id=membership.agency.partnership_id).values_list("uuid", flat=True)
    # access: the DPO's partnership only, after require(VIEW_AUDIT)
    return AuditEvent.objects.filter(event__in=OUTSIDE_WORK_EVENTS, agency_uuid__in=list(agencies)).order_by("-id")


def record_opened_for_change(*, user: Any, record: AgencyRecord) -> AgencyRecord:
    """Audit that the holder opened their record's edit form (it shows the whole record)."""
    audit_record(actor=user, event="agency_record.opened_for_change", obj=record, child_uuid=record.child.uuid)
    return record


@dataclass
class MovedChild:
    """A child whose records all moved to others, by a join or a split, and where they are now."""

    child: Child
    now: list[ChildResult]
    split: bool = False


def _destinations(child: Child) -> tuple[list[Child], bool]:
    """Where an emptied child's records are now: through every later join, or, after a split,
    the children the split sent them back to."""
    if child.joined_into_id is not None:
        current, seen = child, {child.pk}
        while current.joined_into_id is not None and current.joined_into_id not in seen:
            # access: following joins; each destination opens via child_access
            current = Child.objects.get(pk=current.joined_into_id)
            seen.add(current.pk)
        return [current], False
    # After a split: the children the app that joins records says they went back to.
    ids = split_destinations(child)
    # access: the destination children, each opened via child_access by the caller
    return list(Child.objects.filter(pk__in=ids).order_by("id")), True


def child_moved_view(*, user: Any, child_uuid: Any, purpose: str) -> MovedChild:
    """Where an emptied child's records went (a join, or a split), named as the user may see the
    children they are with now; 404 unless the user may open at least one. Audited."""
    try:
        # access: found only to say where its records went; the destinations open via child_access
        child = Child.objects.get(uuid=child_uuid)
    except (Child.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc
    if child.records.filter(erased_at__isnull=True).exists():
        raise Http404
    destinations, split = _destinations(child)
    now: list[ChildResult] = []
    with transaction.atomic():
        for destination in destinations:
            try:
                access = child_access(user=user, child_uuid=destination.uuid, purpose=purpose)
            except Http404:
                continue
            result = ChildResult(
                child=destination, records=access.own_records, shared=[s for s in access.shared if s.fields]
            )
            now.append(result)
            named = None if result.records else next((s for s in result.shared if "given_names" in s.fields), None)
            if named is not None:
                disclosures_record(
                    user=user,
                    child=destination,
                    items=[(named.record, [DataCategory.IDENTITY], named.grant)],
                    purpose=purpose,
                    channel=Channel.PAGE,
                )
        if not now:
            raise Http404
        audit_record(
            actor=user,
            event="child.moved_viewed",
            obj=child,
            child_uuid=child.uuid,
            purpose=purpose,
            detail={"now": [str(r.child.uuid) for r in now], "split": split},
        )
    return MovedChild(child=child, now=now, split=split)


# --- pseudonymised views for analysts ---------------------------------------------


@dataclass
class PseudonymisedChild:
    """What an analyst may see: no names, contact details, free text or full dates of birth."""

    pseudonym: str
    birth_month: str
    sex: str
    areas: list[str]
    districts: list[str]
    record_types: list[str]
    agency_count: int


def _pseudonymise(child: Child) -> PseudonymisedChild:
    records = [r for r in child.records.all() if r.erased_at is None]
    births = sorted({r.date_of_birth.strftime("%Y-%m") for r in records if r.date_of_birth})
    sexes = sorted({r.get_sex_display() for r in records if r.sex != "U"})
    return PseudonymisedChild(
        pseudonym=child.pseudonym,
        birth_month=births[0] if len(births) == 1 else (" or ".join(births) or "Not known"),
        sex=sexes[0] if len(sexes) == 1 else "Not known",
        areas=sorted({r.area.short_name for r in records if r.area}),
        districts=sorted({r.district.name for r in records if r.district}),
        record_types=sorted({r.record_type_label for r in records}),
        agency_count=len({r.agency_id for r in records}),
    )


def pseudonymised_list(*, user: Any, area: str = "", page_size: int = 50, page: int = 1) -> list[PseudonymisedChild]:
    """A page of pseudonymised children, optionally in one area; audited."""
    children = pseudonymised_children(user)
    if area:
        children = children.filter(records__area__short_name=area)
    start = (page - 1) * page_size
    rows = list(
        children.order_by("pseudonym").prefetch_related(
            # access: records of children already narrowed by pseudonymised_children(user)
            Prefetch("records", queryset=AgencyRecord.objects.select_related("agency", "area", "district"))
        )[start : start + page_size]
    )
    audit_record(actor=user, event="pseudonymised.listed", purpose="strategic_analysis", detail={"area": area})
    return [_pseudonymise(c) for c in rows]


def pseudonymised_get(*, user: Any, pseudonym: str) -> PseudonymisedChild:
    """One pseudonymised child; 404 if unknown; audited under the pseudonym only."""
    from django.http import Http404

    child = (
        pseudonymised_children(user)
        .prefetch_related(
            # access: records of the child already narrowed by pseudonymised_children(user)
            Prefetch("records", queryset=AgencyRecord.objects.select_related("agency", "area", "district"))
        )
        .filter(pseudonym=pseudonym)
        .first()
    )
    if child is None:
        raise Http404
    audit_record(
        actor=user,
        event="pseudonymised.viewed",
        child_uuid=child.uuid,
        purpose="strategic_analysis",
        detail={"pseudonym": pseudonym},
    )
    return _pseudonymise(child)


def break_glass_holders(*, user: Any, child: Child) -> list[AgencyRecord]:
    """Who holds records of the child a user is about to open in an emergency, as far as an
    agreement lets them know of it (the search's know-of table says as much): so the form says
    which child is being opened without showing any record's content. Recorded as know-of
    disclosures, as the search records them."""
    membership = membership_for(user)
    purpose = (default_purpose(membership.role) if membership else None) or ""
    scope = search_scope(user=user, purpose=purpose)
    if scope.membership is None:
        return []
    know = scope.know_of(scope.partner_records.filter(child=child).select_related("agency").order_by("-updated_at"))
    if know:
        with transaction.atomic():
            disclosures_record(
                user=user,
                child=child,
                items=[(record, ["know_of"], grant) for record, grant in know],
                purpose=purpose,
                channel=Channel.PAGE,
            )
    return [record for record, _ in know]
