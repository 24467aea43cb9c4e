"""The access policy: the one way in to protected data.

Views, API endpoints, exports and background jobs reach children and their
agency records only through these functions. Each one fails closed: a user
with no active membership, an unknown role, purpose or permission gets
nothing, and "does not exist" and "not yours" give the same 404 so that
nobody learns which children another agency knows.

The rules:

1. A user always sees their own agency's records (if their role may view
   children at all).
2. A user sees another agency's data about a child only when all hold:
   - an information-sharing agreement in force between the two agencies
     covers that data category for the purpose the user is acting under;
   - the user's role may act for that purpose;
   - the child is in the user's work (`children_in_work`).
   An agreement that allows only knowing-of shows which agencies hold
   records (the know-of index), never their content.
3. Break-glass: a user who states an urgent reason opens one child outside
   these rules for a limited time; every grant is reviewed by the DPO.
4. Analysts see pseudonymised data only; DPOs reach any child in their
   partnership for subject access, and every such access is audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal
from uuid import UUID

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from joinedup.partnership.models import Agency, AgreementStatus, InformationSharingAgreement, Membership
from joinedup.partnership.roles import DataCategory, Perm, Purpose, default_purpose, role_can, role_may_act_for

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from joinedup.children.models import AgencyRecord, BreakGlassGrant, Child, IntelligenceItem

# The protected models live in apps that import this one; importing them inside
# the functions keeps module dependencies flowing one way (see DESIGN.md).

__all__ = ["Purpose"]  # re-exported for callers that think of purposes as part of access

ALL_CATEGORIES = frozenset(DataCategory.values)
# A malformed id is "not found", exactly like a missing or forbidden one.
_NOT_FOUND = (ObjectDoesNotExist, ValueError, ValidationError)


# --- who is asking ------------------------------------------------------------


def membership_for(user: Any) -> Membership | None:
    """The active membership of a signed-in, active user in an active agency, else None."""
    if user is None or not user.is_authenticated:
        return None
    if not user.is_active:
        return None
    try:
        membership: Membership = user.membership
    except ObjectDoesNotExist:
        return None
    if not membership.is_active:
        return None
    if not membership.agency.is_active:
        return None
    return membership


def user_can(user: Any, perm: Perm) -> bool:
    """Whether the user's role holds `perm` (False without an active membership)."""
    membership = membership_for(user)
    return membership is not None and role_can(membership.role, perm)


def require(user: Any, perm: Perm) -> Membership:
    """The user's membership if their role holds `perm`; otherwise 403."""
    membership = membership_for(user)
    if membership is None or not role_can(membership.role, perm):
        raise PermissionDenied("Your role does not allow this.")
    return membership


# --- agreements -----------------------------------------------------------------


@dataclass(frozen=True)
class Grant:
    """What one agency may see of another's data for one purpose, and on what basis."""

    level: Literal["content", "know_of"]
    categories: frozenset[str]
    agreement: InformationSharingAgreement | None = None
    break_glass: BreakGlassGrant | None = None
    accepts_conditional_intelligence: bool = False

    def covers(self, category: str) -> bool:
        return self.level == "content" and category in self.categories


def agreements_in_force(
    *, agency: Agency, purpose: str, on: dt.date | None = None
) -> list[InformationSharingAgreement]:
    """Agreements in force today that include `agency` as a party and allow `purpose`."""
    today = on or timezone.localdate()
    candidates = (
        InformationSharingAgreement.objects.filter(parties=agency, status=AgreementStatus.ACTIVE)
        .filter(start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .prefetch_related("parties")
        .order_by("id")
    )
    # Purposes are a JSON list; filtered here so SQLite and PostgreSQL agree.
    return [a for a in candidates if purpose in a.purposes]


def partner_grants(*, membership: Membership, purpose: str) -> dict[int, Grant]:
    """For each partner agency, the widest grant the agreements give the user's agency for `purpose`."""
    if not role_may_act_for(membership.role, purpose):
        return {}
    content: dict[int, tuple[set[str], InformationSharingAgreement, bool]] = {}
    know_of: dict[int, InformationSharingAgreement] = {}
    for agreement in agreements_in_force(agency=membership.agency, purpose=purpose):
        for party in agreement.parties.all():
            if party.pk == membership.agency_id:
                continue
            if agreement.know_of_only:
                know_of.setdefault(party.pk, agreement)
                continue
            categories, basis, conditional = content.get(party.pk, (set(), agreement, False))
            categories |= set(agreement.categories)
            content[party.pk] = (categories, basis, conditional or agreement.accepts_conditional_intelligence)
    grants: dict[int, Grant] = {
        pk: Grant(level="know_of", categories=frozenset(), agreement=agreement) for pk, agreement in know_of.items()
    }
    for pk, (categories, basis, conditional) in content.items():
        grants[pk] = Grant(
            level="content",
            categories=frozenset(categories),
            agreement=basis,
            accepts_conditional_intelligence=conditional,
        )
    return grants


# --- whose work is it -------------------------------------------------------------

# Each rule maps an agency to the ids of children that are in its work. The
# pathways capability adds "has a part in an open referral or case" here.
InWorkRule = Callable[[Agency], "QuerySet[Any]"]
_IN_WORK_RULES: list[tuple[InWorkRule, Perm | None]] = []


def register_in_work_rule(rule: InWorkRule, *, perm: Perm | None = None) -> None:
    """Add a way a child can be in an agency's work (called from an AppConfig.ready).

    With `perm`, the rule widens only the work of members whose role holds it:
    a screener's queue or a MACE coordinator's panel is theirs, not their whole agency's.
    """
    if (rule, perm) not in _IN_WORK_RULES:
        _IN_WORK_RULES.append((rule, perm))


def _holds_a_record(agency: Agency) -> QuerySet[Any]:
    from joinedup.children.models import AgencyRecord

    return AgencyRecord.objects.filter(agency=agency, erased_at__isnull=True).values("child_id")


register_in_work_rule(_holds_a_record)


def children_in_work(membership: Membership) -> Q:
    """A filter on Child: the children in the work of the member's agency, and of their role."""
    condition = Q(pk__in=[])
    for rule, perm in _IN_WORK_RULES:
        if perm is not None and not role_can(membership.role, perm):
            continue
        condition |= Q(pk__in=rule(membership.agency))
    return condition


def _break_glass_children(user: Any) -> QuerySet[Any]:
    from joinedup.children.models import BreakGlassGrant

    return BreakGlassGrant.objects.filter(
        user=user, starts_at__lte=timezone.now(), expires_at__gt=timezone.now()
    ).values("child_id")


def active_break_glass(*, user: Any, child: Child) -> BreakGlassGrant | None:
    """The user's unexpired break-glass grant on this child, if any."""
    from joinedup.children.models import BreakGlassGrant

    now = timezone.now()
    return (
        BreakGlassGrant.objects.filter(user=user, child=child, starts_at__lte=now, expires_at__gt=now)
        .order_by("-expires_at")
        .first()
    )


# --- children and records -----------------------------------------------------------


def agency_records_visible_to(user: Any) -> QuerySet[AgencyRecord]:
    """Agency records the user may read in full as the holder: their own agency's."""
    from joinedup.children.models import AgencyRecord

    membership = membership_for(user)
    if membership is None:
        return AgencyRecord.objects.none()
    if not role_can(membership.role, Perm.VIEW_CHILD):
        return AgencyRecord.objects.none()
    return AgencyRecord.objects.filter(agency_id=membership.agency_id, erased_at__isnull=True)


def children_visible_to(user: Any) -> QuerySet[Child]:
    """Children the user may open: those in their work, and those they broke glass for."""
    from joinedup.children.models import Child

    membership = membership_for(user)
    if membership is None:
        return Child.objects.none()
    if not role_can(membership.role, Perm.VIEW_CHILD):
        return Child.objects.none()
    return Child.objects.filter(children_in_work(membership) | Q(pk__in=_break_glass_children(user)))


@dataclass
class SharedRecord:
    """A partner agency's record as this user may see it: only the categories granted."""

    record: AgencyRecord
    grant: Grant
    fields: dict[str, Any] = field(default_factory=dict)
    intelligence: list[IntelligenceItem] = field(default_factory=list)

    @property
    def categories_shown(self) -> list[str]:
        from joinedup.children.models import FIELD_CATEGORIES

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

    @property
    def all_records(self) -> list[AgencyRecord]:
        return [*self.own_records, *(s.record for s in self.shared)]


def _shared_view(record: AgencyRecord, grant: Grant) -> SharedRecord:
    from joinedup.children.models import FIELD_CATEGORIES, HandlingCode

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
    from joinedup.children.models import AgencyRecord

    membership = membership_for(user)
    if membership is None:
        raise Http404
    if purpose not in Purpose.values:
        raise Http404
    if not role_may_act_for(membership.role, purpose):
        raise Http404
    try:
        child = children_visible_to(user).get(uuid=child_uuid)
    except _NOT_FOUND as exc:
        raise Http404 from exc
    glass = active_break_glass(user=user, child=child)
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
    )


def child_get_for_user(*, user: Any, child_uuid: UUID | str, purpose: str) -> Child:
    """The child, if the user may open it for `purpose`; 404 otherwise."""
    return child_access(user=user, child_uuid=child_uuid, purpose=purpose).child


def child_get_for_break_glass(*, user: Any, child_uuid: UUID | str) -> Child:
    """A child in the user's partnership they may break glass for; 403 without the permission."""
    from joinedup.children.models import Child

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
    from joinedup.children.models import Child

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
        from joinedup.children.models import AgencyRecord

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
    from joinedup.children.models import Child

    membership = require(user, Perm.VIEW_PSEUDONYMISED)
    return Child.objects.filter(
        records__agency__partnership_id=membership.agency.partnership_id, records__erased_at__isnull=True
    ).distinct()


def agreements_visible_to(user: Any) -> QuerySet[InformationSharingAgreement]:
    """The agreement register: the whole partnership's for a DPO, the agency's own for others."""
    membership = membership_for(user)
    if membership is None:
        return InformationSharingAgreement.objects.none()
    partnership_agreements = InformationSharingAgreement.objects.filter(partnership_id=membership.agency.partnership_id)
    if role_can(membership.role, Perm.MANAGE_AGREEMENTS):
        return partnership_agreements
    return partnership_agreements.filter(parties=membership.agency).distinct()


def agreement_get_for_change(*, user: Any, agreement_uuid: UUID | str) -> InformationSharingAgreement:
    """An agreement a DPO may edit or review; 403 for other roles, 404 if not in the partnership."""
    membership = require(user, Perm.MANAGE_AGREEMENTS)
    try:
        return InformationSharingAgreement.objects.get(
            uuid=agreement_uuid, partnership_id=membership.agency.partnership_id
        )
    except _NOT_FOUND as exc:
        raise Http404 from exc


# --- participation ----------------------------------------------------------------


def cohort_get_for_officer(*, user: Any, cohort_uuid: UUID | str) -> Any:
    """A cohort in the officer's partnership; 403 for other roles, 404 if none."""
    from joinedup.participation.models import Cohort

    membership = require(user, Perm.MANAGE_PARTICIPATION)
    try:
        return Cohort.objects.select_related("opportunity").get(
            uuid=cohort_uuid, opportunity__provider__partnership_id=membership.agency.partnership_id
        )
    except _NOT_FOUND as exc:
        raise Http404 from exc


def cohorts_open_to(user: Any) -> QuerySet[Any]:
    """Cohorts still forming in the practitioner's partnership, to put young people forward to."""
    from joinedup.participation.models import Cohort, CohortStatus

    membership = require(user, Perm.PUT_FORWARD_FOR_COHORT)
    return Cohort.objects.filter(
        status=CohortStatus.FORMING, opportunity__provider__partnership_id=membership.agency.partnership_id
    ).select_related("opportunity")


def opportunity_get_for_change(*, user: Any, opportunity_uuid: UUID | str) -> Any:
    from joinedup.participation.models import Opportunity

    membership = require(user, Perm.MANAGE_PARTICIPATION)
    try:
        return Opportunity.objects.get(uuid=opportunity_uuid, provider__partnership_id=membership.agency.partnership_id)
    except _NOT_FOUND as exc:
        raise Http404 from exc


def contribution_get_for_officer(*, user: Any, contribution_uuid: UUID | str) -> Any:
    from joinedup.participation.models import Contribution

    membership = require(user, Perm.MANAGE_PARTICIPATION)
    try:
        return Contribution.objects.get(
            uuid=contribution_uuid, heard_by__membership__agency__partnership_id=membership.agency.partnership_id
        )
    except _NOT_FOUND as exc:
        raise Http404 from exc


# --- referrals and cases -------------------------------------------------------------


def referral_get_for_user(*, user: Any, referral_uuid: UUID | str, for_change: bool = False) -> Any:
    """A referral the user may see: drafts only by their author; submitted ones by the
    referring agency and by screeners whose agency serves the child's home or found area."""
    from joinedup.referrals.models import Referral, ReferralStatus

    membership = membership_for(user)
    if membership is None:
        raise Http404
    try:
        referral = Referral.objects.select_related("child", "referring_agency", "home_area", "found_area").get(
            uuid=referral_uuid
        )
    except _NOT_FOUND as exc:
        raise Http404 from exc
    if referral.status == ReferralStatus.DRAFT:
        # A draft is its author's alone, and only the author changes it.
        if referral.created_by_id != user.pk:
            raise Http404
        return referral
    if not referrals_visible_to(user).filter(pk=referral.pk).exists():
        raise Http404
    if for_change:
        raise PermissionDenied("A submitted referral cannot be changed.")
    return referral


def referrals_visible_to(user: Any) -> QuerySet[Any]:
    """Submitted referrals the user may read: their agency's own (for roles that refer), and
    those a screener's agency receives because it serves the child's home or found area."""
    from joinedup.referrals.models import Referral, ReferralStatus

    membership = membership_for(user)
    if membership is None:
        return Referral.objects.none()
    submitted = Referral.objects.exclude(status=ReferralStatus.DRAFT)
    rule = Q(pk__in=[])
    if role_can(membership.role, Perm.RAISE_REFERRAL):
        rule |= Q(referring_agency_id=membership.agency_id)
    if role_can(membership.role, Perm.SCREEN_REFERRALS):
        areas = list(membership.agency.areas.values_list("pk", flat=True))
        rule |= Q(home_area_id__in=areas) | Q(found_area_id__in=areas)
    return submitted.filter(rule)


def screening_queue_for(user: Any) -> QuerySet[Any]:
    """Submitted referrals for the areas the screener's agency serves, by their decision clock."""
    from joinedup.referrals.models import Referral, ReferralStatus

    membership = require(user, Perm.SCREEN_REFERRALS)
    areas = list(membership.agency.areas.values_list("pk", flat=True))
    return (
        Referral.objects.filter(status=ReferralStatus.SUBMITTED)
        .filter(Q(home_area_id__in=areas) | Q(found_area_id__in=areas))
        .select_related("child", "referring_agency", "home_area", "found_area")
        .order_by("decision_due_at")
    )


def cases_visible_to(user: Any) -> QuerySet[Any]:
    """Cases about children the user may open."""
    from joinedup.pathways.models import Case

    if not user_can(user, Perm.WORK_CASES) and not user_can(user, Perm.VIEW_CHILD):
        return Case.objects.none()
    return Case.objects.filter(child__in=children_visible_to(user))


def case_access_level(*, user: Any, case: Any) -> str:
    """How much of a case the user may see: "full" for the lead agency, an agency it is offered to,
    or a partner whose agreement shares social care data for their purpose; otherwise "know_of"."""
    from joinedup.pathways.models import HandoverStatus

    membership = membership_for(user)
    if membership is None:
        return "none"
    if case.lead_agency_id == membership.agency_id:
        return "full"
    if case.handovers.filter(to_agency_id=membership.agency_id, status=HandoverStatus.OFFERED).exists():
        return "full"
    purpose = next(
        (
            p
            for p in (Purpose.SCREENING, Purpose.DIRECT_WORK, Purpose.DATA_PROTECTION)
            if role_may_act_for(membership.role, p)
        ),
        None,
    )
    grant = partner_grants(membership=membership, purpose=purpose).get(case.lead_agency_id) if purpose else None
    if grant is not None and grant.covers(DataCategory.SOCIAL_CARE):
        return "full"
    return "know_of"


def case_get_for_user(*, user: Any, case_uuid: UUID | str, for_change: bool = False) -> Any:
    """A case the user may open in full (404 otherwise); changing it needs the lead agency and a casework role (403)."""
    try:
        case = cases_visible_to(user).select_related("child", "area", "lead_agency", "pathway").get(uuid=case_uuid)
    except _NOT_FOUND as exc:
        raise Http404 from exc
    if case_access_level(user=user, case=case) != "full":
        raise Http404
    if for_change:
        membership = require(user, Perm.WORK_CASES)
        if case.lead_agency_id != membership.agency_id:
            raise PermissionDenied("Only the lead agency changes the case.")
    return case


def handover_get_for_decision(*, user: Any, handover_uuid: UUID | str) -> Any:
    """A handover offered to the user's agency; 404 for anyone else."""
    from joinedup.pathways.models import Handover, HandoverStatus

    membership = require(user, Perm.WORK_CASES)
    try:
        return Handover.objects.select_related("case__child", "to_area", "from_area").get(
            uuid=handover_uuid, to_agency=membership.agency, status=HandoverStatus.OFFERED
        )
    except _NOT_FOUND as exc:
        raise Http404 from exc


def cases_for_oversight(user: Any) -> QuerySet[Any]:
    """Every case in the partnership, for pathway oversight pages that show no child's identity."""
    from joinedup.pathways.models import Case

    membership = require(user, Perm.VIEW_PATHWAYS)
    return Case.objects.filter(area__partnership_id=membership.agency.partnership_id)


def referrals_raised_by(user: Any) -> QuerySet[Any]:
    """Referrals the user's agency has sent (not drafts)."""
    from joinedup.referrals.models import Referral, ReferralStatus

    membership = require(user, Perm.RAISE_REFERRAL)
    return Referral.objects.filter(referring_agency=membership.agency).exclude(status=ReferralStatus.DRAFT)


def agency_records_for_linkage() -> QuerySet[AgencyRecord]:
    """Every live agency record, for the batch linkage job only (a system process, run by operators).

    Its results reach people only through the access policy above.
    """
    from joinedup.children.models import AgencyRecord

    return AgencyRecord.objects.filter(erased_at__isnull=True)


def review_purpose(user: Any) -> str:
    membership = require(user, Perm.REVIEW_MATCHES)
    return Purpose.DATA_PROTECTION if role_may_act_for(membership.role, Purpose.DATA_PROTECTION) else Purpose.SCREENING


def candidate_pairs_for_review(user: Any) -> QuerySet[Any]:
    """Pairs waiting for a person, in the reviewer's partnership; 403 for other roles."""
    from joinedup.linkage.models import CandidatePair, PairStatus

    membership = require(user, Perm.REVIEW_MATCHES)
    return CandidatePair.objects.filter(
        status__in=[PairStatus.PENDING, PairStatus.UNSURE],
        record_a__agency__partnership_id=membership.agency.partnership_id,
    ).select_related("record_a__agency", "record_b__agency")


def candidate_pair_get_for_review(*, user: Any, pair_uuid: UUID | str) -> Any:
    try:
        return candidate_pairs_for_review(user).get(uuid=pair_uuid)
    except _NOT_FOUND as exc:
        raise Http404 from exc


def _record_fields(*, membership: Membership, record: AgencyRecord, purpose: str | None) -> dict[str, Any] | None:
    from joinedup.children.models import FIELD_CATEGORIES

    if record.agency_id == membership.agency_id:
        return {name: getattr(record, name) for name in FIELD_CATEGORIES}
    grant = partner_grants(membership=membership, purpose=purpose).get(record.agency_id) if purpose else None
    if grant is None or grant.level != "content":
        return None
    return {name: getattr(record, name) for name, category in FIELD_CATEGORIES.items() if grant.covers(category)}


def record_view_for_review(*, user: Any, record: AgencyRecord) -> dict[str, Any] | None:
    """The fields of a record a reviewer may see: all for their own agency's, the agreement's
    categories for a partner's; None where only knowing-of is allowed (show agency and dates only)."""
    membership = require(user, Perm.REVIEW_MATCHES)
    return _record_fields(membership=membership, record=record, purpose=review_purpose(user))


def intake_matches_for(*, user: Any, record_uuid: UUID | str) -> tuple[AgencyRecord, QuerySet[Any]]:
    """A record the user's agency holds and the possible matches found when it was added
    (pairs waiting for a decision); 404 for anyone else's record."""
    from joinedup.linkage.models import CandidatePair, PairStatus

    record = agency_record_get_for_user(user=user, record_uuid=record_uuid)
    require(user, Perm.CREATE_AGENCY_RECORD)
    pairs = (
        CandidatePair.objects.filter(status__in=[PairStatus.PENDING, PairStatus.UNSURE])
        .filter(Q(record_a=record) | Q(record_b=record))
        .select_related("record_a__agency", "record_b__agency")
        .order_by("-probability")
    )
    return record, pairs


def record_view_for_intake(*, user: Any, record: AgencyRecord) -> dict[str, Any] | None:
    """What the creator of a new record may see of a possible match: as for review, under
    the creator's own casework purpose; None means the know-of view only."""
    membership = require(user, Perm.CREATE_AGENCY_RECORD)
    return _record_fields(membership=membership, record=record, purpose=default_purpose(membership.role))


def child_join_get_for_undo(*, user: Any, join_uuid: UUID | str) -> Any:
    """A join in the reviewer's partnership, to split again; 403 for other roles, 404 otherwise."""
    from joinedup.linkage.models import ChildJoin

    membership = require(user, Perm.REVIEW_MATCHES)
    try:
        return (
            ChildJoin.objects.filter(target__records__agency__partnership_id=membership.agency.partnership_id)
            .distinct()
            .select_related("target")
            .get(uuid=join_uuid)
        )
    except _NOT_FOUND as exc:
        raise Http404 from exc


def linkage_models_visible_to(user: Any) -> QuerySet[Any]:
    """Linkage model versions: for people who review matches and partnership admins; 403 otherwise."""
    from joinedup.linkage.models import LinkageModel

    membership = membership_for(user)
    if membership is None or not (
        role_can(membership.role, Perm.REVIEW_MATCHES) or role_can(membership.role, Perm.ADMIN_PARTNERSHIP)
    ):
        raise PermissionDenied("Linkage models are for match reviewers and partnership admins.")
    return LinkageModel.objects.select_related("trained_by", "activated_by")


def linkage_runs_visible_to(user: Any) -> QuerySet[Any]:
    """Batch linkage runs and their figures, for the same people as the models."""
    from joinedup.linkage.models import LinkageRun

    linkage_models_visible_to(user)
    return LinkageRun.objects.select_related("model").order_by("-created_at")


def linkage_model_get_for_user(*, user: Any, model_uuid: UUID | str) -> Any:
    try:
        return linkage_models_visible_to(user).get(uuid=model_uuid)
    except _NOT_FOUND as exc:
        raise Http404 from exc


def linkage_model_get_for_activation(*, user: Any, model_uuid: UUID | str) -> Any:
    """A model a partnership admin may put into use; 403 for everyone else."""
    model = linkage_model_get_for_user(user=user, model_uuid=model_uuid)
    require(user, Perm.ADMIN_PARTNERSHIP)
    return model
