"""Subject access requests: finding the child, the DPO's review of possible exemptions, the response.

The response (JSON, PDF and the DPO's preview are all made from
`subject_access_export`) leaves out every item an exemption in the Data
Protection Act 2018 may cover until the DPO decides to disclose it
(ExemptionDecision); withheld and undecided items are listed for the DPO.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from joinedup.audit.models import AuditEvent
from joinedup.audit.services import audit_record
from joinedup.children.models import (
    AgencyRecord,
    Child,
    ChildAssociation,
    Disclosure,
    HandlingCode,
    InformationGrade,
    IntelligenceItem,
    SourceGrade,
)
from joinedup.governance.labels import category_label, purpose_label
from joinedup.governance.models import (
    ExemptionDecision,
    ExemptionGround,
    ExemptionOutcome,
    SubjectAccessItemKind,
)
from joinedup.governance.selectors import ChildLabel, child_labels
from joinedup.partnership.access import require
from joinedup.partnership.models import Agency, AgreementStatus, InformationSharingAgreement
from joinedup.partnership.roles import DataCategory, Perm, Purpose

# --- subject access ------------------------------------------------------------------


def subject_access_query(query: str) -> tuple[str, str]:
    """What a subject access search looks for: ("nhs_number", its 10 digits), ("child_id", the uuid),
    or ("", "") for text that is neither (nothing is searched: names are not a safe way to find a subject)."""
    text = query.strip()
    digits = re.sub(r"[\s-]", "", text)
    if digits.isdigit() and len(digits) == 10:
        return "nhs_number", digits
    try:
        return "child_id", str(uuid.UUID(text))
    except ValueError:
        return "", ""


def subject_access_find(*, user: Any, query: str) -> list[ChildLabel]:
    """Children in the DPO's partnership by NHS number or child id, named. The search is audited."""
    membership = require(user, Perm.SUBJECT_ACCESS)
    children = Child.objects.filter(records__agency__partnership_id=membership.agency.partnership_id).distinct()
    kind, value = subject_access_query(query)
    condition = Q(pk__in=[])
    if kind == "nhs_number":
        condition |= Q(records__nhs_number=value)
    elif kind == "child_id":
        condition |= Q(uuid=uuid.UUID(value))
    results = list(children.filter(condition)[:20])
    audit_record(
        actor=user,
        event="subject_access.searched",
        purpose=Purpose.DATA_PROTECTION,
        detail={"query": query, "results": len(results), "children": [str(c.uuid) for c in results]},
    )
    labels = child_labels(partnership_id=membership.agency.partnership_id, child_ids=[c.pk for c in results])
    return [labels[c.pk] for c in results]


REDACTED = "[redacted: third party]"
WITHHELD_NOTE = (
    "We have considered whether any of the exemptions in the Data Protection Act 2018 apply to this "
    "information. Where one does, that information is not included. You can ask us about this response, "
    "and you have the right to complain to the Information Commissioner's Office (ico.org.uk, 0303 123 1113)."
)

# Which agency records may fall under Schedule 3's serious-harm restrictions, by record type.
_RECORD_GROUNDS: dict[str, str] = {
    DataCategory.SOCIAL_CARE: ExemptionGround.SOCIAL_WORK_HARM,
    DataCategory.YOUTH_JUSTICE: ExemptionGround.SOCIAL_WORK_HARM,
    DataCategory.HEALTH: ExemptionGround.HEALTH_HARM,
}


def _redacting_agencies(agencies: Iterable[Agency]) -> set[int]:
    """Holders party to an active agreement that asks for third parties' names to be redacted."""
    return set(
        InformationSharingAgreement.objects.filter(
            parties__in=list(agencies), status=AgreementStatus.ACTIVE, redact_third_parties=True
        ).values_list("parties__id", flat=True)
    ) & {a.pk for a in agencies}


@dataclass
class SubjectAccessItem:
    """One thing held about the child that may be exempt, with the DPO's latest decision on it."""

    kind: str
    uuid: Any
    agency: str
    title: str
    summary: str
    ground: str
    ground_note: str
    decision: ExemptionDecision | None

    @property
    def included(self) -> bool:
        """Only a decision to disclose puts a possibly exempt item in the response."""
        return self.decision is not None and self.decision.outcome == ExemptionOutcome.DISCLOSE

    @property
    def ground_label(self) -> str:
        return str(ExemptionGround(self.ground).label)


@dataclass
class SubjectAccessHoldings:
    records: list[AgencyRecord]
    intelligence: list[IntelligenceItem]
    associations: list[ChildAssociation]
    items: list[SubjectAccessItem]
    others: dict[int, ChildLabel]

    def excluded(self, kind: str) -> set[Any]:
        return {i.uuid for i in self.items if i.kind == kind and not i.included}

    @property
    def undecided(self) -> list[SubjectAccessItem]:
        return [i for i in self.items if i.decision is None]

    @property
    def withheld(self) -> list[SubjectAccessItem]:
        return [i for i in self.items if not i.included]


def _holdings(*, membership: Any, child: Child) -> SubjectAccessHoldings:
    """Everything the partnership holds on the child and which parts may be exempt."""
    partnership_id = membership.agency.partnership_id
    records = list(
        AgencyRecord.objects.filter(child=child, agency__partnership_id=partnership_id)
        .select_related("agency", "area", "district", "created_by", "updated_by")
        .order_by("agency__name", "created_at")
    )
    intelligence = list(
        IntelligenceItem.objects.filter(record__in=records).select_related("record__agency", "recorded_by")
    )
    associations = list(
        ChildAssociation.objects.filter(
            Q(child_a=child) | Q(child_b=child), source_agency__partnership_id=partnership_id
        )
        .select_related("source_agency")
        .order_by("recorded_on")
    )
    others = child_labels(
        partnership_id=partnership_id,
        child_ids={a.child_b_id if a.child_a_id == child.pk else a.child_a_id for a in associations},
    )
    decisions: dict[Any, ExemptionDecision] = {}
    for decision in ExemptionDecision.objects.filter(partnership_id=partnership_id, child=child).order_by(
        "created_at", "id"
    ):
        decisions[decision.item_uuid] = decision  # the latest wins
    items = []
    for r in records:
        ground = _RECORD_GROUNDS.get(r.record_type)
        if ground is not None and r.erased_at is None:
            items.append(
                SubjectAccessItem(
                    kind=SubjectAccessItemKind.RECORD,
                    uuid=r.uuid,
                    agency=r.agency.name,
                    title=f"{r.record_type_label} record {r.local_id}",
                    summary=", ".join(v for v in (r.full_name, r.address, r.postcode, r.school) if v),
                    ground=ground,
                    ground_note="Consider whether the address or other details could put the child at risk.",
                    decision=decisions.get(r.uuid),
                )
            )
    for i in intelligence:
        conditional = i.handling_code == HandlingCode.C
        items.append(
            SubjectAccessItem(
                kind=SubjectAccessItemKind.INTELLIGENCE,
                uuid=i.uuid,
                agency=i.record.agency.name,
                title=f"Police intelligence recorded {_long_date(i.recorded_at)}",
                summary=i.summary,
                ground=ExemptionGround.HANDLING_CODE if conditional else ExemptionGround.CRIME,
                ground_note=(
                    f"Handling conditions: {i.handling_conditions}" if conditional else i.get_handling_code_display()
                ),
                decision=decisions.get(i.uuid),
            )
        )
    for a in associations:
        other = others[a.child_b_id if a.child_a_id == child.pk else a.child_a_id]
        items.append(
            SubjectAccessItem(
                kind=SubjectAccessItemKind.ASSOCIATION,
                uuid=a.uuid,
                agency=a.source_agency.name,
                title=f"Link with {other.name}",
                summary=f"{a.get_association_type_display()}, recorded {_long_date(a.recorded_on)}",
                ground=ExemptionGround.THIRD_PARTY,
                ground_note="Names another young person.",
                decision=decisions.get(a.uuid),
            )
        )
    return SubjectAccessHoldings(
        records=records, intelligence=intelligence, associations=associations, items=items, others=others
    )


def _long_date(value: Any) -> str:
    """A date as a letter writes it: 3 March 2025."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date()
    return f"{value.day} {value:%B %Y}"


def _grade_words(grades: Any, code: str) -> str:
    """A 3x5x2 grade as words: "1: Reliable" reads "Reliable"."""
    return str(grades(code).label).split(": ", 1)[-1]


def subject_access_review(*, user: Any, child: Child) -> SubjectAccessHoldings:
    """The DPO's review of what may be exempt in a child's response. The read is audited."""
    membership = require(user, Perm.SUBJECT_ACCESS)
    with transaction.atomic():
        holdings = _holdings(membership=membership, child=child)
        audit_record(
            actor=user,
            event="subject_access.reviewed",
            obj=child,
            child_uuid=child.uuid,
            purpose=Purpose.DATA_PROTECTION,
            detail={"items": len(holdings.items), "undecided": len(holdings.undecided)},
        )
    return holdings


def subject_access_item_for_decision(*, user: Any, child: Child, item_uuid: Any) -> SubjectAccessItem:
    """One of the child's possibly exempt items, for a decision; 404 if it is not one of them."""
    membership = require(user, Perm.SUBJECT_ACCESS)
    for item in _holdings(membership=membership, child=child).items:
        if str(item.uuid) == str(item_uuid):
            return item
    raise Http404


def _person(redact: set[int], agency_id: int, user_obj: Any) -> str:
    if user_obj is None:
        return "Not recorded"
    return REDACTED if agency_id in redact else user_obj.get_full_name() or user_obj.get_username()


def subject_access_export(*, user: Any, child: Child, channel: str = "export") -> dict[str, Any]:
    """The response to a subject access request: what is held, who has seen it and why, in words.

    Possibly exempt items (social work and health records, police intelligence,
    links naming other young people) are included only where the DPO decided to
    disclose them. JSON, PDF and the DPO's preview are all made from this. Audited as an
    export, or as a preview when `channel` is "preview".
    """
    membership = require(user, Perm.SUBJECT_ACCESS)
    holdings = _holdings(membership=membership, child=child)
    left_out_records = holdings.excluded(SubjectAccessItemKind.RECORD)
    left_out_intelligence = holdings.excluded(SubjectAccessItemKind.INTELLIGENCE)
    left_out_links = holdings.excluded(SubjectAccessItemKind.ASSOCIATION)
    records = [r for r in holdings.records if r.uuid not in left_out_records]
    redact = _redacting_agencies({r.agency for r in records})
    intelligence_by_record: dict[int, list[IntelligenceItem]] = {}
    for i in holdings.intelligence:
        if i.uuid not in left_out_intelligence:
            intelligence_by_record.setdefault(i.record_id, []).append(i)
    # A record whose intelligence is (partly) withheld must not show, through the disclosure list,
    # that intelligence from it was shared.
    hides_intelligence = {i.record_id for i in holdings.intelligence if i.uuid in left_out_intelligence}
    agencies: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        fields = [
            ("Reference", r.local_id),
            ("Erased", _long_date(r.erased_at)),
            ("Given names", r.given_names),
            ("Family name", r.family_name),
            ("Other names", r.other_names),
            ("Date of birth", _long_date(r.date_of_birth)),
            ("Sex", r.get_sex_display()),
            ("Gender", r.gender),
            ("NHS number", r.nhs_number_display if r.nhs_number else ""),
            ("Unique pupil number", r.upn),
            ("Address", r.address),
            ("Postcode", r.postcode),
            ("Area", r.area.name if r.area else ""),
            ("School", r.school),
            ("Record created", f"{_long_date(r.created_at)} by {_person(redact, r.agency_id, r.created_by)}"),
            ("Last changed", f"{_long_date(r.updated_at)} by {_person(redact, r.agency_id, r.updated_by)}"),
        ]
        agencies.setdefault(r.agency.name, []).append(
            {
                # Only what the record holds: an empty field is left out rather than shown blank.
                "fields": [{"label": label, "value": value} for label, value in fields if value],
                "police_information": [
                    [
                        {
                            "label": "Recorded",
                            "value": f"{_long_date(i.recorded_at)} by {_person(redact, r.agency_id, i.recorded_by)}",
                        },
                        {"label": "What was recorded", "value": i.summary},
                        {"label": "How reliable the source is", "value": _grade_words(SourceGrade, i.source_grade)},
                        {"label": "How the source knows", "value": _grade_words(InformationGrade, i.information_grade)},
                    ]
                    for i in intelligence_by_record.get(r.pk, [])
                ],
            }
        )
    shown_records = {r.pk for r in records}
    disclosures = []
    for d in (
        Disclosure.objects.filter(child=child, record_id__in=shown_records)
        .select_related("holder_agency", "recipient_agency", "agreement")
        .order_by("occurred_at")
    ):
        categories = [
            c for c in d.categories if not (c == DataCategory.POLICE_INTELLIGENCE and d.record_id in hides_intelligence)
        ]
        if not categories:
            continue
        disclosures.append(
            {
                "when": _long_date(d.occurred_at),
                "from": d.holder_agency.name,
                "to": d.recipient_agency.name,
                "what": ", ".join(category_label(c) for c in categories),
                "why": purpose_label(d.purpose),
                "basis": (
                    f"Information-sharing agreement {d.agreement.reference}"
                    if d.agreement
                    else ("Emergency access" if d.break_glass_id else "Data protection duties")
                ),
            }
        )
    agency_uuids = Agency.objects.filter(partnership_id=membership.agency.partnership_id).values("uuid")
    views = [
        {"when": _long_date(e.occurred_at), "who": e.agency_label or "The system", "why": purpose_label(e.purpose)}
        for e in AuditEvent.objects.filter(
            child_uuid=child.uuid, agency_uuid__in=agency_uuids, event__in=["child.viewed", "pseudonymised.viewed"]
        ).order_by("id")
    ]
    links = [
        {
            "linked_with": holdings.others[a.child_b_id if a.child_a_id == child.pk else a.child_a_id].name,
            "how": a.get_association_type_display(),
            "recorded": f"{_long_date(a.recorded_on)} by {a.source_agency.name}",
        }
        for a in holdings.associations
        if a.uuid not in left_out_links
    ]
    names = ChildLabel(uuid=child.uuid, name="", date_of_birth=None)
    named = child_labels(partnership_id=membership.agency.partnership_id, child_ids=[child.pk]).get(child.pk, names)
    export = {
        "about": named.name,
        "date_of_birth": _long_date(named.date_of_birth),
        "child_reference": str(child.uuid),
        "produced_on": _long_date(timezone.now()),
        "produced_by": f"Data protection officer, {membership.agency.name}, for {membership.agency.partnership.name}",
        "information_held": [{"agency": name, "records": held} for name, held in agencies.items()],
        "links_with_other_young_people": links,
        "who_has_been_shown_this_information": disclosures,
        "when_the_record_was_opened": views,
        "staff_names": "Names of staff are replaced by [redacted: third party] where the agency holding the "
        "record has agreed to redact them.",
        "exemptions": WITHHELD_NOTE,
    }
    audit_record(
        actor=user,
        event="subject_access.previewed" if channel == "preview" else "subject_access.exported",
        obj=child,
        child_uuid=child.uuid,
        purpose=Purpose.DATA_PROTECTION,
        detail={
            "channel": channel,
            "records": len(records),
            "disclosures": len(disclosures),
            "withheld": sorted(str(i.uuid) for i in holdings.withheld),
        },
    )
    return export
