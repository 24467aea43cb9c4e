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

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal
from uuid import UUID

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.utils import timezone

from joinedup.core.lookups import ids_in
from joinedup.partnership.models import Agency, AgreementStatus, InformationSharingAgreement, Membership
from joinedup.partnership.roles import DataCategory, Perm, Purpose, role_can, role_may_act_for

if TYPE_CHECKING:
    from django.db.models import QuerySet


# Each app's own objects are reached through its access.py, built on this policy core
# (docs/decisions/0003-access-by-owner-and-import-contract.md).

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
        membership: Membership = _membership_of(user)
    except ObjectDoesNotExist:
        return None
    if not membership.is_active:
        return None
    if not membership.agency.is_active:
        return None
    return membership


def _membership_of(user: Any) -> Membership:
    """`user.membership`, read the first time with its agency in one query (every page asks
    both); raises ObjectDoesNotExist for a user with none, as the attribute does."""
    field = _membership_user_field()
    if not field.remote_field.is_cached(user):
        membership = Membership.objects.select_related("agency").filter(user_id=user.pk).first()
        field.remote_field.set_cached_value(user, membership)
        if membership is not None:
            field.set_cached_value(membership, user)
    return user.membership  # type: ignore[no-any-return]


@functools.cache
def _membership_user_field() -> Any:
    """Membership.user, looked up once (a page asks who the user acts for some twenty times)."""
    return Membership._meta.get_field("user")


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
    # The children app's BreakGlassGrant when the grant is an emergency one; the policy core
    # sits below children, so it holds the row without naming its type.
    break_glass: Any = None
    accepts_conditional_intelligence: bool = False

    def covers(self, category: str) -> bool:
        return self.level == "content" and category in self.categories


def _agreements_in_force_with_parties(
    *, agency_id: int, purpose: str
) -> list[tuple[InformationSharingAgreement, list[int]]]:
    """The agreements in force today that include the agency as a party and allow `purpose`,
    oldest first, each with the ids of its parties, read in one query (every page that opens a
    child asks): a row for each party of each agreement in force that the agency is party to."""
    today = timezone.localdate()
    through = InformationSharingAgreement.parties.through
    rows = (
        through.objects.filter(
            informationsharingagreement__parties=agency_id,
            informationsharingagreement__status=AgreementStatus.ACTIVE,
            informationsharingagreement__start_date__lte=today,
        )
        .filter(
            Q(informationsharingagreement__end_date__isnull=True) | Q(informationsharingagreement__end_date__gte=today)
        )
        .select_related("informationsharingagreement")
        .order_by("informationsharingagreement_id", "agency_id")
    )
    found: dict[int, tuple[InformationSharingAgreement, list[int]]] = {}
    for row in rows:
        agreement = row.informationsharingagreement
        found.setdefault(agreement.pk, (agreement, []))[1].append(row.agency_id)
    # Purposes are a JSON list; filtered here so SQLite and PostgreSQL agree.
    return [(a, parties) for a, parties in found.values() if purpose in a.purposes]


def partner_grants(*, membership: Membership, purpose: str) -> dict[int, Grant]:
    """For each partner agency, the widest grant the agreements give the user's agency for `purpose`."""
    if not role_may_act_for(membership.role, purpose):
        return {}
    content: dict[int, tuple[set[str], InformationSharingAgreement, bool]] = {}
    know_of: dict[int, InformationSharingAgreement] = {}
    for agreement, party_ids in _agreements_in_force_with_parties(agency_id=membership.agency_id, purpose=purpose):
        for party_id in party_ids:
            if party_id == membership.agency_id:
                continue
            if agreement.know_of_only:
                know_of.setdefault(party_id, agreement)
                continue
            categories, basis, conditional = content.get(party_id, (set(), agreement, False))
            categories |= set(agreement.categories)
            content[party_id] = (categories, basis, conditional or agreement.accepts_conditional_intelligence)
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


def child_in(rows: QuerySet[Any]) -> Q:
    """A filter on Child: the child is among `rows` (a queryset of `.values("child_id")`).

    Written as a correlated EXISTS rather than `pk IN (...)`: PostgreSQL hashes an IN
    subquery that sits under an OR, reading every row of it (150,000 of an agency's records
    at a million children) to check one child; EXISTS asks the child's own rows by index.
    """
    if len(rows.query.values_select) == 1:
        return Q(Exists(rows.filter(**{rows.query.values_select[0]: OuterRef("pk")})))
    return Q(pk__in=rows)


def _rules_for(membership: Membership) -> Iterator[QuerySet[Any]]:
    """Each in-work rule that applies to the member (their agency's, and their role's), as rows."""
    for rule, perm in _IN_WORK_RULES:
        if perm is None or role_can(membership.role, perm):
            yield rule(membership.agency)


def children_in_work(membership: Membership) -> Q:
    """A filter on Child: the children in the work of the member's agency, and of their role."""
    condition = Q(pk__in=[])
    for rows in _rules_for(membership):
        condition |= child_in(rows)
    return condition


def _among(rows: QuerySet[Any], ids: list[int]) -> QuerySet[Any]:
    """`rows` (a rule's `.values("child_id")`) narrowed to children `ids`, where it names its field."""
    if len(rows.query.values_select) == 1:
        return rows.filter(ids_in(rows.query.values_select[0], ids))
    return rows


def children_in_work_among(membership: Membership, ids: list[int]) -> Q:
    """children_in_work for a known handful of children (a search's candidates): each rule asked
    only of their rows, by the child-id index, so its cost is that of the handful, where
    children_in_work's EXISTS lets PostgreSQL hash a rule's every row (all the agency's
    referrals and cases) to answer for a page of children. The same children, among `ids`."""
    condition = Q(pk__in=[])
    for rows in _rules_for(membership):
        condition |= Q(pk__in=_among(rows, ids))
    return Q(ids_in("pk", ids)) & condition


def child_ids_in_work(membership: Membership, field: str) -> Q:
    """children_in_work's rules as a filter on a child id `field` of many rows (`field IN
    (rule)` for each rule): for a query over thousands of rows, a review queue's pairs, say.

    Each rule's children are then read once and hashed, where children_in_work's EXISTS asks
    each row's child apart (40,000 asks for a queue of 20,000 pairs at a million children).
    For one child, or a page of them, children_in_work. The same children either way.
    """
    condition = Q(**{f"{field}__in": []})
    for rows in _rules_for(membership):
        condition |= Q(**{f"{field}__in": rows})
    return condition


# --- children and records -----------------------------------------------------------


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


# --- referrals and cases -------------------------------------------------------------
